/** The volume plan of a pod and the ordered mounts of a container, as tables. */
import type { V1Volume } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { containerMounts, MountConfigError, planVolume, planVolumes } from '../../../../src/localnode/volumes/plan.js';

describe('planVolume', () => {
  it.each<[V1Volume, unknown]>([
    [{ name: 'scratch', emptyDir: {} }, { kind: 'emptyDir', medium: '' }],
    [{ name: 'scratch', emptyDir: { medium: 'Memory' } }, { kind: 'emptyDir', medium: 'Memory' }],
    [{ name: 'cfg', configMap: { name: 'app' } }, { kind: 'configMap', source: { name: 'app' } }],
    [{ name: 's', secret: { secretName: 'creds' } }, { kind: 'secret', source: { secretName: 'creds' } }],
    [{ name: 'd', downwardAPI: { items: [] } }, { kind: 'downwardAPI', source: { items: [] } }],
    [{ name: 'p', projected: { sources: [] } }, { kind: 'projected', source: { sources: [] } }],
    [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { kind: 'persistentVolumeClaim', claimName: 'data', readOnly: false }],
    [{ name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } }, { kind: 'persistentVolumeClaim', claimName: 'data', readOnly: true }],
    [{ name: 'h', hostPath: { path: '/srv' } }, { kind: 'hostPath', path: '/srv', type: '' }],
  ])('%j', (volume, source) => {
    expect(planVolume(volume)).toEqual({ name: volume.name, source });
  });

  it.each<[V1Volume, string]>([
    [{ name: 'n', nfs: { server: 'x', path: '/' } }, 'nfs'],
    [{ name: 'c', csi: { driver: 'd' } }, 'csi'],
    [{ name: 'e', ephemeral: {} }, 'ephemeral'],
    [{ name: 'i', image: { reference: 'x' } } as V1Volume, 'image'],
  ])('refuses %j with a message naming %s', (volume, type) => {
    expect(planVolume(volume)).toEqual({
      name: volume.name,
      unsupported: `the local node does not support ${type} volumes (it supports emptyDir, configMap, secret, downwardAPI, projected, persistentVolumeClaim, hostPath)`,
    });
  });

  it('plans every volume of the pod, in order', () => {
    const pod = { spec: { containers: [], volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', nfs: { server: 's', path: '/' } }] } };
    expect(planVolumes(pod).map((v) => v.name)).toEqual(['a', 'b']);
  });
});

describe('containerMounts', () => {
  const volumes = new Set(['data', 'cfg', 'scratch']);

  it('orders shallow mounts first (then by path) and marks the ones inside an earlier mount', () => {
    const mounts = containerMounts(
      {
        name: 'main',
        volumeMounts: [
          { name: 'scratch', mountPath: '/data/tmp/' },
          { name: 'cfg', mountPath: '/etc/app', readOnly: true },
          { name: 'data', mountPath: '/data' },
        ],
      },
      volumes,
      {},
    );
    expect(mounts).toEqual([
      { volume: 'data', mountPath: '/data', subPath: '', readOnly: false, nested: false },
      { volume: 'scratch', mountPath: '/data/tmp', subPath: '', readOnly: false, nested: true },
      { volume: 'cfg', mountPath: '/etc/app', subPath: '', readOnly: true, nested: false },
    ]);
  });

  it.each([
    [{ subPath: 'models/v1' }, 'models/v1'],
    [{ subPath: 'a//b/' }, 'a/b'],
    [{ subPathExpr: 'pods/$(POD_NAME)' }, 'pods/trainer-0'],
    [{ subPathExpr: '$(MISSING)' }, '$(MISSING)'],
  ])('subPath from %j is %j', (fields, subPath) => {
    const [mount] = containerMounts({ name: 'main', volumeMounts: [{ name: 'data', mountPath: '/data', ...fields }] }, volumes, { POD_NAME: 'trainer-0' });
    expect(mount?.subPath).toBe(subPath);
  });

  it.each([
    [{ name: 'other', mountPath: '/x' }, 'volumeMount "other" of container main names no volume of the pod'],
    [{ name: 'data', mountPath: 'relative' }, 'container main: mountPath "relative" must be an absolute path on the local node'],
    [{ name: 'data', mountPath: '/proc/x' }, 'container main: mountPath "/proc/x" is reserved on the local node (/proc, /sys and /dev belong to the machine)'],
    [{ name: 'data', mountPath: '/d', subPath: '../etc' }, `failed to prepare subPath for volumeMount "data" of container main: subPath "../etc" must not contain '..'`],
    [{ name: 'data', mountPath: '/d', subPathExpr: '$(UP)/etc' }, `failed to prepare subPath for volumeMount "data" of container main: subPath "../etc" must not contain '..'`],
    [{ name: 'data', mountPath: '/d', subPath: '/etc' }, 'failed to prepare subPath for volumeMount "data" of container main: subPath "/etc" must be a relative path'],
    [{ name: 'data', mountPath: '/d', subPath: 'a', subPathExpr: 'b' }, 'volumeMount "data": subPath and subPathExpr are mutually exclusive'],
  ])('refuses %j', (mount, message) => {
    expect(() => containerMounts({ name: 'main', volumeMounts: [mount] }, volumes, { UP: '..' })).toThrow(new MountConfigError(message));
  });

  it('refuses the same mountPath twice', () => {
    const volumeMounts = [
      { name: 'data', mountPath: '/d' },
      { name: 'cfg', mountPath: '/d/' },
    ];
    expect(() => containerMounts({ name: 'main', volumeMounts }, volumes, {})).toThrow('container main: mountPath /d is used twice');
  });
});
