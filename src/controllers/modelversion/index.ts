export { modelVersionController, modelVersionResource, DEFAULT_CAIRN_IMAGE, type ModelVersionControllerOptions } from './controller.js';
export { ModelVersionCondition, ModelVersionReason, modelVersionConditions } from './reasons.js';
