/**
 * Node 20 compatibility for @kubernetes/client-node 2.x in the test environment, the demo and the benchmarks:
 * the same shim the runtime uses before its lazy client-node import (src/runtime/kube/node-compat.ts). It must
 * run before the first import of @kubernetes/client-node in the process (import it first).
 */
export { nodeCompat as nodeCompatApplied } from '../runtime/kube/node-compat.js';
