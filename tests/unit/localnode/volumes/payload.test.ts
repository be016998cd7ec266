/** The files of ConfigMap, Secret and downward API volumes, computed before they are written. */
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { downwardPayload, formatMap, keyedPayload, samePayload, VolumeSetupError, type KeyedSource, type Payload } from '../../../../src/localnode/volumes/payload.js';

const data = { 'app.conf': Buffer.from('a=1'), 'other.txt': Buffer.from('x') };

function files(payload: Payload): Record<string, [string, string]> {
  return Object.fromEntries([...payload].map(([path, e]) => [path, [e.data.toString(), e.mode.toString(8)]]));
}

describe('keyedPayload', () => {
  it.each<[string, Partial<KeyedSource>, Record<string, [string, string]>]>([
    ['every key at 0644 without items', {}, { 'app.conf': ['a=1', '644'], 'other.txt': ['x', '644'] }],
    ['defaultMode for every key', { defaultMode: 0o440 }, { 'app.conf': ['a=1', '440'], 'other.txt': ['x', '440'] }],
    ['items at their paths, item mode over defaultMode', { defaultMode: 0o400, items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }, { key: 'other.txt', path: 'o' }] }, { 'conf/app.conf': ['a=1', '600'], o: ['x', '400'] }],
    ['an optional missing key is left out', { optional: true, items: [{ key: 'nope', path: 'n' }, { key: 'other.txt', path: 'o' }] }, { o: ['x', '644'] }],
  ])('%s', (_, source, expected) => {
    expect(files(keyedPayload('vol', { what: 'configmap', name: 'app', ...source }, data))).toEqual(expected);
  });

  it('an optional missing object gives an empty volume', () => {
    expect(keyedPayload('vol', { what: 'secret', name: 'creds', optional: true }, undefined).size).toBe(0);
  });

  it.each<[Partial<KeyedSource>, Record<string, Buffer> | undefined, string]>([
    [{ what: 'configmap' }, undefined, 'configmap "app" not found'],
    [{ what: 'secret' }, undefined, 'secret "app" not found'],
    [{ what: 'configmap', items: [{ key: 'nope', path: 'n' }] }, data, 'configmap references non-existent config key: nope'],
    [{ what: 'secret', items: [{ key: 'nope', path: 'n' }] }, data, 'secret references non-existent secret key: nope'],
    [{ items: [{ key: 'app.conf', path: '../escape' }] }, data, `invalid path "../escape": must not start with '..'`],
    [{ items: [{ key: 'app.conf', path: 'a/../../b' }] }, data, `invalid path "a/../../b": must not contain '..'`],
    [{ items: [{ key: 'app.conf', path: '/abs' }] }, data, 'invalid path "/abs": must be a relative path'],
    [{ items: [{ key: 'app.conf', path: 'p', mode: 0o7777 }] }, data, 'item app.conf: mode 4095 must be between 0 and 0777 (511)'],
    [{ defaultMode: 4096 }, data, 'defaultMode: mode 4096 must be between 0 and 0777 (511)'],
  ])('refuses %j', (source, given, message) => {
    const run = (): Payload => keyedPayload('vol', { what: 'configmap', name: 'app', ...source }, given);
    expect(run).toThrow(VolumeSetupError);
    expect(run).toThrow(message);
  });
});

describe('downwardPayload', () => {
  const pod: V1Pod = { metadata: { name: 'p', namespace: 'ml', uid: 'u-1', labels: { tier: 'gpu', app: 'eta' }, annotations: { 'cairn.dev/run': 'r"1' } } };

  it('writes fields, label and annotation maps as the kubelet formats them', () => {
    const payload = downwardPayload(
      'info',
      pod,
      [
        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
        { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' }, mode: 0o400 },
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'run', fieldRef: { fieldPath: "metadata.annotations['cairn.dev/run']" } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      ],
      0o444,
    );
    expect(files(payload)).toEqual({
      name: ['p', '444'],
      ns: ['ml', '400'],
      labels: ['app="eta"\ntier="gpu"', '444'],
      run: ['r"1', '444'],
      annotations: ['cairn.dev/run="r\\"1"', '444'],
    });
  });

  it.each([
    [{ path: 'cpu', resourceFieldRef: { resource: 'limits.cpu' } }, 'downward API item cpu: resourceFieldRef is not supported by the local node (it sets no resource limits)'],
    [{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }, 'downward API item ip: fieldRef status.podIP is not supported in volumes'],
  ])('refuses %j', (item, message) => {
    expect(() => downwardPayload('info', pod, [item], undefined)).toThrow(message);
  });

  it('formats an empty map as an empty file', () => {
    expect(formatMap(undefined)).toBe('');
  });
});

describe('samePayload', () => {
  const a: Payload = new Map([['x', { data: Buffer.from('1'), mode: 0o644 }]]);
  it.each<[Payload, boolean]>([
    [new Map([['x', { data: Buffer.from('1'), mode: 0o644 }]]), true],
    [new Map([['x', { data: Buffer.from('2'), mode: 0o644 }]]), false],
    [new Map([['x', { data: Buffer.from('1'), mode: 0o600 }]]), false],
    [new Map([['y', { data: Buffer.from('1'), mode: 0o644 }]]), false],
    [new Map(), false],
  ])('%#', (b, same) => {
    expect(samePayload(a, b)).toBe(same);
  });
});
