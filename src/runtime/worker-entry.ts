/**
 * How to start a worker thread whose module sits beside the caller: its .js once built; in a source checkout (tests,
 * benchmarks, anything run through tsx) its .ts, loaded through tsx's ESM API from a small bootstrap, since Node 20
 * workers do not apply the parent's `--import` loaders. The serving pool's inference and decode workers, the
 * profile's reader and the drift bin-count threads all start this way.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `callerUrl`: the caller's `import.meta.url`; `file`: the worker module's name beside it, without extension. */
export function workerEntryBeside(callerUrl: string, file: string): { entry: URL | string; eval: boolean } {
  if (!callerUrl.endsWith('.ts')) return { entry: new URL(`./${file}.js`, callerUrl), eval: false };
  const manifest = createRequire(callerUrl).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  const api = pathToFileURL(join(dirname(manifest), exports['./esm/api']!.import.default)).href;
  const worker = new URL(`./${file}.ts`, callerUrl).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}); })
  .catch((err) => process.nextTick(() => { throw err; }));`;
  return { entry: code, eval: true };
}

/** Starts the worker module `file` that sits beside `callerUrl` (see workerEntryBeside). */
export function startWorkerBeside(callerUrl: string, file: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const { entry, eval: isCode } = workerEntryBeside(callerUrl, file);
  return new Worker(entry, { ...options, eval: isCode });
}
