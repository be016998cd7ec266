/**
 * Starts the reader thread of worker-source.ts (reader-worker.ts) before its job is known: the thread boots and
 * loads the reader while the caller goes on, and takes its job from its first message. Kept apart from
 * worker-source.ts so that a command can start it before loading the engine (src/cli/profile.ts).
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerBeside } from '../runtime/worker-entry.js';

/**
 * A reader thread waiting for its job. It does not keep the process alive until a scan takes it (an unused one,
 * say after a usage error, must not hold the exit); the taker refs it and ends it.
 */
export function startReaderThread(): Worker {
  const worker = startWorkerBeside(import.meta.url, 'reader-worker');
  worker.unref();
  return worker;
}
