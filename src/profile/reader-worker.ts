/**
 * The worker thread of worker-source.ts: takes its job from its first message, reads one pass of a csv or jsonl
 * file with the same reader the engine would use in-process and posts its batches (batch-codec.ts), at most
 * IN_FLIGHT ahead of what the engine has taken, so memory stays bounded. An error is posted with what the other
 * side needs to throw it again.
 */
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { BatchEncoder } from './batch-codec.js';
import type { ColumnRequest } from './chunks.js';
import { csvSource } from './csv.js';
import { ProfileError } from './errors.js';
import { jsonlSource } from './jsonl.js';

export const IN_FLIGHT = 4;
const CHUNK_BYTES = 1 << 20;

export interface ReaderJob {
  path: string;
  format: 'csv' | 'jsonl';
  requests: ColumnRequest[];
}

export type ReaderMessage =
  | { type: 'batch'; wire: unknown }
  | { type: 'end' }
  | { type: 'error'; message: string; reason?: string; code?: string };

async function run(port: NonNullable<typeof parentPort>, job: ReaderJob): Promise<void> {
  let credit = IN_FLIGHT;
  let wake: (() => void) | undefined;
  const encoder = new BatchEncoder();
  // each message gives back the buffers of a batch the engine is done with: one more may be sent
  port.on('message', (buffers: ArrayBuffer[]) => {
    encoder.recycle(buffers);
    credit++;
    wake?.();
  });
  try {
    const open = () => createReadStream(job.path, { highWaterMark: CHUNK_BYTES });
    const source = job.format === 'csv' ? csvSource(open) : jsonlSource(open);
    for await (const batch of source.scan(job.requests)) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      credit--;
      const { wire, transfer } = encoder.encode(batch);
      port.postMessage({ type: 'batch', wire } satisfies ReaderMessage, transfer);
    }
    port.postMessage({ type: 'end' } satisfies ReaderMessage);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    port.postMessage({
      type: 'error',
      message: err.message ?? String(error),
      ...(error instanceof ProfileError ? { reason: error.reason } : {}),
      ...(typeof err.code === 'string' ? { code: err.code } : {}),
    } satisfies ReaderMessage);
  }
}

// The first message is the job (the thread may have been started before it was known: reader-thread.ts).
if (parentPort) {
  const port = parentPort;
  port.once('message', (job: ReaderJob) => void run(port, job));
}
