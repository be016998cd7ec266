/**
 * The console's pages in headless Chromium against `cairn console` on the real control plane, with the demo's
 * lifecycle as objects with real status: each page shows the objects' values (checked in the DOM), stays live
 * as status changes, promote from the page sets the annotation, a kind the user may not read is shown as "not
 * permitted", and each page's screenshot is written to .cache/console-screenshots/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cairnResource } from '../../../src/controllers/resources.js';
import type { ConsoleObject } from '../../../src/console/model.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import { writeServiceAccountKubeconfig } from '../../../src/testenv/index.js';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, kubectlOk, testenv } from '../../harness/kube.js';
import { installCrds } from '../gitsource/support.js';
import { collectPageErrors, launchChromium, screenshot } from './browser.js';
import { createLifecycle, lifecycle, recordEvent, writeStatus } from './lifecycle.js';
import { holds, settledState, startConsoleProcess, type ConsoleProcess } from './support.js';

describe('cairn console in Chromium', () => {
  let ns: string;
  let dir: string;
  let admin: HttpKubeClient;
  let browser: Browser;
  let consoleProc: ConsoleProcess | undefined;
  let viewer: ConsoleProcess | undefined;
  let page: Page;
  let errors: string[];

  // Its own hook with a longer bound: on a fresh machine this installs Debian's chromium first (apt-get).
  beforeAll(async () => {
    browser = await launchChromium();
  }, 900_000);
  beforeAll(async () => {
    await installCrds();
    ns = await createNamespace('console-pages');
    dir = mkdtempSync(join(tmpdir(), 'cairn-console-'));
    admin = new HttpKubeClient(adminKubeConfig());
    // A run of 1,000 trials: the Experiment page draws its whole trial table.
    await createLifecycle(admin, ns, 1000);
    consoleProc = await startConsoleProcess(['--kubeconfig', testenv().kubeconfigPath, '-n', ns]);
    await settledState(consoleProc.url);
  }, 400_000); // the console bundles its script as it starts: slow on a loaded machine
  afterAll(async () => {
    await browser?.close();
    await consoleProc?.stop();
    await viewer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (ns) await deleteNamespace(ns);
  });
  afterEach(async () => {
    await page?.close();
  });

  async function open(url: string, hash: string): Promise<Page> {
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    errors = collectPageErrors(page);
    await page.goto(`${url}${hash}`);
    return page;
  }
  const textOf = (selector: string) => page.locator(selector).first().innerText();

  it('Lineage: Git revision -> Dataset -> Experiment run -> trials -> ModelVersion -> Deployment -> DriftMonitor', async () => {
    await open(consoleProc!.url, '#/lineage');
    const node = (stage: string, name: string) => `[data-node="${stage}:${ns}/${name}"]`;
    await page.locator(node('Deployment', 'fare')).waitFor();
    expect(await textOf(node('GitSource', 'ml-config'))).toContain('main@3f2a9c4e5d6b');
    expect(await textOf(node('Dataset', 'rides'))).toContain('version 9f86d081884c, 12000 rows');
    expect(await textOf(node('Experiment', 'fare-gbm'))).toContain('run 1, Succeeded');
    expect(await textOf(node('Trials', 'fare-gbm'))).toMatch(/^1000\/1000 trials, \d+ passed, 11 failed$/m);
    expect(await textOf(node('ModelVersion', 'fare-3'))).toContain('fare v3');
    expect(await textOf(node('ModelVersion', 'fare-3'))).toContain('Ready True: Model fare version 3');
    expect(await textOf(node('Deployment', 'fare'))).toContain('Paused, stable v2 80%, canary v3 20%');
    expect(await textOf(node('DriftMonitor', 'fare-drift'))).toContain('drifted');
    expect(await page.locator(node('Deployment', 'fare')).getAttribute('href')).toBe(`#/deployment/${ns}/fare`);
    await page.locator('[data-testid=lineage-chart] canvas').first().waitFor();
    await screenshot(page, 'lineage');
    expect(errors).toEqual([]);
  });

  it('Deployment: steps, weights, analysis and conditions; promote from the page sets cairn.dev/promote; status changes arrive live', async () => {
    await recordEvent(admin, { kind: 'Deployment', name: 'fare', namespace: ns }, 'Normal', 'WeightSet', 'canary 3 at 20%', '2026-11-29T10:00:30Z');
    await open(consoleProc!.url, `#/deployment/${ns}/fare`);
    await page.locator('[data-testid=phase]', { hasText: 'Paused' }).waitFor();
    await page.locator('[data-testid=events]', { hasText: 'WeightSet' }).waitFor();
    expect(await textOf('[data-testid=events] tbody tr')).toMatch(/Normal\s+WeightSet\s+canary 3 at 20%\s+1/);
    expect(await textOf('[data-testid=stable]')).toBe('v2 at 80%');
    expect(await textOf('[data-testid=canary]')).toBe('v3 at 20%');
    expect(await textOf('[data-testid=message]')).toBe('Waiting for a promote at step 2 (pause)');
    expect(await page.locator('[data-step]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-state')}: ${e.textContent}`))).toEqual([
      'done: 1. set weight 20%',
      'current: 2. pause until promoted  ← here',
      'pending: 3. run the analysis',
      'pending: 4. set weight 50%',
    ]);
    expect(await textOf('[data-testid=analysis-metrics]')).toMatch(/error-rate\s+max 0.01/);
    expect(await textOf('[data-testid=analysis-tally]')).toMatch(/3\s+0\s+1/);
    expect(await textOf('[data-testid=conditions]')).toContain('RolloutPaused');
    await page.locator('[data-testid=weights-chart] canvas').first().waitFor();
    await screenshot(page, 'deployment');

    // Promote asks first; a dismissed question writes nothing.
    page.once('dialog', (d) => void d.dismiss());
    await page.locator('[data-testid=promote]').click();
    const annotations = async () => (await admin.get<ConsoleObject>(cairnResource('Deployment'), 'fare', ns))?.metadata?.annotations ?? {};
    await expect(annotations()).resolves.not.toHaveProperty(['cairn.dev/promote']);
    let question = '';
    page.once('dialog', (d) => {
      question = d.message();
      void d.accept();
    });
    await page.locator('[data-testid=promote]').click();
    await page.locator('[data-testid=action-result]', { hasText: 'promote requested for version 3' }).waitFor();
    expect(question).toBe(`Promote the rollout of ${ns}/fare? Its new version takes all traffic now.`);
    expect(Date.parse((await annotations())['cairn.dev/promote'] ?? '')).not.toBeNaN();

    // What the controller would write after the promote: the page follows without a reload.
    const fare = lifecycle(ns).find((o) => o.kind === 'Deployment')!;
    const { canary: _canary, ...rest } = fare.status!;
    await writeStatus(admin, { ...fare, status: { ...rest, phase: 'Healthy', stable: { version: 3, weight: 100 }, message: 'Serving version 3' } });
    await page.locator('[data-testid=phase]', { hasText: 'Healthy' }).waitFor();
    expect(await textOf('[data-testid=stable]')).toBe('v3 at 100%');
    expect(await textOf('[data-testid=canary]')).toBe('—');
    expect(await page.locator('[data-testid=promote]').isDisabled()).toBe(true);
    const history = await textOf('[data-testid=history]');
    expect(history).toMatch(/Healthy\s+v3 \(100%\)/);
    expect(history).toMatch(/Paused\s+v2 \(80%\)\s+v3 \(20%\)/);
    await screenshot(page, 'deployment-promoted');
    expect(errors).toEqual([]);
  });

  it('Experiment: 1,000 trials in a sortable, filterable table, parallel coordinates, scatter plots with the gate, failed trials', async () => {
    await open(consoleProc!.url, `#/experiment/${ns}/fare-gbm`);
    await page.locator('[data-testid=run]', { hasText: '1' }).waitFor();
    expect(await textOf('[data-testid=phase]')).toBe('Succeeded');
    expect(await textOf('[data-testid=progress]')).toBe('1000/1000');
    expect(await textOf('[data-testid=best]')).toBe('fare-gbm-1-t0: 1.8');
    expect(await textOf('[data-testid=model-version]')).toBe('fare-3');
    // The whole table comes from the trial table ConfigMap (status holds 51 of them).
    await page.locator('[data-testid=trials] tbody tr').nth(999).waitFor();
    expect(await page.locator('[data-testid=trials] tbody tr').count()).toBe(1000);
    const firstRow = () => page.locator('[data-testid=trials] tbody tr').first().getAttribute('data-trial');
    expect(await firstRow()).toBe('fare-gbm-1-t0');
    // Sorted by mae, largest first: t7 has the largest (2.7), and the failed trials (no mae) stay last.
    await page.locator('th[data-column="metric:mae"]').click();
    await page.locator('th[data-column="metric:mae"]').click();
    expect(await firstRow()).toBe('fare-gbm-1-t7');
    expect(await page.locator('[data-testid=trials] tbody tr').last().getAttribute('data-trial')).toBe('fare-gbm-1-t972');
    await page.locator('[data-testid=trial-filter]').fill('OOMKilled');
    await page.getByText('11 of 1000 trial(s)').waitFor();
    expect(await page.locator('[data-testid=trials] tbody tr').count()).toBe(11);
    await page.locator('[data-testid=trial-filter]').fill('');
    const failed = await page.locator('[data-testid=failed-trials] tbody tr').allInnerTexts();
    expect(failed).toHaveLength(11);
    expect(failed[0]).toMatch(/^fare-gbm-1-t2\s+OOMKilled\s+OOMKilled: the trainer ran out of memory$/);
    for (const chart of ['parallel-chart', 'scatter-learning_rate', 'scatter-max_depth']) await page.locator(`[data-testid=${chart}] canvas`).first().waitFor();
    await screenshot(page, 'experiment');
    expect(errors).toEqual([]);
  });

  it('Drift: per feature the score against its threshold, and the score over time, live', async () => {
    await open(consoleProc!.url, `#/drift/${ns}/fare-drift`);
    await page.locator('[data-testid=drifted]', { hasText: 'yes' }).waitFor();
    expect(await textOf('[data-testid=samples]')).toBe('1800');
    expect(await page.locator('[data-testid=drift-features] tbody tr').allInnerTexts()).toEqual(['distance_km\tpsi\t0.31\t0.2\tdrifted', 'city\tchi2\t0.42\t0.01\tok']);
    // The next evaluation: no drift any more. The page follows, and the history has both.
    const monitor = lifecycle(ns).find((o) => o.kind === 'DriftMonitor')!;
    await writeStatus(admin, {
      ...monitor,
      status: {
        ...monitor.status,
        lastEvaluation: '2026-11-29T10:05:00Z',
        samples: 2100,
        drifted: false,
        features: [{ name: 'distance_km', method: 'psi', score: 0.12, threshold: 0.2, drifted: false }, { name: 'city', method: 'chi2', score: 0.5, threshold: 0.01, drifted: false }],
        conditions: [{ type: 'Ready', status: 'True', reason: 'NoDrift', message: 'no feature drifted', lastTransitionTime: '2026-11-29T10:05:00Z' }],
      },
    });
    await page.locator('[data-testid=drifted]', { hasText: 'no' }).waitFor();
    expect(await textOf('[data-testid=samples]')).toBe('2100');
    await page.getByText('2 evaluation(s) seen since the console started').waitFor();
    await page.locator('[data-testid=drift-chart-distance_km] canvas').first().waitFor();
    await screenshot(page, 'drift');
    expect(errors).toEqual([]);
  });

  it('a kind the user may not read is shown as "not permitted", not as an error page', async () => {
    await kubectlOk(['-n', ns, 'create', 'serviceaccount', 'viewer']);
    await kubectlOk(['-n', ns, 'create', 'role', 'viewer', '--verb=get,list,watch', '--resource=deployments.cairn.dev,experiments.cairn.dev,datasets.cairn.dev']);
    await kubectlOk(['-n', ns, 'create', 'rolebinding', 'viewer', '--role=viewer', `--serviceaccount=${ns}:viewer`]);
    const env = testenv();
    const kubeconfig = await writeServiceAccountKubeconfig({ server: env.server, caFile: env.caFile, kubeConfig: adminKubeConfig }, join(dir, 'viewer.kubeconfig'), { namespace: ns, serviceAccount: 'viewer' });
    viewer = await startConsoleProcess(['--kubeconfig', kubeconfig, '-n', ns]);
    await eventually('the viewer console knows ModelVersions are forbidden', holds(async () => expect((await settledState(viewer!.url)).kinds.ModelVersion.access).toBe('forbidden')));

    await open(viewer.url, '#/lineage');
    await page.locator('[data-testid=not-permitted]').waitFor();
    expect(await textOf('[data-testid=not-permitted]')).toContain('Not permitted to read: GitSource, ModelVersion, DriftMonitor');
    const mv = page.locator(`[data-node="ModelVersion:${ns}/fare-3"]`);
    expect(await mv.innerText()).toContain('not permitted');
    expect(await page.locator(`[data-node="Deployment:${ns}/fare"]`).innerText()).toMatch(/stable v\d+ \d+%/);
    await screenshot(page, 'lineage-not-permitted');
    await page.close();

    await open(viewer.url, `#/drift/${ns}/fare-drift`);
    expect(await page.locator('[data-testid=not-permitted]').innerText()).toBe(`Not permitted: your credentials may not read DriftMonitor objects in namespace ${ns}.`);
    expect(errors).toEqual([]);
  });
});
