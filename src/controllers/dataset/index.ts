/** What `cairn operator` needs for Datasets: the controller (profile Jobs, their RBAC and ConfigMap). */
export { datasetController, datasetResource, DEFAULT_CAIRN_IMAGE, type DatasetControllerOptions } from './controller.js';
export { DatasetCondition, DatasetReason, datasetConditions } from './reasons.js';
