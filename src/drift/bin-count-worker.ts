/**
 * The worker thread of bin-count-threads.ts: counts its slice of each job's values into the job's bins with
 * countIntoBins, the single-thread rule, and answers with the counts. Values arrive as views of a
 * SharedArrayBuffer (no copy) or as a transferred copy of the slice. A slice that cannot be counted is answered as
 * failed; the other side then counts the whole call in its own thread, which throws the single-thread error.
 */
import { parentPort } from 'node:worker_threads';
import { countIntoBins } from './bin-counts.js';

export interface SliceJob {
  edges: readonly number[];
  values: Float64Array;
}

export type ToCountThread = { id: number; slices: SliceJob[] };

export type FromCountThread = { type: 'ready' } | { type: 'counted'; id: number; counts: number[][] } | { type: 'failed'; id: number; message: string };

function answer(message: ToCountThread): FromCountThread {
  try {
    return { type: 'counted', id: message.id, counts: message.slices.map((slice) => countIntoBins(slice.edges, slice.values)) };
  } catch (error) {
    return { type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (message: ToCountThread) => port.postMessage(answer(message)));
  port.postMessage({ type: 'ready' } satisfies FromCountThread);
}
