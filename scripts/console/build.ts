/**
 * `npm run build:console` (after `npm run build`): writes the console page's script to dist/console/web/app.js, the file an installed
 * build serves (src/console/bundle.ts), since an installed build has neither the sources nor esbuild.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleConsoleScript } from '../../src/console/bundle.js';

const out = fileURLToPath(new URL('../../dist/console/web/app.js', import.meta.url));
const script = await bundleConsoleScript();
mkdirSync(fileURLToPath(new URL('../../dist/console/web/', import.meta.url)), { recursive: true });
writeFileSync(out, script);
process.stdout.write(`wrote ${out} (${Math.round(script.length / 1024)} KiB)\n`);
