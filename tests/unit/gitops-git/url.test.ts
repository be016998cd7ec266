import { describe, expect, it } from 'vitest';
import { InvalidGitSpecError, resolveRef, revisionString, validateGitUrl } from '../../../src/gitops/git/index.js';

const strict = { allowFileUrls: false };
const dev = { allowFileUrls: true };

describe('validateGitUrl', () => {
  it.each([
    ['https://github.com/org/repo.git', 'https', 'github.com'],
    ['https://git.example.com:8443/platform/ml-config', 'https', 'git.example.com'],
    ['http://git.internal/platform/ml-config.git', 'http', 'git.internal'],
    ['ssh://git@github.com/org/repo.git', 'ssh', 'github.com'],
    ['ssh://git@[::1]:2222/org/repo.git', 'ssh', '[::1]'],
    ['git@github.com:org/repo.git', 'ssh', 'github.com'],
    ['gitlab.example.com:group/sub/repo.git', 'ssh', 'gitlab.example.com'],
  ])('accepts %s', (url, transport, host) => {
    expect(validateGitUrl(url, strict)).toEqual({ url, transport, host });
  });

  it.each([
    ['file:///srv/git/repo.git'],
    ['/srv/git/repo.git'],
  ])('accepts %s only with --allow-file-urls', (url) => {
    expect(() => validateGitUrl(url, strict)).toThrow(/allow-file-urls/);
    expect(validateGitUrl(url, dev)).toEqual({ url, transport: 'file' });
  });

  it.each([
    ['leading dash', '-oProxyCommand=touch /tmp/pwned'],
    ['leading dash, option style', '--upload-pack=touch /tmp/pwned'],
    ['upload-pack smuggled in the path', 'https://host/repo.git/--upload-pack=touch'],
    ['path segment starting with a dash', 'ssh://host/-u/repo'],
    ['receive-pack', 'https://host/--receive-pack=x'],
    ['config option', 'https://host/--config=core.sshCommand=x'],
    ['ext:: remote helper', 'ext::sh -c touch% /tmp/pwned'],
    ['ext:: without spaces', 'ext::touch'],
    ['fd:: remote helper', 'fd::17'],
    ['other remote helper', 'persistent-https::host/repo'],
    ['space', 'https://host/repo .git'],
    ['tab', 'https://host/repo\t.git'],
    ['newline', 'https://host/repo.git\n--upload-pack=x'],
    ['NUL byte', 'https://host/repo\u0000.git'],
    ['DEL', 'https://host/repo\u007f.git'],
    ['credentials in https URL', 'https://user:pass@host/repo.git'],
    ['token as https user', 'https://ghp_token@github.com/org/repo.git'],
    ['password in ssh URL', 'ssh://git:pw@host/repo.git'],
    ['ssh host starting with dash', 'ssh://-oProxyCommand=x/repo'],
    ['scp host starting with dash', '-oProxyCommand=x:repo'],
    ['scp path starting with dash', 'host:-repo'],
    ['file host form', 'file://host/srv/repo'],
    ['git:// transport', 'git://host/repo.git'],
    ['ftp transport', 'ftp://host/repo.git'],
    ['relative path', './repo'],
    ['relative path with colon after slash', 'dir/sub:repo'],
    ['no repository path', 'https://host/'],
    ['empty', ''],
    ['very long', `https://host/${'a'.repeat(3000)}`],
  ])('refuses %s', (_name, url) => {
    expect(() => validateGitUrl(url, dev)).toThrow(InvalidGitSpecError);
  });

  it('refuses non-strings', () => {
    expect(() => validateGitUrl(undefined, dev)).toThrow(InvalidGitSpecError);
    expect(() => validateGitUrl(['https://host/r'], dev)).toThrow(InvalidGitSpecError);
  });

  it('does not echo credentials when refusing a URL', () => {
    try {
      validateGitUrl('https://bob:hunter2@host/repo.git', dev);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
      expect((err as InvalidGitSpecError).reason).toBe('InvalidSpec');
    }
  });
});

describe('resolveRef', () => {
  it.each([
    [{ branch: 'main' }, { kind: 'branch', name: 'main' }],
    [{ branch: 'refs/heads/release/1.x' }, { kind: 'branch', name: 'release/1.x' }],
    [{ tag: 'v1.2.0' }, { kind: 'tag', name: 'v1.2.0' }],
    [{ commit: 'ABCDEF1234567' }, { kind: 'commit', sha: 'abcdef1234567' }],
  ])('accepts %o', (ref, resolved) => {
    expect(resolveRef(ref)).toEqual(resolved);
  });

  it.each([
    [{}],
    [{ branch: 'main', tag: 'v1' }],
    [{ branch: '' }],
    [{ branch: '-main' }],
    [{ branch: '--upload-pack=x' }],
    [{ branch: 'a..b' }],
    [{ branch: 'a b' }],
    [{ branch: 'a:b' }],
    [{ branch: 'a~1' }],
    [{ branch: 'a^' }],
    [{ branch: 'x@{0}' }],
    [{ branch: '.hidden' }],
    [{ branch: 'a/.b' }],
    [{ branch: 'x.lock' }],
    [{ branch: 'x/' }],
    [{ branch: 'x//y' }],
    [{ tag: 'v1*' }],
    [{ tag: 'v1\\' }],
    [{ commit: 'abc' }],
    [{ commit: 'xyz1234' }],
    [{ commit: 'abcdef1 --foo' }],
  ])('refuses %o', (ref) => {
    expect(() => resolveRef(ref)).toThrow(InvalidGitSpecError);
  });
});

describe('revisionString', () => {
  const sha = '3f2a'.padEnd(40, '0');
  it('formats branch, tag and commit revisions', () => {
    expect(revisionString({ kind: 'branch', name: 'main' }, sha)).toBe(`main@sha1:${sha}`);
    expect(revisionString({ kind: 'tag', name: 'v1.2.0' }, sha)).toBe(`v1.2.0@sha1:${sha}`);
    expect(revisionString({ kind: 'commit', sha }, sha)).toBe(`sha1:${sha}`);
    expect(revisionString({ kind: 'branch', name: 'main' }, 'a'.repeat(64))).toBe(`main@sha256:${'a'.repeat(64)}`);
  });
});
