#!/usr/bin/env node
// The `cairn` command. In a checkout it runs the TypeScript sources through tsx; an installed build
// (dist/, from `npm run build`) runs as plain JavaScript, and so does a checkout with CAIRN_FROM_DIST=1
// (what the container image and bench:gitops run: no compiler in the process).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}src/cli/main.ts`;
let entry;
if (existsSync(source) && process.env.CAIRN_FROM_DIST !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = source;
} else {
  entry = `${root}dist/cli/main.js`;
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
