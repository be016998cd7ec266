/**
 * npm run bench:console — how long the console's pages take to show 1,000 trials and 100 Deployments, in
 * headless Chromium (Debian's, scripts/console/chromium.ts), against `cairn console` in-process on a real
 * local control plane. Goal (issue 16): each page loads in under a second on this machine.
 *
 * Each figure is the median (and worst) of --runs fresh page loads, from navigation to the page's content in
 * the DOM, beside a baseline from the same run: the same browser fetching /api/state (the page's data, as
 * JSON) without drawing anything. What the page adds on top of the baseline is its own cost.
 */
import '../src/testenv/node-compat.js';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { ensureChromium } from '../scripts/console/chromium.js';
import { startConsole } from '../src/console/console.js';
import { cairnResource } from '../src/controllers/resources.js';
import { systemClock } from '../src/runtime/clock.js';
import { HttpKubeClient } from '../src/runtime/kube/http-client.js';
import type { KubeObject } from '../src/runtime/kube/object.js';
import { createLogger } from '../src/runtime/logger.js';
import { ensureBinaries, silentLogger, startControlPlane } from '../src/testenv/index.js';
import { createLifecycle, lifecycle, writeStatus } from '../tests/integration/console/lifecycle.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, deployments: { type: 'string', default: '100' }, trials: { type: 'string', default: '1000' } } });
const runs = Number(values.runs);
const deploymentCount = Number(values.deployments);
const trialCount = Number(values.trials);
const NS = 'bench';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const worst = (xs: number[]) => Math.max(...xs);

async function main(): Promise<void> {
  const executablePath = await ensureChromium();
  const binDir = await ensureBinaries({ root, logger: silentLogger });
  const scratch = await mkdtemp(join(tmpdir(), 'cairn-bench-console-'));
  const plane = await startControlPlane({ binDir, logger: silentLogger, stateRoot: scratch, kwokNodes: 0 });
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  let stopConsole: (() => Promise<void>) | undefined;
  try {
    const kubectl = join(plane.binDir, 'kubectl');
    await run(kubectl, ['--kubeconfig', plane.kubeconfigPath, 'apply', '--server-side', '-f', join(root, 'crds')]);
    await run(kubectl, ['--kubeconfig', plane.kubeconfigPath, 'wait', '--for=condition=Established', '--timeout=120s', '-f', join(root, 'crds')]);
    await run(kubectl, ['--kubeconfig', plane.kubeconfigPath, 'create', 'namespace', NS]);
    const kube = new HttpKubeClient(plane.kubeConfig());
    await createLifecycle(kube, NS, trialCount);
    // 99 more Deployments mid-rollout, each with its status.
    const template = lifecycle(NS).find((o) => o.kind === 'Deployment')!;
    for (let i = 1; i < deploymentCount; i++) {
      const { status, ...spec } = template;
      const d = { ...spec, metadata: { ...spec.metadata, name: `fare-${i}` } } as KubeObject & { spec: Record<string, unknown> };
      await kube.create(cairnResource('Deployment'), d);
      await writeStatus(kube, { ...d, status: { ...status, canary: { version: 3, weight: i % 100, step: 0 } } });
    }
    const started = await startConsole({ address: '127.0.0.1', port: 0, readOnly: false, namespaces: [NS] }, { kube, clock: systemClock(), log: createLogger({ level: 'silent' }), now: () => new Date() });
    stopConsole = started.stop;
    await started.view.settled();
    const url = started.url;

    async function measure(what: string, load: (page: Page) => Promise<void>): Promise<number[]> {
      const times: number[] = [];
      for (let i = 0; i < runs + 1; i++) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const t0 = performance.now();
        await load(page);
        const ms = performance.now() - t0;
        await page.close();
        if (i > 0) times.push(ms); // the first load warms the browser's cache of the script, as a person's second visit would
      }
      process.stdout.write(`  ${what.padEnd(58)} median ${median(times).toFixed(0).padStart(5)} ms   worst ${worst(times).toFixed(0).padStart(5)} ms\n`);
      return times;
    }

    process.stdout.write(`Console page loads (${runs} runs each, ${trialCount} trials, ${deploymentCount} Deployments; goal: under 1,000 ms)\n`);
    const baseline = await measure('baseline: GET /api/state in the same browser', async (page) => {
      await page.goto(new URL('api/state', url).href);
    });
    const lineage = await measure(`Lineage (${deploymentCount} Deployments in the graph)`, async (page) => {
      await page.goto(`${url}#/lineage`);
      await page.locator(`[data-node="Deployment:${NS}/fare-${deploymentCount - 1}"]`).waitFor();
    });
    const deployments = await measure(`Deployments list (${deploymentCount} rows)`, async (page) => {
      await page.goto(`${url}#/deployments`);
      await page.locator('[data-testid=deployments] tbody tr').nth(deploymentCount - 1).waitFor();
    });
    const deployment = await measure('one Deployment (steps, weights chart, analysis)', async (page) => {
      await page.goto(`${url}#/deployment/${NS}/fare`);
      await page.locator('[data-testid=weights-chart] canvas').first().waitFor();
    });
    const experiment = await measure(`Experiment (${trialCount} trials: table and plots)`, async (page) => {
      await page.goto(`${url}#/experiment/${NS}/fare-gbm`);
      await page.locator('[data-testid=trials] tbody tr').nth(trialCount - 1).waitFor();
      await page.locator('[data-testid=parallel-chart] canvas').first().waitFor();
    });
    const verdict = (xs: number[]) => (median(xs) < 1000 ? 'met' : 'missed');
    process.stdout.write(
      `\nGoal (each page under 1 s): Lineage ${verdict(lineage)}, Deployments ${verdict(deployments)}, Deployment ${verdict(deployment)}, Experiment ${verdict(experiment)} (baseline ${median(baseline).toFixed(0)} ms)\n`,
    );
  } finally {
    await browser.close();
    await stopConsole?.();
    await plane.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:console failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
