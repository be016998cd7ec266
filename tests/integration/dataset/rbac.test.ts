/**
 * The Dataset controller with only the permissions of the Helm chart (charts/cairn; a ServiceAccount token, no
 * admin) profiles a Dataset, creating the Job's ServiceAccount, Role and RoleBinding; and that ServiceAccount may
 * get, update and patch its own ConfigMap and nothing else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetController } from '../../../src/controllers/dataset/index.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import { loadRestConfig } from '../../../src/runtime/kube/config.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import { writeServiceAccountKubeconfig } from '../../../src/testenv/index.js';
import { adminKubeConfig, createNamespace, deleteNamespace, kubectl, kubectlOk, testenv } from '../../harness/kube.js';
import { memoryLogger } from '../runtime/support.js';
import { installCrds } from '../gitsource/support.js';
import { renderOperatorRbac } from '../chart/support.js';
import { createDataset, createStorageSecret, datasetWhere, putObject } from './support.js';

describe('Dataset controller with the RBAC of the Helm chart', () => {
  let ns = '';
  let dir = '';
  let clusterName = '';
  let operator: RunningOperator | undefined;

  beforeAll(async () => {
    await installCrds();
    ns = await createNamespace('dataset-rbac');
    dir = mkdtempSync(join(tmpdir(), 'cairn-dataset-rbac-'));
    // The chart's RBAC as it renders, in this test's namespace (cluster-scoped names carry the namespace).
    const rbac = await renderOperatorRbac(ns);
    clusterName = rbac.clusterName;
    await kubectlOk(['apply', '-f', '-'], { input: rbac.yaml });
    await createStorageSecret(ns);
  });
  afterAll(async () => {
    await operator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (clusterName) await kubectlOk(['delete', 'clusterrole,clusterrolebinding', clusterName, '--ignore-not-found']);
    if (ns) await deleteNamespace(ns);
  });

  it('profiles a Dataset with a ServiceAccount token; the Job may write its own ConfigMap and nothing else', async () => {
    const env = testenv();
    const kubeconfig = await writeServiceAccountKubeconfig({ server: env.server, caFile: env.caFile, kubeConfig: adminKubeConfig }, join(dir, 'operator.kubeconfig'), { namespace: ns, serviceAccount: 'cairn-operator' });
    const data = await putObject(`${ns}/small.csv`, 'conv_rate,city\n0.5,hanoi\n0.25,hcm\n0.75,hanoi\n');
    await createDataset('small', ns, { source: { ...data, format: 'csv' }, schema: { features: [{ name: 'conv_rate', type: 'number' }, { name: 'city', type: 'categorical' }] }, profile: { bins: 2 } });
    const { log } = memoryLogger('info');
    operator = await startOperator(
      { namespaces: [ns], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: ns, leaseName: 'cairn-operator', allowFileUrls: false, gitCacheDir: join(dir, 'git'), logLevel: 'info', drainTimeoutMs: 5_000 },
      { log, kube: new HttpKubeClient(loadRestConfig({ kubeconfig })), components: { controllers: [datasetController()] } },
    );
    const dataset = await datasetWhere(ns, 'small', 'Ready', 'True');
    expect(dataset.status?.rows).toBe(3);

    const as = `--as=system:serviceaccount:${ns}:small-profile`;
    const can = async (...args: string[]) => (await kubectl(['auth', 'can-i', ...args, '-n', ns, as])).stdout.trim();
    expect(await can('get', 'configmaps/small-profile')).toBe('yes');
    expect(await can('patch', 'configmaps/small-profile')).toBe('yes');
    expect(await can('update', 'configmaps/small-profile')).toBe('yes');
    expect(await can('patch', 'configmaps/other')).toBe('no');
    expect(await can('create', 'configmaps')).toBe('no');
    expect(await can('list', 'configmaps')).toBe('no');
    expect(await can('delete', 'configmaps/small-profile')).toBe('no');
    expect(await can('get', 'secrets/cairn-storage')).toBe('no');
    expect(await can('patch', 'datasets.cairn.dev/small')).toBe('no');
  });
});
