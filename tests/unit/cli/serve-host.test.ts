import { expect, test } from 'vitest';
import { defaultHost } from '../../../src/cli/serve.js';

test.each([
  [{}, '0.0.0.0'],
  [{ HOST: '127.0.1.7' }, '127.0.1.7'], // the local node: the pod's own IP
  [{ HOST: '::1' }, '::1'],
  [{ HOST: 'my-laptop' }, '0.0.0.0'], // a host name some shells set: not an address to bind
  [{ HOST: '' }, '0.0.0.0'],
])('cairn serve listens on %j -> %s without --host', (env, expected) => {
  expect(defaultHost(env)).toBe(expected);
});
