/**
 * The page's scripts: web/console/main.ts and ECharts bundled by esbuild, so the page needs nothing from the
 * internet. Split in chunks: the entry draws the page's content, and ECharts (most of the bytes) is a chunk it
 * imports when it first draws a chart (web/console/charts.ts), so a page is usable before the browser has
 * evaluated the library. In a checkout they are bundled when the console starts (about a second); an installed
 * build serves the files `npm run build:console` wrote (scripts/console/build.ts) beside this module.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../web/console/main.ts', import.meta.url));
const prebuiltDir = fileURLToPath(new URL('./web/', import.meta.url));

/** The entry's file name; the chunks are named by esbuild after their content (`chunk-HASH.js`). */
export const ENTRY_FILE = 'app.js';
const CHUNK_FILE = /^chunk-[A-Z0-9]+\.js$/;

export interface ConsoleScripts {
  /** The entry script (web/console/main.ts), which imports the chunks by relative path (`./chunk-HASH.js`). */
  entry: string;
  /** The chunks, by file name. */
  chunks: Record<string, string>;
}

export interface BundleOptions {
  minify?: boolean;
}

/** Bundles the page's scripts from source; throws esbuild's messages when they do not build. */
export async function bundleConsoleScripts(options: BundleOptions = {}): Promise<ConsoleScripts> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    outdir: 'console-web', // nothing is written (write: false); the output files are named under it
    entryNames: basename(ENTRY_FILE, '.js'),
    chunkNames: 'chunk-[hash]',
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const scripts: ConsoleScripts = { entry: '', chunks: {} };
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    if (name === ENTRY_FILE) scripts.entry = file.text;
    else scripts.chunks[name] = file.text;
  }
  if (!scripts.entry) throw new Error('esbuild wrote no entry script for web/console/main.ts');
  return scripts;
}

/** The prebuilt scripts when this is an installed build, else a fresh bundle of the sources. */
export async function consoleScripts(): Promise<ConsoleScripts> {
  if (existsSync(entry) || !existsSync(join(prebuiltDir, ENTRY_FILE))) return bundleConsoleScripts();
  const chunks: Record<string, string> = {};
  for (const name of readdirSync(prebuiltDir).filter((n) => CHUNK_FILE.test(n))) chunks[name] = readFileSync(join(prebuiltDir, name), 'utf8');
  return { entry: readFileSync(join(prebuiltDir, ENTRY_FILE), 'utf8'), chunks };
}

/** Whether `name` may be a chunk's file name (what the server looks up). */
export const isChunkFile = (name: string): boolean => CHUNK_FILE.test(name);
