/** The path and mode rules of volumes (the kubelet's AtomicWriter and subPath checks), as tables. */
import { describe, expect, it } from 'vitest';
import { fileMode, isWithin, itemPathError, modeError, mountPathError, normalizeMountPath, subPathError } from '../../../../src/localnode/volumes/paths.js';

describe('item paths (ConfigMap, Secret, downward API items)', () => {
  it.each([
    ['app.conf', undefined],
    ['conf/app.conf', undefined],
    ['a/b/c', undefined],
    ['.hidden', undefined],
    ['', 'must not be empty'],
    ['/etc/passwd', 'must be a relative path'],
    ['..data', "must not start with '..'"],
    ['../x', "must not start with '..'"],
    ['a/../b', "must not contain '..'"],
    ['a/..', "must not contain '..'"],
    [`${'x'.repeat(256)}`, 'each path segment must be at most 255 characters'],
    [`a/${'x'.repeat(4096)}`, 'must be at most 4096 characters'],
  ])('%j -> %j', (path, error) => {
    expect(itemPathError(path)).toBe(error);
  });
});

describe('subPath after subPathExpr expansion', () => {
  it.each([
    ['', undefined],
    ['data', undefined],
    ['a/b', undefined],
    ['a..b', undefined],
    ['/abs', 'subPath "/abs" must be a relative path'],
    ['..', `subPath ".." must not contain '..'`],
    ['a/../../etc', `subPath "a/../../etc" must not contain '..'`],
  ])('%j -> %j', (subPath, error) => {
    expect(subPathError(subPath)).toBe(error);
  });
});

describe('mountPath', () => {
  it.each([
    ['/data', undefined],
    ['/var/run/secrets/kubernetes.io/serviceaccount', undefined],
    ['/devices', undefined],
    ['data', 'mountPath "data" must be an absolute path on the local node'],
    ['/', 'mountPath "/" would hide the whole machine from the process'],
    ['//', 'mountPath "/" would hide the whole machine from the process'],
    ['/proc', 'mountPath "/proc" is reserved on the local node (/proc, /sys and /dev belong to the machine)'],
    ['/sys/fs', 'mountPath "/sys/fs" is reserved on the local node (/proc, /sys and /dev belong to the machine)'],
    ['/dev/shm', 'mountPath "/dev/shm" is reserved on the local node (/proc, /sys and /dev belong to the machine)'],
    ['/data/../etc', `mountPath "/data/../etc" must not contain '..'`],
  ])('%j -> %j', (mountPath, error) => {
    expect(mountPathError(mountPath)).toBe(error);
  });

  it.each([
    ['/data/', '/data'],
    ['/a//b/./c', '/a/b/c'],
    ['/', '/'],
  ])('normalizes %j to %j', (path, normalized) => {
    expect(normalizeMountPath(path)).toBe(normalized);
  });

  it.each([
    ['/data', '/data', true],
    ['/data', '/data/x', true],
    ['/data', '/database', false],
    ['/', '/x', true],
    ['/a/b', '/a', false],
  ])('isWithin(%j, %j) = %j', (outer, inner, within) => {
    expect(isWithin(outer, inner)).toBe(within);
  });
});

describe('file modes', () => {
  it.each([
    [undefined, undefined, 0o644],
    [undefined, 0o400, 0o400],
    [0o600, 0o400, 0o600],
    [0, 0o644, 0],
    [0o4755, undefined, 0o755],
  ])('mode %j, defaultMode %j -> %o', (mode, defaultMode, expected) => {
    expect(fileMode(mode, defaultMode)).toBe(expected);
  });

  it.each([
    [undefined, undefined],
    [0o777, undefined],
    [0, undefined],
    [0o1000, 'mode 512 must be between 0 and 0777 (511)'],
    [-1, 'mode -1 must be between 0 and 0777 (511)'],
    [1.5, 'mode 1.5 must be between 0 and 0777 (511)'],
  ])('modeError(%j) = %j', (mode, error) => {
    expect(modeError(mode)).toBe(error);
  });
});
