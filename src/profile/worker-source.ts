/**
 * A csv or jsonl file whose passes are read in a worker thread (reader-worker.ts) while the engine computes on
 * this one: reading (tokenizing, parsing numbers) is about 60% of a csv profile's CPU and the statistics the rest,
 * so on two free cores a pass takes about the time of the reader alone (docs/benchmarks.md, Training). The
 * batches are the ones the in-process reader gives, in the same order, so the profile is the same. Memory: the
 * worker's own heap and at most IN_FLIGHT batches between the threads (about 3 MiB at 8,192 rows).
 */
import { createReadStream } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { BatchDecoder, wireBuffers, type WireChunk } from './batch-codec.js';
import type { Batch, DataSource } from './chunks.js';
import { csvSource } from './csv.js';
import { ProfileError, type ProfileReason } from './errors.js';
import { jsonlSource } from './jsonl.js';
import { startReaderThread } from './reader-thread.js';
import type { ReaderJob, ReaderMessage } from './reader-worker.js';

const CHUNK_BYTES = 1 << 20;

/** `started`: a reader thread already starting (reader-thread.ts), which the first pass takes. */
export function workerSource(path: string, format: 'csv' | 'jsonl', started?: Worker): DataSource {
  const open = () => createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const inProcess = format === 'csv' ? csvSource(open) : jsonlSource(open);
  let waiting = started;
  const take = (): Worker => {
    const worker = waiting ?? startReaderThread();
    waiting = undefined;
    return worker;
  };
  return { unit: inProcess.unit, columns: () => inProcess.columns(), scan: (requests) => scanInWorker(take(), { path, format, requests }) };
}

async function* scanInWorker(worker: Worker, job: ReaderJob): AsyncGenerator<Batch> {
  worker.ref();
  worker.postMessage(job); // its first message is its job
  const inbox: ReaderMessage[] = [];
  let wake: (() => void) | undefined;
  const deliver = (message: ReaderMessage) => {
    inbox.push(message);
    wake?.();
  };
  const failed = (error: Error) => deliver({ type: 'error', message: `the reader thread failed: ${error.message}` });
  const exited = (code: number) => deliver({ type: 'error', message: `the reader thread exited with code ${code}` });
  worker.on('message', deliver);
  worker.on('error', failed);
  worker.on('exit', exited);
  const decoder = new BatchDecoder();
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = inbox.shift()!;
      if (message.type === 'end') return;
      if (message.type === 'error') throw rebuild(message);
      const wire = message.wire as WireChunk[];
      yield decoder.decode(wire);
      // the engine is done with that batch (it copies what it keeps): its buffers go back, and one more may come
      const buffers = wireBuffers(wire);
      worker.postMessage(buffers, buffers);
    }
  } finally {
    // only this scan's listeners: the thread may have come from the caller (reader-thread.ts)
    worker.off('message', deliver).off('error', failed).off('exit', exited);
    await worker.terminate();
  }
}

/** The reader's error as it was thrown: a ProfileError with its reason, an fs error with its code. */
function rebuild(message: Extract<ReaderMessage, { type: 'error' }>): Error {
  if (message.reason) return new ProfileError(message.reason as ProfileReason, message.message);
  return Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
}
