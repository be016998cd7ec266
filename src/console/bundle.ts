/**
 * The page's script: web/console/main.ts and ECharts bundled into one file by esbuild, so the page needs
 * nothing from the internet. In a checkout it is bundled when the console starts (about a second); an
 * installed build serves the file `npm run build:console` wrote (scripts/console/build.ts) beside this module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../web/console/main.ts', import.meta.url));
const prebuilt = fileURLToPath(new URL('./web/app.js', import.meta.url));

export interface BundleOptions {
  minify?: boolean;
}

/** Bundles the page's script from source; throws esbuild's messages when it does not build. */
export async function bundleConsoleScript(options: BundleOptions = {}): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error('esbuild wrote no output for web/console/main.ts');
  return out.text;
}

/** The prebuilt script when this is an installed build, else a fresh bundle of the sources. */
export async function consoleScript(): Promise<string> {
  if (!existsSync(entry) && existsSync(prebuilt)) return readFileSync(prebuilt, 'utf8');
  return bundleConsoleScript();
}
