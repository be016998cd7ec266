/**
 * npm run bench:console — how long the console's pages take to show 1,000 trials and 100 Deployments, in
 * headless Chromium (Debian's, scripts/console/chromium.ts), against `cairn console` in-process on a real
 * local control plane. Goal (issue 16): each page loads in under a second on this machine.
 *
 * Each figure is the median (and worst) of --runs page loads in one browser context (after a warm-up round),
 * beside a baseline from the same rounds: the same browser fetching /api/state (the page's data, as JSON)
 * without drawing anything. Baseline and pages alternate within each round. What "loaded" means: the page's
 * content is painted and usable. The pages with charts say so themselves with performance marks
 * (src/console/marks.ts): `usable` once the Experiment's summary and the first rows of its trials table are
 * painted (the table sorts and filters), the lineage's nodes (each a link to its object), or the Deployment's
 * status, steps and buttons; `complete` once their charts are drawn (and all 1,000 rows are in the DOM). Both
 * are printed; the goal is judged on `usable`. The Deployments list (no chart) is loaded when its last row is
 * in the DOM.
 * Beside the wall-clock time, the CPU time the page's renderer process used for the whole load (to
 * `complete`; CDP's ProcessTime), which the machine's load inflates less.
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
import { LOAD_MARKS } from '../src/console/marks.js';
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

    // One browser context for every load, as one person's browser: the script, served as immutable under its
    // digest, is fetched and compiled once and then comes from the cache (the warm-up round fills it).
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    /**
     * Waits for the page's own load mark (src/console/marks.ts) and returns its time: ms from the navigation's
     * start by the browser's clock. The bench may see a mark late (its polling waits while the page draws a
     * chart), so the mark's own time is the figure.
     */
    const waitForMark = async (page: Page, mark: string): Promise<number> => {
      await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, mark, { timeout: 120_000 });
      return page.evaluate((name) => performance.getEntriesByName(name)[0]!.startTime, mark);
    };
    /**
     * A target's load resolves when its content is usable; `complete`, when given, waits for the rest. Each
     * returns the time its page marked, if it marks one.
     */
    const targets: Array<{ what: string; load: (page: Page) => Promise<number | void>; complete?: (page: Page) => Promise<number | void> }> = [
      { what: 'baseline: GET /api/state in the same browser', load: async (page) => void (await page.goto(new URL('api/state', url).href)) },
      {
        what: `Lineage (${deploymentCount} Deployments in the graph)`,
        load: async (page) => {
          await page.goto(`${url}#/lineage`);
          const usable = await waitForMark(page, LOAD_MARKS.usable);
          await page.locator(`[data-node="Deployment:${NS}/fare-${deploymentCount - 1}"]`).waitFor({ state: 'attached' });
          return usable;
        },
        complete: async (page) => {
          const complete = await waitForMark(page, LOAD_MARKS.complete);
          await page.locator('[data-testid=lineage-chart] canvas').first().waitFor({ state: 'attached' });
          return complete;
        },
      },
      {
        what: `Deployments list (${deploymentCount} rows)`,
        load: async (page) => {
          await page.goto(`${url}#/deployments`);
          await page.locator('[data-testid=deployments] tbody tr').nth(deploymentCount - 1).waitFor({ state: 'attached' });
        },
      },
      {
        what: 'one Deployment (steps, weights chart, analysis)',
        load: async (page) => {
          await page.goto(`${url}#/deployment/${NS}/fare`);
          const usable = await waitForMark(page, LOAD_MARKS.usable);
          await page.locator('[data-testid=phase]').waitFor({ state: 'attached' });
          return usable;
        },
        complete: async (page) => {
          const complete = await waitForMark(page, LOAD_MARKS.complete);
          await page.locator('[data-testid=weights-chart] canvas').first().waitFor({ state: 'attached' });
          return complete;
        },
      },
      {
        what: `Experiment (${trialCount} trials: table and plots)`,
        load: async (page) => {
          await page.goto(`${url}#/experiment/${NS}/fare-gbm`);
          return waitForMark(page, LOAD_MARKS.usable);
        },
        complete: async (page) => {
          const complete = await waitForMark(page, LOAD_MARKS.complete);
          // What `complete` promises, checked: every row and the charts.
          await page.locator('[data-testid=trials] tbody tr').nth(trialCount - 1).waitFor({ state: 'attached' });
          await page.locator('[data-testid=parallel-chart] canvas').first().waitFor({ state: 'attached' });
          return complete;
        },
      },
    ];
    const wall = targets.map((): number[] => []);
    const wallComplete = targets.map((): number[] => []);
    const cpu = targets.map((): number[] => []);
    /**
     * One load: wall-clock ms from navigation to the content usable, and to complete (the same for a page
     * without a later step; a page's own mark when it sets one), and the CPU ms its renderer process used to
     * complete.
     */
    async function measure(target: (typeof targets)[number]): Promise<[number, number, number]> {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const processTime = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ProcessTime')?.value ?? Number.NaN;
      const cpu0 = await processTime();
      const t0 = performance.now();
      const ms = (await target.load(page)) ?? performance.now() - t0;
      const msComplete = target.complete ? ((await target.complete(page)) ?? performance.now() - t0) : ms;
      const cpuMs = ((await processTime()) - cpu0) * 1000;
      await page.close();
      return [ms, msComplete, cpuMs];
    }
    // Baseline and pages in alternating rounds, so a change in the machine's load falls on all of them alike.
    for (let round = 0; round <= runs; round++) {
      for (const [i, target] of targets.entries()) {
        const [ms, msComplete, cpuMs] = await measure(target);
        if (round === 0) continue; // the warm-up round fills the browser's cache, as a person's first visit would
        wall[i]!.push(ms);
        wallComplete[i]!.push(msComplete);
        cpu[i]!.push(cpuMs);
      }
    }
    const load = (await run('uptime')).stdout.trim().replace(/^.*load average: /, '');
    process.stdout.write(`Console page loads (${runs} alternating rounds after a warm-up, ${trialCount} trials, ${deploymentCount} Deployments; goal: each page under 1,000 ms; load average ${load})\n`);
    const figure = (xs: number[]) => `${median(xs).toFixed(0)} / ${worst(xs).toFixed(0)} ms`;
    process.stdout.write(`  ${'page'.padEnd(58)} ${'usable: median / worst'.padEnd(24)} ${'complete: median / worst'.padEnd(26)} renderer CPU to complete (median)\n`);
    for (const [i, target] of targets.entries()) {
      const complete = target.complete ? figure(wallComplete[i]!) : '(same)';
      process.stdout.write(`  ${target.what.padEnd(58)} ${figure(wall[i]!).padEnd(24)} ${complete.padEnd(26)} ${median(cpu[i]!).toFixed(0)} ms\n`);
    }
    const verdict = (i: number) => `${targets[i]!.what.replace(/ \(.*$/, '')} ${median(wall[i]!) < 1000 ? 'met' : 'missed'}`;
    process.stdout.write(`\nGoal (each page usable in under 1 s): ${[1, 2, 3, 4].map(verdict).join(', ')} (baseline ${median(wall[0]!).toFixed(0)} ms)\n`);
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
