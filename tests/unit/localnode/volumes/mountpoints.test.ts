/** Mountpoints the node creates on the machine, counted per user and removed when the last one is done. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostMountpoints, MountpointError } from '../../../../src/localnode/volumes/mountpoints.js';

describe('HostMountpoints', () => {
  let root = '';
  let points = new HostMountpoints();
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cairn-mountpoints-'));
    points = new HostMountpoints();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates a missing path with its parents and removes exactly those at release', async () => {
    await points.acquire(join(root, 'a', 'b', 'data'), 'dir');
    expect(statSync(join(root, 'a', 'b', 'data')).isDirectory()).toBe(true);
    await points.release(join(root, 'a', 'b', 'data'));
    expect(existsSync(join(root, 'a'))).toBe(false);
    expect(existsSync(root)).toBe(true);
  });

  it('keeps a path while another user holds it', async () => {
    const path = join(root, 'shared');
    await points.acquire(path, 'dir');
    await points.acquire(path, 'dir');
    await points.release(path);
    expect(existsSync(path)).toBe(true);
    await points.release(path);
    expect(existsSync(path)).toBe(false);
  });

  it('keeps a created parent until every mountpoint under it is released, whichever came first', async () => {
    await points.acquire(join(root, 'p', 'x'), 'dir');
    await points.acquire(join(root, 'p', 'y'), 'dir');
    await points.release(join(root, 'p', 'x'));
    expect(existsSync(join(root, 'p', 'x'))).toBe(false);
    expect(existsSync(join(root, 'p', 'y'))).toBe(true);
    await points.release(join(root, 'p', 'y'));
    expect(existsSync(join(root, 'p'))).toBe(false);
  });

  it('never removes what existed before, nor what is no longer empty', async () => {
    mkdirSync(join(root, 'existing'));
    await points.acquire(join(root, 'existing'), 'dir');
    await points.acquire(join(root, 'made', 'inner'), 'dir');
    writeFileSync(join(root, 'made', 'someone-else.txt'), 'x');
    await points.release(join(root, 'existing'));
    await points.release(join(root, 'made', 'inner'));
    expect(existsSync(join(root, 'existing'))).toBe(true);
    expect(existsSync(join(root, 'made', 'inner'))).toBe(false);
    expect(existsSync(join(root, 'made', 'someone-else.txt'))).toBe(true);
    expect(points.inUse()).toEqual([]);
  });

  it('makes a path in use again when another local node removed it, and owns it from then on', async () => {
    // Another node on the machine made the path (the demo's and the tests' nodes both mount /etc/cairn/profile);
    // this one found it there and holds an entry for it.
    const other = new HostMountpoints();
    const path = join(root, 'etc', 'cairn', 'profile');
    await other.acquire(path, 'dir');
    await points.acquire(path, 'dir');
    await other.release(path); // the other node's last user: it removes what it made, under this node's feet
    expect(existsSync(path)).toBe(false);
    await points.acquire(path, 'dir'); // before the fix: ENOENT, and every later start of the container failed the same way
    expect(statSync(path).isDirectory()).toBe(true);
    await points.release(path);
    expect(existsSync(path)).toBe(true);
    await points.release(path);
    expect(existsSync(join(root, 'etc'))).toBe(false);
    expect(points.inUse()).toEqual([]);
  });

  it('makes a path it made again after someone removed it, counting it once', async () => {
    const path = join(root, 'data');
    await points.acquire(path, 'dir');
    rmSync(path, { recursive: true });
    await points.acquire(path, 'dir');
    expect(statSync(path).isDirectory()).toBe(true);
    await points.release(path);
    expect(existsSync(path)).toBe(true);
    await points.release(path);
    expect(existsSync(path)).toBe(false);
  });

  it('creates an empty file for a file mount and removes it while still empty', async () => {
    const path = join(root, 'etc', 'settings.json');
    await points.acquire(path, 'file');
    expect(statSync(path).isFile()).toBe(true);
    await points.release(path);
    expect(existsSync(join(root, 'etc'))).toBe(false);
  });

  it.each([
    ['dir', 'is not a directory, but its volume is'],
    ['file', 'as a directory, but its volume (subPath) is a file'],
  ] as const)('refuses a %s mount over the other kind of file', async (kind, message) => {
    const path = join(root, 'thing');
    if (kind === 'dir') writeFileSync(path, 'x');
    else mkdirSync(path);
    await expect(points.acquire(path, kind)).rejects.toThrow(MountpointError);
    await expect(points.acquire(path, kind)).rejects.toThrow(message);
  });
});
