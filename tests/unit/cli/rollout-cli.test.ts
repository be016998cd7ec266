/** `cairn rollout`: its arguments, and what promote, abort and status do to a Deployment (over an in-memory API). */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/command.js';
import { parseRolloutArgs, runRollout } from '../../../src/cli/rollout.js';
import { ABORT_ANNOTATION, deploymentResource, PROMOTE_ANNOTATION } from '../../../src/controllers/deployment/index.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { FakeKube } from '../../support/index.js';

describe('parseRolloutArgs', () => {
  it('reads the action, the name and the options', () => {
    expect(parseRolloutArgs(['promote', 'eta', '-n', 'ml'])).toEqual({ action: 'promote', name: 'eta', namespace: 'ml', watch: false });
    expect(parseRolloutArgs(['status', 'eta', '--watch', '--kubeconfig', '/k', '--context', 'dev'])).toEqual({ action: 'status', name: 'eta', namespace: 'default', watch: true, kubeconfig: '/k', context: 'dev' });
    expect(parseRolloutArgs(['--help'])).toBe('help');
  });

  it.each([[[]], [['restart', 'eta']], [['promote']], [['abort', 'a', 'b']], [['promote', 'eta', '--watch']], [['status', 'eta', '--bogus']]])('refuses %o with a usage error', (argv) => {
    expect(() => parseRolloutArgs(argv)).toThrow(UsageError);
  });
});

const text = (stream: PassThrough) => String(stream.read() ?? '');

async function world(status?: Record<string, unknown>) {
  const kube = new FakeKube();
  await kube.create(deploymentResource, {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'Deployment',
    metadata: { name: 'eta', namespace: 'ml' },
    spec: { model: 'eta', version: { policy: 'latestReady' }, strategy: { type: 'Canary', canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } },
    ...(status ? { status } : {}),
  } as KubeObject);
  const out = new PassThrough();
  const err = new PassThrough();
  const io = { kube, out, err, now: () => new Date('2026-11-29T12:00:00Z') };
  const annotations = async () => (await kube.get<KubeObject>(deploymentResource, 'eta', 'ml'))?.metadata?.annotations ?? {};
  return { kube, out, err, io, annotations };
}

const paused = { phase: 'Paused', stable: { version: 1, weight: 80 }, canary: { version: 2, weight: 20, step: 1 }, message: 'step 2 of 2: paused at 20% until cairn.dev/promote' };

describe('runRollout', () => {
  it('promote sets cairn.dev/promote to a new value; abort sets cairn.dev/abort', async () => {
    const w = await world(paused);
    expect(await runRollout({ action: 'promote', name: 'eta', namespace: 'ml', watch: false }, w.io)).toBe(0);
    expect(await w.annotations()).toEqual({ [PROMOTE_ANNOTATION]: '2026-11-29T12:00:00.000Z' });
    expect(text(w.out)).toContain('Deployment eta: promote requested for version 2');
    expect(await runRollout({ action: 'abort', name: 'eta', namespace: 'ml', watch: false }, w.io)).toBe(0);
    expect((await w.annotations())[ABORT_ANNOTATION]).toBe('2026-11-29T12:00:00.000Z');
  });

  it('promote with no rollout in progress, or an unknown Deployment, fails and says why', async () => {
    const w = await world({ phase: 'Healthy', stable: { version: 1, weight: 100 } });
    expect(await runRollout({ action: 'promote', name: 'eta', namespace: 'ml', watch: false }, w.io)).toBe(1);
    expect(text(w.err)).toContain('has no rollout in progress to promote (Healthy)');
    expect(await w.annotations()).toEqual({});
    expect(await runRollout({ action: 'abort', name: 'nope', namespace: 'ml', watch: false }, w.io)).toBe(1);
    expect(text(w.err)).toContain('Deployment ml/nope (cairn.dev) not found');
  });

  it('status draws the rollout with the current step marked', async () => {
    const w = await world(paused);
    expect(await runRollout({ action: 'status', name: 'eta', namespace: 'ml', watch: true }, w.io)).toBe(0);
    const lines = text(w.out).split('\n');
    expect(lines).toContain('Canary:      version 2 (20%)');
    expect(lines).toContain('  ✔  1. setWeight 20%');
    expect(lines).toContain('  ►  2. pause (until promoted)');
  });

  it("status shows a Shadow's agreement", async () => {
    const w = await world({ phase: 'Paused', stable: { version: 1, weight: 100 }, canary: { version: 2, weight: 0, step: 0 }, rollout: { mirror: 50 }, shadow: { version: 2, compared: 200, agreed: 199, agreement: '99.5%', meanAbsoluteDifference: 0.0125, incomparable: 3 } });
    expect(await runRollout({ action: 'status', name: 'eta', namespace: 'ml', watch: true }, w.io)).toBe(0);
    const lines = text(w.out).split('\n');
    expect(lines).toContain('Canary:      version 2 (0%, 50% mirrored)');
    expect(lines).toContain('Shadow:      version 2: 199 of 200 answers agree (99.5%); mean |difference| 0.0125, 3 incomparable');
  });
});
