/**
 * What a failed git command turns into: the typed reason (the GitSource condition reason) and a message that
 * keeps git's and ssh's own words for the cause, without credentials.
 */
import { describe, expect, it } from 'vitest';
import { classifyGitFailure } from '../../../src/gitops/git/index.js';

const readFailure = 'fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n';

describe('classifyGitFailure', () => {
  it.each([
    {
      name: 'a host key that does not match known_hosts',
      output: `Host key verification failed.\r\n${readFailure}`,
      reason: 'AuthenticationFailed',
      message: 'git fetch: authentication failed: Host key verification failed.; fatal: Could not read from remote repository.',
    },
    {
      name: 'a key the server refuses',
      output: `git@127.0.0.1: Permission denied (publickey).\r\n${readFailure}`,
      reason: 'AuthenticationFailed',
      message: 'git fetch: authentication failed: git@127.0.0.1: Permission denied (publickey).; fatal: Could not read from remote repository.',
    },
    {
      name: 'a wrong https password, scrubbed',
      output: "remote: Invalid username or password.\nfatal: Authentication failed for 'https://bot:hunter2@git.example.com/ml.git/'\n",
      reason: 'AuthenticationFailed',
      message: "git fetch: authentication failed: remote: Invalid username or password.; fatal: Authentication failed for 'https://[REDACTED]@git.example.com/ml.git/'",
    },
    {
      name: 'a missing branch',
      output: "fatal: couldn't find remote ref refs/heads/nope\n",
      reason: 'GitOperationFailed',
      message: "git fetch: fatal: couldn't find remote ref refs/heads/nope",
    },
    {
      name: 'an unreachable host',
      output: 'ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n' + readFailure,
      reason: 'GitOperationFailed',
      message: 'git fetch: ssh: connect to host 127.0.0.1 port 1: Connection refused; fatal: Could not read from remote repository.',
    },
  ])('$name', ({ output, reason, message }) => {
    const err = classifyGitFailure('git fetch', output, ['hunter2']);
    expect(err.reason).toBe(reason);
    expect(err.message).toBe(message);
    expect(err.message).not.toContain('hunter2');
  });
});
