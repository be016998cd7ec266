/**
 * The webhook receiver's token lookup: the webhook answers without credentials, so a burst of requests naming
 * a source reads its Secret once per TTL, not once per request; a rotated token applies after the TTL, and a
 * Secret that did not exist yet is read again at once.
 */
import { describe, expect, it } from 'vitest';
import { gitSourceComponents, webhookTokenTtlMs } from '../../../src/controllers/gitsource/index.js';
import { FakeKube } from '../../support/index.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import type { Manager } from '../../../src/runtime/manager.js';

const source = { apiVersion: 'cairn.dev/v1alpha1', kind: 'GitSource', metadata: { name: 'cfg', namespace: 'ml' }, spec: { secretRef: { name: 'hook' } } };
const manager = { informers: { for: () => ({ get: (name: string) => (name === 'cfg' ? source : undefined) }) } } as unknown as Manager;
const secret = (token: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook', namespace: 'ml' }, data: { webhookToken: Buffer.from(token).toString('base64') } }) as KubeObject;

describe('webhook token lookup', () => {
  it('reads the Secret once per TTL, picks up a rotated token after it, and never caches a missing Secret', async () => {
    let clock = 0;
    const kube = new FakeKube();
    const { webhook } = gitSourceComponents({ gitCacheDir: '/nonexistent', allowFileUrls: false, now: () => clock });
    const callbacks = webhook(manager, kube);
    const reads = () => kube.actions.filter((a) => a.verb === 'get' && a.name === 'hook').length;

    expect(await callbacks.lookupSecret('ml', 'cfg')).toBeUndefined(); // no Secret yet
    await kube.create(builtin.secret, secret('first'));
    expect(String(await callbacks.lookupSecret('ml', 'cfg'))).toBe('first'); // read again at once
    for (let i = 0; i < 100; i++) await callbacks.lookupSecret('ml', 'cfg');
    expect(reads()).toBe(2);

    await kube.replace(builtin.secret, secret('rotated'));
    clock += webhookTokenTtlMs - 1;
    expect(String(await callbacks.lookupSecret('ml', 'cfg'))).toBe('first');
    clock += 1;
    expect(String(await callbacks.lookupSecret('ml', 'cfg'))).toBe('rotated');
    expect(reads()).toBe(3);
    expect(await callbacks.lookupSecret('ml', 'unknown')).toBeUndefined();
    expect(reads()).toBe(3); // an unknown source costs no read
  });
});
