/** What `cairn operator` needs for Experiments. */
export { experimentController, experimentResource, type ExperimentControllerOptions } from './controller.js';
export { experimentConditions, ExperimentCondition, ExperimentReason } from './reasons.js';

/** The image of the trial pods' fetch and upload containers when $CAIRN_IMAGE does not name one (the operator's own release). */
export const defaultCairnImage = 'ghcr.io/cairn-dev/cairn:0.1.0';
