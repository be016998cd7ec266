/**
 * Decoding a large inference body off the event loop. JSON.parse of a few megabytes of small arrays (a million
 * `[]`, or arrays nested 31 deep over and over: bodies the limits allow) holds the main thread for hundreds of
 * milliseconds to seconds; meanwhile liveness probes time out and the kubelet kills the pod. A body of
 * OFFLOAD_BYTES or more is parsed and validated in a worker thread (decode-worker.ts), which sends back typed
 * arrays (transferred, not copied); smaller bodies decode inline, where a hand-off would cost more than the parse.
 * One worker, started on first use and unref'd; requests queue for it. If it dies, its requests get 500 and the
 * next large body starts another.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startWorkerBeside } from '../runtime/worker-entry.js';
import type { DecodeInit, FromDecoder, ToDecoder } from './decode-protocol.js';
import { HttpError } from './errors.js';
import type { Protocol } from './metrics.js';
import type { ModelSignature } from './signature.js';
import type { TensorLimits } from './tensor.js';
import type { InferRequest } from './v2.js';

/** Bodies at least this large decode in the worker: 256 KiB of the worst JSON parses in ~10 ms on the loop. */
export const OFFLOAD_BYTES = 256 * 1024;

interface Pending {
  resolve(request: InferRequest): void;
  reject(err: Error): void;
}

export class Decoder {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly signature: ModelSignature,
    private readonly limits: TensorLimits,
    private readonly logger: Logger,
  ) {}

  /** Parses and validates `body` in the worker; rejects with the HttpError the inline path would throw. */
  decode(protocol: Protocol, body: Buffer, headerLength?: number): Promise<InferRequest> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: ToDecoder = { id, protocol, body };
      if (headerLength !== undefined) message.headerLength = headerLength;
      worker.postMessage(message);
    });
  }

  /** Stops the worker; requests still decoding get 503. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new HttpError(503, 'the server is shutting down'));
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = startWorkerBeside(import.meta.url, 'decode-worker', { workerData: { signature: this.signature, limits: this.limits } satisfies DecodeInit });
    worker.unref();
    this.logger.info({ offloadBytes: OFFLOAD_BYTES }, 'Started the decode worker for large bodies');
    worker.on('message', (message: FromDecoder) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if ('request' in message) pending.resolve(message.request);
      else pending.reject(new HttpError(message.error.status, message.error.message));
    });
    const failed = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.logger.error({ why }, 'The decode worker stopped');
      this.failAll(new HttpError(500, `decoding failed: the decode worker ${why}`));
    };
    worker.on('error', (err) => failed(`failed: ${err.message}`));
    worker.on('exit', (code) => failed(`exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
  }
}
