/**
 * The GitSource controller against a real control plane and real Git repositories on local disk:
 * apply, update, prune, safety on bad commits, self-heal, suspend, unreachable repositories, refused
 * URLs, and no write when nothing changed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitSourceStatus } from '../../../src/api/kinds/index.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, kubectlOk } from '../../harness/kube.js';
import { deploymentYaml, gitSourceYaml, installCrds, makeRepo, modelVersionYaml, startGitOperator, type TestOperator, type TestRepo } from './support.js';

const run = promisify(execFile);

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: GitSourceStatus };

describe('GitSource sync', () => {
  let namespace = '';
  let op: TestOperator;
  const repos: TestRepo[] = [];
  const kube = new HttpKubeClient(adminKubeConfig());

  const get = (kind: string, name: string) => kube.get<Obj>(cairnResource(kind), name, namespace);
  const applySource = (name: string, spec: Record<string, unknown>) => kubectlOk(['apply', '--server-side', '--field-manager=tests', '-f', '-'], { input: gitSourceYaml(name, namespace, spec) });
  const newRepo = async () => {
    const repo = await makeRepo();
    repos.push(repo);
    return repo;
  };
  const ready = (c: { type: string; status: string; reason: string; message: string }[] | undefined) => c?.find((x) => x.type === 'Ready');
  /** Waits until the source reports `commit` and returns its status. */
  const syncedTo = (name: string, commit: string) =>
    eventually(`GitSource ${name} synced to main@sha1:${commit}`, async () => {
      const status = (await get('GitSource', name))?.status;
      if (status?.revision !== `main@sha1:${commit}`) throw new Error(`GitSource ${name} at ${status?.revision ?? 'no revision'}, Ready: ${JSON.stringify(ready(status?.conditions))}`);
      return status;
    });

  beforeAll(async () => {
    await installCrds();
    namespace = await createNamespace('gitsync');
    op = await startGitOperator({ namespaces: [namespace] });
  });
  afterAll(async () => {
    await op?.stop();
    if (namespace) await deleteNamespace(namespace);
    for (const repo of repos) repo.cleanup();
  });

  it('applies a commit with source labels and path/revision annotations, updates on change, prunes what left Git', async () => {
    const repo = await newRepo();
    const first = await repo.commit({ 'models/eta-1.yaml': modelVersionYaml('eta-1', 1), 'serving/eta.yaml': deploymentYaml('eta', 2), 'README.md': '# not YAML' });
    await applySource('main', { url: repo.url, ref: { branch: 'main' }, interval: '1s' });

    const status = await syncedTo('main', first);
    expect(ready(status.conditions)).toMatchObject({ status: 'True', reason: 'Succeeded', message: `Applied revision main@sha1:${first}: 2 object(s)` });
    expect(status.inventory).toEqual({ count: 2, entries: [{ kind: 'ModelVersion', namespace, name: 'eta-1' }, { kind: 'Deployment', namespace, name: 'eta' }] });
    const deployment = await get('Deployment', 'eta');
    expect(deployment?.metadata?.labels).toMatchObject({ 'cairn.dev/source': 'main', 'app.kubernetes.io/managed-by': 'cairn' });
    expect(deployment?.metadata?.annotations).toMatchObject({ 'cairn.dev/path': 'serving/eta.yaml', 'cairn.dev/revision': `main@sha1:${first}` });
    expect(deployment?.spec).toMatchObject({ serving: { replicas: 2 } });

    const second = await repo.commit({ 'serving/eta.yaml': deploymentYaml('eta', 3) });
    await syncedTo('main', second);
    expect((await get('Deployment', 'eta'))?.spec).toMatchObject({ serving: { replicas: 3 } });

    const third = await repo.commit({ 'models/eta-1.yaml': null });
    const afterPrune = await syncedTo('main', third);
    expect(await get('ModelVersion', 'eta-1')).toBeUndefined();
    expect(afterPrune.inventory?.entries).toEqual([{ kind: 'Deployment', namespace, name: 'eta' }]);
  });

  it('a new ref at the same commit re-applies with the new revision', async () => {
    const repo = await newRepo();
    const commit = await repo.commit({ 'a.yaml': modelVersionYaml('retag-1', 1) });
    await repo.tag('v1.0.0');
    await applySource('retag', { url: repo.url, ref: { branch: 'main' }, interval: '1h' });
    await syncedTo('retag', commit);
    await applySource('retag', { url: repo.url, ref: { tag: 'v1.0.0' }, interval: '1h' });
    const annotation = await eventually('ModelVersion retag-1 annotated with the moved tag v1.0.0', async () => {
      const value = (await get('ModelVersion', 'retag-1'))?.metadata?.annotations?.['cairn.dev/revision'];
      return value === `v1.0.0@sha1:${commit}` ? value : undefined;
    });
    expect(annotation).toBe(`v1.0.0@sha1:${commit}`);
    expect((await get('GitSource', 'retag'))?.status?.revision).toBe(`v1.0.0@sha1:${commit}`);
  });

  it('deleting a GitSource leaves the objects it applied in place', async () => {
    const repo = await newRepo();
    const commit = await repo.commit({ 'a.yaml': modelVersionYaml('orphan-1', 1), 'd.yaml': deploymentYaml('orphan', 2) });
    await applySource('orphaned', { url: repo.url, ref: { branch: 'main' }, interval: '1h' });
    await syncedTo('orphaned', commit);
    await kubectlOk(['-n', namespace, 'delete', 'gitsource', 'orphaned', '--wait']);
    await eventually('operator logs that GitSource orphaned was deleted', async () => (op.logs.some((l) => l.name === 'orphaned' && l.msg === 'GitSource deleted; the objects it applied stay in place') ? true : undefined));
    const model = await get('ModelVersion', 'orphan-1');
    expect(model?.metadata?.deletionTimestamp).toBeUndefined();
    expect(model?.metadata?.labels?.['cairn.dev/source']).toBe('orphaned');
    expect(await get('Deployment', 'orphan')).toBeDefined();
    // The README's way to remove them as well: the `cairn` category and the source label.
    await kubectlOk(['-n', namespace, 'delete', 'cairn', '-l', 'cairn.dev/source=orphaned', '--wait']);
    expect(await get('ModelVersion', 'orphan-1')).toBeUndefined();
    expect(await get('Deployment', 'orphan')).toBeUndefined();
  });

  it('two sources declaring one object: the first keeps it, the second reports it, nothing flips; letting go hands it over', async () => {
    const [first, second] = [await newRepo(), await newRepo()];
    const a = await first.commit({ 'm.yaml': modelVersionYaml('contested-1', 1) });
    const b = await second.commit({ 'm.yaml': modelVersionYaml('contested-1', 2) });
    await applySource('holder', { url: first.url, ref: { branch: 'main' }, interval: '1s' });
    await syncedTo('holder', a);
    await applySource('claimant', { url: second.url, ref: { branch: 'main' }, interval: '1s' });
    const refused = await syncedTo('claimant', b);
    expect(ready(refused.conditions)).toMatchObject({ status: 'False', reason: 'ApplyFailed' });
    expect(refused.errors?.[0]?.message).toBe('ModelVersion/contested-1: apply failed: owned by GitSource "holder"; not applied (remove it from one of the two sources)');
    // Several more intervals of both sources: the object stays the holder's, as the holder's Git has it.
    const reconciles = () => op.logs.filter((l) => l.name === 'claimant' && l.msg === 'Reconciled GitSource').length;
    const start = reconciles();
    await eventually('three more reconciles of GitSource claimant', async () => (reconciles() >= start + 3 ? true : undefined));
    const kept = await get('ModelVersion', 'contested-1');
    expect(kept?.metadata?.labels?.['cairn.dev/source']).toBe('holder');
    expect(kept?.spec?.version).toBe(1);
    // The holder lets go (prunes it); the claimant then applies its own.
    await first.commit({ 'm.yaml': null, 'other.yaml': modelVersionYaml('contested-other', 3) });
    const handedOver = await eventually('ModelVersion contested-1 handed over to GitSource claimant', async () => {
      const o = await get('ModelVersion', 'contested-1');
      return o?.metadata?.labels?.['cairn.dev/source'] === 'claimant' ? o : undefined;
    });
    expect(handedOver.spec?.version).toBe(2);
  });

  it('keeps objects that left Git when prune is false', async () => {
    const repo = await newRepo();
    const first = await repo.commit({ 'a.yaml': modelVersionYaml('keep-1', 1), 'b.yaml': modelVersionYaml('keep-2', 2) });
    await applySource('keep', { url: repo.url, ref: { branch: 'main' }, interval: '1s', prune: false });
    await syncedTo('keep', first);
    const second = await repo.commit({ 'b.yaml': null });
    const status = await syncedTo('keep', second);
    expect(await get('ModelVersion', 'keep-2')).toBeDefined();
    expect(status.inventory?.entries.map((e) => e.name)).toEqual(['keep-1']);
  });

  it('a commit with a bad document reports file:line, applies the valid documents and prunes nothing', async () => {
    const repo = await newRepo();
    const first = await repo.commit({ 'ok.yaml': modelVersionYaml('bad-commit-1', 1), 'old.yaml': modelVersionYaml('bad-commit-old', 2) });
    await applySource('badcommit', { url: repo.url, ref: { branch: 'main' }, interval: '1s' });
    await syncedTo('badcommit', first);

    const second = await repo.commit({
      'old.yaml': null, // left Git, but must survive: the commit is not clean
      'new.yaml': modelVersionYaml('bad-commit-new', 3),
      'broken.yaml': 'apiVersion: cairn.dev/v1alpha1\nkind: ModelVersion\nmetadata:\n  name: [broken\n',
      'invalid.yaml': modelVersionYaml('bad-commit-invalid', 0),
    });
    const status = await syncedTo('badcommit', second);
    expect(status.errors).toEqual([
      { file: 'broken.yaml', line: 5, message: 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]' },
      { file: 'invalid.yaml', line: 7, message: 'ModelVersion/bad-commit-invalid: spec.version: Invalid value: 0: must be >= 1' },
    ]);
    expect(ready(status.conditions)).toMatchObject({ status: 'False', reason: 'DocumentsInvalid' });
    expect(ready(status.conditions)?.message).toContain('and nothing was pruned');
    expect(await get('ModelVersion', 'bad-commit-new')).toBeDefined();
    expect(await get('ModelVersion', 'bad-commit-old')).toBeDefined();
    expect(status.inventory?.entries.map((e) => e.name).sort()).toEqual(['bad-commit-1', 'bad-commit-new', 'bad-commit-old']);

    // Fixing the commit lets the sync prune what left Git.
    const third = await repo.commit({ 'broken.yaml': null, 'invalid.yaml': null });
    const fixed = await syncedTo('badcommit', third);
    expect(ready(fixed.conditions)?.status).toBe('True');
    expect(fixed.errors).toBeUndefined();
    expect(await get('ModelVersion', 'bad-commit-old')).toBeUndefined();
  });

  it('an empty commit prunes nothing unless allowEmpty', async () => {
    const repo = await newRepo();
    const first = await repo.commit({ 'a.yaml': modelVersionYaml('empty-1', 1) });
    await applySource('emptied', { url: repo.url, ref: { branch: 'main' }, interval: '1s' });
    await syncedTo('emptied', first);
    const second = await repo.commit({ 'a.yaml': null });
    const status = await syncedTo('emptied', second);
    expect(await get('ModelVersion', 'empty-1')).toBeDefined();
    expect(ready(status.conditions)?.message).toContain('the revision has no objects at all; set spec.allowEmpty to allow it');
  });

  it('reverts a hand edit of a Git-managed field (self-heal)', async () => {
    const repo = await newRepo();
    const first = await repo.commit({ 'd.yaml': deploymentYaml('healme', 2) });
    await applySource('heal', { url: repo.url, ref: { branch: 'main' }, interval: '1h' });
    await syncedTo('heal', first);
    await kubectlOk(['-n', namespace, 'patch', 'deployments.cairn.dev', 'healme', '--type=merge', '-p', '{"spec":{"serving":{"replicas":9}}}']);
    await eventually('hand edit of Deployment healme reverted to Git (2 replicas)', async () => ((await get('Deployment', 'healme'))?.spec as { serving?: { replicas?: number } })?.serving?.replicas === 2 || undefined);
  });

  it('suspend stops syncing; resuming catches up', async () => {
    const repo = await newRepo();
    const first = await repo.commit({ 'a.yaml': modelVersionYaml('susp-1', 1) });
    await applySource('suspended', { url: repo.url, ref: { branch: 'main' }, interval: '1s' });
    await syncedTo('suspended', first);
    const skips = () => op.logs.filter((l) => l.name === 'suspended' && l.msg === 'Skipped suspended GitSource').length;
    await applySource('suspended', { url: repo.url, ref: { branch: 'main' }, interval: '1s', suspend: true });
    await eventually('operator logs a skip of suspended GitSource suspended', async () => (skips() > 0 ? true : undefined));
    const before = skips();
    await repo.commit({ 'b.yaml': modelVersionYaml('susp-2', 2) });
    // Ask for a sync now: the suspended source is reconciled (the skip is logged) and applies nothing.
    await kubectlOk(['-n', namespace, 'annotate', '--overwrite', 'gitsources.cairn.dev', 'suspended', `cairn.dev/requestedAt=${Date.now()}`]);
    await eventually('operator logs another skip of GitSource suspended after the requestedAt annotation', async () => (skips() > before ? true : undefined));
    expect(await get('ModelVersion', 'susp-2')).toBeUndefined();
    expect((await get('GitSource', 'suspended'))?.status?.revision).toBe(`main@sha1:${first}`);
    await applySource('suspended', { url: repo.url, ref: { branch: 'main' }, interval: '1s', suspend: false });
    await eventually('ModelVersion susp-2 applied once GitSource suspended resumes', async () => (await get('ModelVersion', 'susp-2')) ?? undefined);
  });

  it('an unreachable repository keeps the last applied state and reports it', async () => {
    const repo = await newRepo();
    const first = await repo.commit({ 'a.yaml': modelVersionYaml('gone-1', 1) });
    await applySource('unreachable', { url: repo.url, ref: { branch: 'main' }, interval: '1s' });
    await syncedTo('unreachable', first);
    repo.cleanup();
    const status = await eventually('GitSource unreachable reports FetchFailed', async () => {
      const s = (await get('GitSource', 'unreachable'))?.status;
      return s?.conditions?.some((c) => c.type === 'FetchFailed' && c.status === 'True') ? s : undefined;
    });
    expect(ready(status.conditions)).toMatchObject({ status: 'False', reason: 'GitOperationFailed' });
    expect(ready(status.conditions)?.message).toContain('the last applied revision stays in place');
    expect(status.revision).toBe(`main@sha1:${first}`);
    expect(await get('ModelVersion', 'gone-1')).toBeDefined();
  });

  it('a URL that smuggles a git option is refused and the source stalls', async () => {
    await applySource('smuggle', { url: 'ssh://-oProxyCommand=touch%20/tmp/cairn-pwned/x', ref: { branch: 'main' } });
    const status = await eventually('GitSource smuggle Stalled on its refused URL', async () => {
      const s = (await get('GitSource', 'smuggle'))?.status;
      return s?.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True') ? s : undefined;
    });
    expect(ready(status.conditions)).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(ready(status.conditions)?.message).toMatch(/^Refused Git URL/);
  });

  it('a path missing at this commit waits for a commit that adds it; a path that leaves the repository through a symlink stalls', async () => {
    const repo = await newRepo();
    await repo.commit({ 'README.md': '# no env yet' });
    await applySource('pathed', { url: repo.url, ref: { branch: 'main' }, interval: '1s', path: 'envs/prod' });
    const missing = await eventually('GitSource pathed reports FetchFailed for the missing path', async () => {
      const s = (await get('GitSource', 'pathed'))?.status;
      return s?.conditions?.some((c) => c.type === 'FetchFailed' && c.status === 'True') ? s : undefined;
    });
    expect(ready(missing.conditions)?.message).toMatch(/^spec\.path: path "envs\/prod" does not exist at main@sha1:[0-9a-f]{40}/);
    const added = await repo.commit({ 'envs/prod/m.yaml': modelVersionYaml('pathed-1', 1) });
    await syncedTo('pathed', added);
    expect(await get('ModelVersion', 'pathed-1')).toBeDefined();

    const escaping = await newRepo();
    await escaping.commit({ 'README.md': '#' });
    await run('ln', ['-s', '/etc', join(escaping.dir, 'etc')]);
    await escaping.commit({});
    await applySource('escaping', { url: escaping.url, ref: { branch: 'main' }, interval: '1s', path: 'etc' });
    const stalled = await eventually('GitSource escaping Stalled on a path through a symlink', async () => {
      const s = (await get('GitSource', 'escaping'))?.status;
      return s?.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True') ? s : undefined;
    });
    expect(ready(stalled.conditions)?.message).toMatch(/^spec\.path: path "etc" leaves the repository root through a symlink/);
  });

  it('a reconcile with nothing to change makes no write', async () => {
    const repo = await newRepo();
    const first = await repo.commit({ 'a.yaml': modelVersionYaml('idle-1', 1), 'b.yaml': deploymentYaml('idle', 1) });
    await applySource('idle', { url: repo.url, ref: { branch: 'main' }, interval: '1s' });
    await syncedTo('idle', first);
    const syncs = () => op.logs.filter((l) => l.name === 'idle' && l.msg === 'Reconciled GitSource').length;
    // Let the sync settle (events, status), then count writes over several more fetch-and-compare cycles.
    await eventually('two reconciles of GitSource idle', async () => (syncs() >= 2 ? true : undefined));
    const writesBefore = op.writes.filter((w) => w.includes('idle')).length;
    const start = syncs();
    await eventually('three more reconciles of GitSource idle', async () => (syncs() >= start + 3 ? true : undefined));
    expect(op.writes.filter((w) => w.includes('idle')).length).toBe(writesBefore);
  });
});
