/** The argv that runs a container's program in a private mount namespace with its bind mounts made first. */
import { describe, expect, it } from 'vitest';
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
