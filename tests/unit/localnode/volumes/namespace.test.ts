/** The argv that runs a container's program in a private mount namespace with its bind mounts made first. */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withVisiblePaths } from '../../../../src/localnode/launch.js';
import { inMountNamespace, inNamespaceOf, MOUNT_SCRIPT } from '../../../../src/localnode/volumes/namespace.js';

describe('inMountNamespace', () => {
  it('leaves a program without mounts as it is', () => {
    expect(inMountNamespace(['python3', 'train.py'], [])).toEqual(['python3', 'train.py']);
  });

  it('passes mounts as positional arguments after the script, then the program', () => {
    const argv = inMountNamespace(
      ['python3', '-c', 'print(1)'],
      [
        { source: '/pods/p/volumes/cfg', target: '/etc/app', readOnly: true },
        { source: "/data/it's here", target: '/data', readOnly: false },
      ],
    );
    expect(argv).toEqual(['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', MOUNT_SCRIPT, 'cairn-mount', '2', '/pods/p/volumes/cfg', '/etc/app', 'ro', "/data/it's here", '/data', 'rw', 'python3', '-c', 'print(1)']);
    // No path is ever spliced into the script itself.
    expect(MOUNT_SCRIPT).not.toContain('/data');
    expect(MOUNT_SCRIPT).toContain('mount -o remount,bind,ro "$dst"');
    expect(MOUNT_SCRIPT.trim().endsWith('exec "$@"')).toBe(true);
  });

  it('enters the namespace of a running container for exec probes', () => {
    expect(inNamespaceOf(4242, ['cat', '/data/ok'])).toEqual(['nsenter', '--target=4242', '--mount', '--', 'cat', '/data/ok']);
  });
});

describe('folders the programs need stay visible under a volume mounted over them', () => {
  const volume = { source: '/var/lib/pods/p/volumes/tmp', target: '/tmp', readOnly: false };

  it('binds a hidden folder onto itself after the volumes, and nothing else', () => {
    expect(withVisiblePaths([volume], ['/tmp/ci-clone/', '/work/main', '/tmpx'])).toEqual([volume, { source: '/tmp/ci-clone', target: '/tmp/ci-clone', readOnly: false }]);
    expect(withVisiblePaths([{ ...volume, target: '/work/main' }], ['/work/main'])).toEqual([{ ...volume, target: '/work/main' }]);
    expect(withVisiblePaths([], ['/tmp/ci-clone'])).toEqual([]);
  });

  it('for real: a checkout under /tmp is still readable by a program whose /tmp is an emptyDir', async () => {
    const base = await mkdtemp(join(tmpdir(), 'cairn-visible-'));
    try {
      const checkout = join(base, 'checkout');
      const emptyDir = join(base, 'emptydir');
      await mkdir(join(checkout, 'bin'), { recursive: true });
      await mkdir(emptyDir);
      await writeFile(join(checkout, 'bin', 'cairn.js'), 'the checkout\n');
      const mounts = withVisiblePaths([{ source: emptyDir, target: base, readOnly: false }], [checkout]);
      const run = (argv: string[]) => new Promise<{ code: number; out: string }>((resolve) => execFile(argv[0]!, argv.slice(1), (error, stdout) => resolve({ code: error ? 1 : 0, out: stdout })));
      const seen = await run(inMountNamespace(['/bin/sh', '-c', `cat ${join(checkout, 'bin', 'cairn.js')}; ls ${base}`], mounts));
      expect(seen).toEqual({ code: 0, out: 'the checkout\ncheckout\n' });
      // without it the volume hides the checkout, as it did for trial Jobs run from a clone under /tmp
      const hidden = await run(inMountNamespace(['/bin/sh', '-c', `cat ${join(checkout, 'bin', 'cairn.js')}`], [{ source: emptyDir, target: base, readOnly: false }]));
      expect(hidden.code).toBe(1);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
