/**
 * A GitSource over ssh end to end: the deploy key and known_hosts come from the Secret named by
 * spec.secretRef (Flux's key names), the fetch goes to a real sshd on loopback, and the objects land in the
 * cluster; a Secret whose known_hosts does not match the server leaves Ready=False AuthenticationFailed with
 * ssh's own reason and applies nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitSourceStatus } from '../../../src/api/kinds/index.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, kubectlOk } from '../../harness/kube.js';
import { generateKey, knownHostsLine, startSshd, type TestSshd } from '../../harness/sshd.js';
import { gitSourceYaml, installCrds, makeRepo, modelVersionYaml, startGitOperator, type TestOperator, type TestRepo } from './support.js';

type Obj = KubeObject & { status?: GitSourceStatus };

describe('GitSource over ssh', () => {
  let namespace = '';
  let op: TestOperator;
  let sshd: TestSshd;
  let repo: TestRepo;
  let keys = '';
  const kube = new HttpKubeClient(adminKubeConfig());
  const get = (kind: string, name: string) => kube.get<Obj>(cairnResource(kind), name, namespace);
  const secret = (name: string, data: Record<string, string>) =>
    kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: data }),
    });
  const applySource = (name: string, secretName: string) =>
    kubectlOk(['apply', '--server-side', '--field-manager=tests', '-f', '-'], {
      input: gitSourceYaml(name, namespace, { url: sshd.url(repo.dir), ref: { branch: 'main' }, interval: '1h', secretRef: { name: secretName } }),
    });

  beforeAll(async () => {
    sshd = await startSshd();
    repo = await makeRepo();
    keys = mkdtempSync(join(tmpdir(), 'cairn-ssh-keys-'));
    await installCrds();
    namespace = await createNamespace('gitssh');
    op = await startGitOperator({ namespaces: [namespace] });
  });
  afterAll(async () => {
    await op?.stop();
    if (namespace) await deleteNamespace(namespace);
    await sshd?.stop();
    repo?.cleanup();
    if (keys) rmSync(keys, { recursive: true, force: true });
  });

  it('syncs with the deploy key and known_hosts from the Secret', async () => {
    const commit = await repo.commit({ 'models/eta.yaml': modelVersionYaml('ssh-eta-1', 1) });
    await secret('deploy-key', { identity: sshd.clientKey.privateKey, known_hosts: sshd.knownHosts });
    await applySource('over-ssh', 'deploy-key');
    const status = await eventually('GitSource over-ssh synced over ssh', async () => {
      const s = (await get('GitSource', 'over-ssh'))?.status;
      return s?.revision === `main@sha1:${commit}` ? s : undefined;
    });
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect((await get('ModelVersion', 'ssh-eta-1'))?.metadata?.labels?.['cairn.dev/source']).toBe('over-ssh');
  });

  it('a Secret without known_hosts stalls the source; fixing the Secret recovers it without touching the source', async () => {
    // Its own path: the objects under models/ belong to the first source.
    const commit = await repo.commit({ 'late/m.yaml': modelVersionYaml('ssh-late-1', 1) });
    await secret('half-key', { identity: sshd.clientKey.privateKey });
    await kubectlOk(['apply', '--server-side', '--field-manager=tests', '-f', '-'], {
      input: gitSourceYaml('half-key', namespace, { url: sshd.url(repo.dir), ref: { branch: 'main' }, path: 'late', interval: '1s', secretRef: { name: 'half-key' } }),
    });
    const stalled = await eventually('GitSource half-key Ready=False (Secret without known_hosts)', async () => {
      const c = (await get('GitSource', 'half-key'))?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'False' ? c : undefined;
    });
    expect(stalled).toMatchObject({ reason: 'InvalidSpec', message: 'The Secret has an ssh identity but no known_hosts: host key checking cannot be turned off' });
    await secret('half-key', { identity: sshd.clientKey.privateKey, known_hosts: sshd.knownHosts });
    const status = await eventually('GitSource half-key synced once the Secret has known_hosts', async () => {
      const s = (await get('GitSource', 'half-key'))?.status;
      return s?.revision === `main@sha1:${commit}` ? s : undefined;
    });
    expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('a known_hosts that does not match the server: AuthenticationFailed with the reason, nothing applied', async () => {
    await repo.commit({ 'models/other.yaml': modelVersionYaml('ssh-never-1', 1) });
    const impostor = generateKey(keys, 'impostor');
    await secret('wrong-host', { identity: sshd.clientKey.privateKey, known_hosts: knownHostsLine(sshd.port, impostor.publicKey) });
    await applySource('wrong-host', 'wrong-host');
    const ready = await eventually('GitSource wrong-host Ready=False (host key mismatch)', async () => {
      const c = (await get('GitSource', 'wrong-host'))?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'False' ? c : undefined;
    });
    expect(ready.reason).toBe('AuthenticationFailed');
    expect(ready.message).toMatch(/Host key verification failed/);
    expect(ready.message).not.toContain('PRIVATE KEY');
    expect(await get('ModelVersion', 'ssh-never-1')).toBeUndefined();
  });
});

