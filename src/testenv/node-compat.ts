/**
 * Node 20 compatibility for @kubernetes/client-node 2.x. Its HTTP stack, undici 8, declares Node >= 22.19 and
 * fails on Node 20 (the project's engines floor) because it uses three APIs Node 20 lacks:
 * `zlib.createZstdDecompress` (read at load; only used for `Content-Encoding: zstd`, which kube-apiserver never
 * sends), `worker_threads.markAsUncloneable` (read at load; a structured-clone guard on Cache objects, which
 * nothing here clones) and `Promise.withResolvers` (every fetch). Importing this module first defines them
 * when missing; on Node 22+ it does nothing.
 * It must run before the first import of @kubernetes/client-node in the process (import it first).
 */
import workerThreads from 'node:worker_threads';
import zlib from 'node:zlib';

const z = zlib as unknown as Record<string, unknown>;
if (typeof z.createZstdDecompress !== 'function') {
  z.createZstdDecompress = () => {
    throw new Error('zstd decompression needs Node 22 (cairn polyfill for undici on Node 20)');
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

export const nodeCompatApplied = true;
