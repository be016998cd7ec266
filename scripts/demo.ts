/** `npm run demo` (see src/demo/demo.ts). `npm run demo -- --once` stops after the change instead of waiting for Ctrl-C. */
import '../src/testenv/node-compat.js';
import { fileURLToPath } from 'node:url';
import { runDemo } from '../src/demo/demo.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let interrupt: () => void = () => undefined;
const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C: stop waiting for the cleanup
    interrupt();
  });
}

// The control plane's processes are unref'd (they must never keep a test runner alive); keep this process
// alive until the demo has stopped them.
const keepAlive = setInterval(() => undefined, 60_000);
try {
  await runDemo({ root, once: process.argv.includes('--once'), out: (line) => process.stdout.write(line + '\n'), interrupted });
} catch (error) {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  clearInterval(keepAlive);
}
