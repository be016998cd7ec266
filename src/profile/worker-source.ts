/**
 * A csv or jsonl file whose passes are read in a worker thread (reader-worker.ts) while the engine computes on
 * this one: reading (tokenizing, parsing numbers) is about 60% of a csv profile's CPU and the statistics the rest,
 * so on two free cores a pass takes about the time of the reader alone (docs/benchmarks.md, Training). The
 * batches are the ones the in-process reader gives, in the same order, so the profile is the same. Memory: the
 * worker's own heap and at most IN_FLIGHT batches between the threads (about 3 MiB at 8,192 rows).
 */
import { createReadStream } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startWorkerBeside } from '../runtime/worker-entry.js';
import { BatchDecoder, wireBuffers, type WireChunk } from './batch-codec.js';
import type { Batch, DataSource } from './chunks.js';
import { csvSource } from './csv.js';
import { ProfileError, type ProfileReason } from './errors.js';
import { jsonlSource } from './jsonl.js';
import type { ReaderJob, ReaderMessage } from './reader-worker.js';

const CHUNK_BYTES = 1 << 20;

export function workerSource(path: string, format: 'csv' | 'jsonl'): DataSource {
  const open = () => createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const inProcess = format === 'csv' ? csvSource(open) : jsonlSource(open);
  return { unit: inProcess.unit, columns: () => inProcess.columns(), scan: (requests) => scanInWorker({ path, format, requests }) };
}

async function* scanInWorker(job: ReaderJob): AsyncGenerator<Batch> {
  const worker = startReader(job);
  const inbox: ReaderMessage[] = [];
  let wake: (() => void) | undefined;
  const deliver = (message: ReaderMessage) => {
    inbox.push(message);
    wake?.();
  };
  worker.on('message', deliver);
  worker.on('error', (error) => deliver({ type: 'error', message: `the reader thread failed: ${error.message}` }));
  worker.on('exit', (code) => deliver({ type: 'error', message: `the reader thread exited with code ${code}` }));
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
    worker.removeAllListeners();
    await worker.terminate();
  }
}

function startReader(job: ReaderJob): Worker {
  return startWorkerBeside(import.meta.url, 'reader-worker', { workerData: job });
}

/** The reader's error as it was thrown: a ProfileError with its reason, an fs error with its code. */
function rebuild(message: Extract<ReaderMessage, { type: 'error' }>): Error {
  if (message.reason) return new ProfileError(message.reason as ProfileReason, message.message);
  return Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
}
