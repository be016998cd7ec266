/**
 * The operator with only the permissions of the Helm chart (charts/cairn; a ServiceAccount token, no admin):
 * a GitSource syncs, with leader election, status, events and pruning. A permission missing from the
 * manifest fails here instead of in a production install.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairnResource } from '../../../src/controllers/resources.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { writeServiceAccountKubeconfig } from '../../../src/testenv/index.js';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, kubectlOk, testenv } from '../../harness/kube.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { renderOperatorRbac } from '../chart/support.js';
import { gitSourceYaml, installCrds, makeRepo, modelVersionYaml, type TestRepo } from './support.js';

describe('cairn operator with the RBAC of the Helm chart', () => {
  let ns = '';
  let dir = '';
  let clusterName = '';
  let repo: TestRepo | undefined;
  let operator: OperatorProcess | undefined;
  const admin = new HttpKubeClient(adminKubeConfig());

  beforeAll(async () => {
    await installCrds();
    ns = await createNamespace('rbac');
    dir = mkdtempSync(join(tmpdir(), 'cairn-rbac-'));
    // The chart's RBAC as it renders, in this test's namespace (cluster-scoped names carry the namespace).
    const rbac = await renderOperatorRbac(ns);
    clusterName = rbac.clusterName;
    await kubectlOk(['apply', '-f', '-'], { input: rbac.yaml });
  });
  afterAll(async () => {
    if (operator?.child.exitCode === null) operator.child.kill('SIGKILL');
    await operator?.exit;
    repo?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (clusterName) await kubectlOk(['delete', 'clusterrole,clusterrolebinding', clusterName, '--ignore-not-found']);
    if (ns) await deleteNamespace(ns);
  });

  it('syncs, prunes and reports with a ServiceAccount token', async () => {
    const env = testenv();
    const kubeconfig = await writeServiceAccountKubeconfig(
      { server: env.server, caFile: env.caFile, kubeConfig: adminKubeConfig },
      join(dir, 'operator.kubeconfig'),
      { namespace: ns, serviceAccount: 'cairn-operator' },
    );
    repo = await makeRepo();
    const first = await repo.commit({ 'a.yaml': modelVersionYaml('rbac-1', 1), 'b.yaml': modelVersionYaml('rbac-2', 2) });
    await kubectlOk(['-n', ns, 'create', 'secret', 'generic', 'git-auth', '--from-literal=webhookToken=t']);
    await kubectlOk(['apply', '--server-side', '--field-manager=tests', '-f', '-'], { input: gitSourceYaml('rbac', ns, { url: repo.url, ref: { branch: 'main' }, interval: '1s', secretRef: { name: 'git-auth' } }) });
    operator = await startOperatorProcess(['--kubeconfig', kubeconfig, '--namespaces', ns, '--leader-elect', '--lease-namespace', ns, '--allow-file-urls', '--git-cache-dir', join(dir, 'git')]);
    const statusAt = (commit: string) =>
      eventually(`GitSource rbac synced to main@sha1:${commit} (operator with the chart's RBAC)`, async () => {
        const gs = await admin.get<KubeObject & { status?: { revision?: string; conditions?: { type: string; status: string }[] } }>(cairnResource('GitSource'), 'rbac', ns);
        if (gs?.status?.revision !== `main@sha1:${commit}`) throw new Error(`GitSource rbac at ${gs?.status?.revision ?? 'no revision'}, conditions: ${JSON.stringify(gs?.status?.conditions)}`);
        return gs.status;
      });
    expect((await statusAt(first)).conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const second = await repo.commit({ 'b.yaml': null });
    await statusAt(second);
    expect(await admin.get(cairnResource('ModelVersion'), 'rbac-2', ns)).toBeUndefined();
    const events = await kubectlOk(['-n', ns, 'get', 'events.events.k8s.io', '-o', 'jsonpath={.items[*].reason}']);
    expect(events.split(' ')).toContain('Pruned');
    // Nothing was refused along the way.
    expect(operator.lines.filter((l) => /forbidden/i.test(JSON.stringify(l)))).toEqual([]);
  });
});
