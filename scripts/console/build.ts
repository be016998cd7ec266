/**
 * `npm run build:console` (after `npm run build`): writes the console page's scripts (the entry app.js and its
 * chunks) to dist/console/web/, the files an installed build serves (src/console/bundle.ts), since an installed
 * build has neither the sources nor esbuild.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleConsoleScripts, ENTRY_FILE } from '../../src/console/bundle.js';

const dir = fileURLToPath(new URL('../../dist/console/web/', import.meta.url));
const scripts = await bundleConsoleScripts();
rmSync(dir, { recursive: true, force: true }); // chunks of an older build would be served for nothing
mkdirSync(dir, { recursive: true });
const files: Array<[string, string]> = [[ENTRY_FILE, scripts.entry], ...Object.entries(scripts.chunks)];
for (const [name, text] of files) writeFileSync(join(dir, name), text);
const kib = (text: string) => Math.round(Buffer.byteLength(text) / 1024);
process.stdout.write(`wrote ${dir}: ${files.map(([name, text]) => `${name} (${kib(text)} KiB)`).join(', ')}\n`);
