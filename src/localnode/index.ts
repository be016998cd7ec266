export { NodeAgent, DEFAULT_NODE_NAME, POD_NICE, type NodeAgentOptions } from './agent.js';
export { defaultImages, imageName, lookupImage, type ImageCommand, type ImageTable } from './images.js';
export { LOCAL_NODE_LABEL, onLocalNode } from './placement.js';
export { containerArgv, expandVars } from './command.js';
export { containerFiles } from './container.js';
export { REPORTING_CONTROLLER } from './events.js';
export { DEFAULT_STORAGE_CLASS, PROVISIONER_NAME } from './provisioner.js';
export { canMakeMountNamespaces } from './volumes/namespace.js';
