/**
 * writeServiceAccountKubeconfig mints a TokenRequest token for a ServiceAccount: a client using it has exactly
 * that account's RBAC (how the operator will run with its Helm chart's permissions).
 */
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeServiceAccountKubeconfig } from '../../src/testenv/index.js';
import { adminKubeConfig, createNamespace, deleteNamespace, kubectl, kubectlOk, testenv } from '../harness/kube.js';

describe('ServiceAccount kubeconfigs', () => {
  const env = testenv();
  const admin = adminKubeConfig();
  let namespace = '';
  beforeAll(async () => {
    namespace = await createNamespace('sa');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test('a minted kubeconfig authenticates as the ServiceAccount and is held to its Role', async () => {
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'operator' } } });
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: 'read-configmaps' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'operator-reads-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace }],
      },
    });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'visible' }, data: { k: 'v' } } });

    const kubeconfig = await writeServiceAccountKubeconfig(
      { server: env.server, caFile: env.caFile, kubeConfig: () => admin },
      join(env.dir, `${namespace}-operator.kubeconfig`),
      { namespace, serviceAccount: 'operator' },
    );
    expect(await kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig })).toBe(`system:serviceaccount:${namespace}:operator`);
    // The kubeconfig's context defaults to the account's namespace.
    expect(await kubectlOk(['get', 'configmap', 'visible', '-o', 'jsonpath={.data.k}'], { kubeconfig })).toBe('v');
    const secrets = await kubectl(['get', 'secrets'], { kubeconfig });
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toContain(`User "system:serviceaccount:${namespace}:operator" cannot list resource "secrets"`);
    const write = await kubectl(['create', 'configmap', 'nope'], { kubeconfig });
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('cannot create resource "configmaps"');
  });
});
