/**
 * The console served by `cairn operator --console-bind-address` (in-process, no controller: only the console is
 * under test) with exactly the RBAC the Helm chart renders with console.enabled, through a ServiceAccount token:
 * every kind, the trial tables and the Events are listed (the chart grants what the console reads), the page
 * shows the objects, and every write is refused while the Deployment keeps its annotations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOperatorArgs } from '../../../src/cli/operator.js';
import type { ConsoleObject } from '../../../src/console/model.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import { loadRestConfig } from '../../../src/runtime/kube/config.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import { createLogger } from '../../../src/runtime/logger.js';
import { writeServiceAccountKubeconfig } from '../../../src/testenv/index.js';
import { adminKubeConfig, createNamespace, deleteNamespace, kubectlOk, testenv } from '../../harness/kube.js';
import { renderOperatorRbac } from '../chart/support.js';
import { installCrds } from '../gitsource/support.js';
import { collectPageErrors, launchChromium, screenshot } from './browser.js';
import { createLifecycle, recordEvent } from './lifecycle.js';
import { post, settledState } from './support.js';

describe('the console served by cairn operator', () => {
  let ns = '';
  let dir = '';
  let clusterName = '';
  let operator: RunningOperator | undefined;
  let browser: Browser | undefined;
  const admin = new HttpKubeClient(adminKubeConfig());
  const url = () => operator!.console!.url;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 900_000);
  beforeAll(async () => {
    await installCrds();
    ns = await createNamespace('console-operator');
    dir = mkdtempSync(join(tmpdir(), 'cairn-console-operator-'));
    await createLifecycle(admin, ns);
    await recordEvent(admin, { kind: 'Deployment', name: 'fare', namespace: ns }, 'Normal', 'WeightSet', 'Set canary weight to 20%', '2026-11-29T10:00:00Z');
    // The chart's RBAC with the console on, in this test's namespace (cluster-scoped names carry the namespace).
    const rbac = await renderOperatorRbac(ns, { 'console.enabled': true });
    clusterName = rbac.clusterName;
    await kubectlOk(['apply', '-f', '-'], { input: rbac.yaml });
    const env = testenv();
    const kubeconfig = await writeServiceAccountKubeconfig({ server: env.server, caFile: env.caFile, kubeConfig: adminKubeConfig }, join(dir, 'operator.kubeconfig'), { namespace: ns, serviceAccount: 'cairn-operator' });
    const options = parseOperatorArgs(['--namespaces', ns, '--metrics-addr', '127.0.0.1:0', '--console-bind-address', '127.0.0.1:0', '--git-cache-dir', join(dir, 'git')], { POD_NAMESPACE: ns });
    if (options === 'help') throw new Error('unexpected help');
    operator = await startOperator(options, { log: createLogger({ level: 'silent' }), kubeConfig: loadRestConfig({ kubeconfig }), components: { controllers: [] } });
  });
  afterAll(async () => {
    await browser?.close();
    await operator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (clusterName) await kubectlOk(['delete', 'clusterrole,clusterrolebinding', clusterName, '--ignore-not-found']);
    if (ns) await deleteNamespace(ns);
  });

  it("lists every kind, the trial tables and the Events with the chart's RBAC, read-only", async () => {
    expect(operator?.console).toBeDefined();
    const state = await settledState(url());
    expect(state.readOnly).toBe(true);
    expect(state.namespace).toBe(ns);
    for (const [kind, k] of Object.entries(state.kinds)) expect(k.access, kind).toBe('permitted');
    await expect.poll(async () => (await settledState(url())).eventsAccess, { timeout: 60_000 }).toBe('permitted');
    await expect.poll(async () => (await settledState(url())).trialTablesAccess, { timeout: 60_000 }).toBe('permitted');
    expect(state.kinds.Deployment.items.map((d) => d.metadata?.name)).toEqual(['fare']);
    expect(state.kinds.Deployment.items[0]?.status).toMatchObject({ phase: 'Paused', canary: { version: 3, weight: 20 } });
    expect(state.kinds.Experiment.items[0]?.status?.trialCounts).toMatchObject({ total: 6 });
  });

  it('refuses promote, abort and any other write, and the Deployment keeps its annotations', async () => {
    const before = await admin.get<ConsoleObject>(cairnResource('Deployment'), 'fare', ns);
    for (const action of ['promote', 'abort']) {
      const refused = await post(url(), `api/namespaces/${ns}/deployments/fare/${action}`);
      expect(refused.status).toBe(405);
      expect(refused.message).toMatch(/^the operator serves the console read-only: promote or abort with `cairn rollout promote\|abort`/);
    }
    for (const method of ['PUT', 'PATCH', 'DELETE']) expect((await fetch(new URL(`api/namespaces/${ns}/deployments/fare`, url()), { method })).status).toBe(405);
    const after = await admin.get<ConsoleObject>(cairnResource('Deployment'), 'fare', ns);
    expect(after?.metadata?.annotations ?? {}).toEqual(before?.metadata?.annotations ?? {});
    expect(after?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
  });

  it('the page shows the Deployment without the promote and abort buttons, and the lineage', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = collectPageErrors(page);
    try {
      await page.goto(`${url()}#/deployment/${ns}/fare`);
      await page.locator('[data-testid=phase]', { hasText: 'Paused' }).waitFor();
      expect(await page.locator('[data-testid=canary]').innerText()).toBe('v3 at 20%');
      await page.locator('[data-testid=read-only]').waitFor();
      expect(await page.locator('[data-testid=promote], [data-testid=abort]').count()).toBe(0);
      expect(await page.locator('[data-testid=events]').innerText()).toContain('WeightSet');
      await screenshot(page, 'operator-deployment');
      await page.goto(`${url()}#/lineage`);
      await page.locator(`[data-node="Deployment:${ns}/fare"]`).waitFor();
      expect(await page.locator(`[data-node="ModelVersion:${ns}/fare-3"]`).count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
