/** Model files: inspecting an ONNX model as a ModelVersion records it (`cairn model inspect`). */
export { isModelError, ModelError, type InspectFailureReason, type ModelErrorReason } from './errors.js';
export { inspectModel, type InspectOptions, type InspectResult } from './inspect.js';
export { signatureOf, SIGNATURE_LIMITS, type Datatype, type ModelSignature, type TensorSpec, type ValueMetadata } from './signature.js';
export { failureMessage, successMessage, MAX_MESSAGE_BYTES, type InspectFailureMessage, type InspectSuccessMessage } from './termination.js';
