/** What `cairn operator` needs for DriftMonitors: the controller (drift of a Deployment's live traffic, and the actions on it). */
export { driftMonitorController, driftMonitorResource, type DriftMonitorControllerOptions } from './controller.js';
export { DriftMonitorCondition, DriftMonitorReason, driftMonitorConditions } from './reasons.js';
