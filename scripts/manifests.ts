/**
 * Writes manifests/ from the Helm chart (scripts/manifests-render.ts) with the helm of the test environment
 * ($HELM, else the one scripts/testenv/build.sh builds). CI runs it and fails on a diff:
 *   npm run manifests && git diff --exit-code manifests/
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleLogger } from '../src/testenv/logger.js';
import { ensureBinaries } from '../src/testenv/binaries.js';
import { renderManifests } from './manifests-render.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const helm = process.env.HELM || join(await ensureBinaries({ root, logger: consoleLogger('manifests') }), 'helm');
const files = await renderManifests(helm, root);
const outDir = join(root, 'manifests');
mkdirSync(outDir, { recursive: true });
for (const stale of readdirSync(outDir)) if (stale.endsWith('.yaml') && !files.has(stale)) rmSync(join(outDir, stale));
for (const [name, text] of files) writeFileSync(join(outDir, name), text);
console.log(`Wrote ${[...files.keys()].map((f) => `manifests/${f}`).join(', ')} from charts/cairn`);
