/** The decision of tests/setup/system-packages.ts: nothing, install with apt-get, or fail naming the command. */
import { describe, expect, it } from 'vitest';
import { OPENSSH_SERVER, planPackage, type MachineState, type Plan } from '../../setup/system-packages.js';

const install: Plan = {
  action: 'install',
  install: ['apt-get', 'install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', 'openssh-server'],
  update: ['apt-get', 'update'],
};

describe('planPackage(openssh-server)', () => {
  const cases: { name: string; state: MachineState; expect: Plan | RegExp }[] = [
    { name: 'present, root: nothing to do', state: { present: true, uid: 0, aptGet: true }, expect: { action: 'none' } },
    { name: 'present, not root: nothing to do', state: { present: true, uid: 1000, aptGet: true }, expect: { action: 'none' } },
    { name: 'present, no apt-get: nothing to do', state: { present: true, uid: 1000, aptGet: false }, expect: { action: 'none' } },
    { name: 'missing, root with apt-get: install', state: { present: false, uid: 0, aptGet: true }, expect: install },
    { name: 'missing, not root: fail naming sudo apt-get', state: { present: false, uid: 1000, aptGet: true }, expect: /not root \(uid 1000\).*run `sudo apt-get install -y openssh-server`/ },
    { name: 'missing, not root, no apt-get: still names the Debian command', state: { present: false, uid: 501, aptGet: false }, expect: /run `sudo apt-get install -y openssh-server`/ },
    { name: 'missing, no uid (Windows): fail', state: { present: false, uid: undefined, aptGet: false }, expect: /no root user.*`sudo apt-get install -y openssh-server`/ },
    { name: 'missing, root without apt-get: fail naming the file', state: { present: false, uid: 0, aptGet: false }, expect: /\/usr\/sbin\/sshd is missing .*apt-get is not on PATH/ },
  ];
  it.each(cases)('$name', ({ state, expect: want }) => {
    const plan = planPackage(OPENSSH_SERVER, state);
    if (want instanceof RegExp) {
      expect(plan.action).toBe('fail');
      expect((plan as { message: string }).message).toMatch(want);
      expect((plan as { message: string }).message).toContain('/usr/sbin/sshd is missing (the Git-over-ssh tests run a real sshd on loopback)');
    } else {
      expect(plan).toEqual(want);
    }
  });
});
