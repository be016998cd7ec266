/**
 * Node 20 support for @kubernetes/client-node 2.x, whose HTTP stack (undici 8) needs Node >= 22.19 and fails at
 * load on Node 20 (this project's engines floor). It reads `zlib.createZstdDecompress` and
 * `worker_threads.markAsUncloneable` when loaded and calls `Promise.withResolvers` on every fetch. This module
 * defines the three when missing (zstd then throws if ever used: kube-apiserver never sends zstd); on Node 22+
 * it changes nothing. The runtime loads client-node only lazily (client-node-auth.ts, for exec/auth-provider
 * users), and imports this just before it.
 * (src/testenv has the same shim for the test harness; both are idempotent.)
 */
import workerThreads from 'node:worker_threads';
import zlib from 'node:zlib';

const z = zlib as unknown as Record<string, unknown>;
if (typeof z.createZstdDecompress !== 'function') {
  z.createZstdDecompress = () => {
    throw new Error('zstd decompression needs Node 22 (cairn shim for undici on Node 20)');
  };
}
const w = workerThreads as unknown as Record<string, unknown>;
if (typeof w.markAsUncloneable !== 'function') w.markAsUncloneable = () => undefined;

const P = Promise as unknown as Record<string, unknown>;
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export const nodeCompat = true;
