export { ABORT_ANNOTATION, deploymentController, deploymentResource, PROMOTE_ANNOTATION, type DeploymentControllerOptions } from './controller.js';
export { DeploymentCondition, DeploymentReason } from './reasons.js';
