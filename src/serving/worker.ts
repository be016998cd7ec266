/**
 * Inference worker thread: one ONNX Runtime session, created from the bytes the main thread verified and
 * warmed up with one inference, runs one batch at a time. Inputs and outputs move as transferred ArrayBuffers (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSession, runSession } from './ort-session.js';
import { signatureOf, syntheticFeeds } from './signature.js';
import { transferables, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

async function start(port: NonNullable<typeof parentPort>): Promise<void> {
  const init = workerData as WorkerInit;
  let session;
  try {
    session = await createSession(init.modelBytes, { intraOpThreads: init.intraOpThreads });
    await runSession(session, syntheticFeeds(signatureOf(session), 1)); // warm-up before taking requests
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error).message } satisfies FromWorker);
    return;
  }
  const ready = session;
  port.on('message', (message: ToWorker) => {
    runSession(ready, message.feeds).then(
      (outputs) => port.postMessage({ type: 'result', id: message.id, outputs } satisfies FromWorker, transferables(outputs)),
      (err: Error) => port.postMessage({ type: 'error', id: message.id, message: err.message } satisfies FromWorker),
    );
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

if (parentPort) void start(parentPort);
