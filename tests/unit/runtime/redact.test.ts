import { describe, expect, it } from 'vitest';
import { REDACTED, redactString, redactValue } from '../../../src/runtime/redact.js';
import { captureLogger } from './helpers.js';

describe('redactString', () => {
  it.each([
    ['https URL with user and password', 'fatal: unable to access https://bob:hunter2@git.example.com/x.git', 'hunter2'],
    ['https URL with a token as user', 'cloning https://ghp_abcdefghijklmnop@github.com/o/r', 'ghp_abcdefghijklmnop'],
    ['ssh URL with user and password', 'ssh://git:s3cr3tpw@host:22/repo', 's3cr3tpw'],
    ['basic auth header', 'http.extraHeader=Authorization: Basic Ym9iOmh1bnRlcjI=', 'Ym9iOmh1bnRlcjI='],
    ['bearer auth header', 'authorization: Bearer eyJhbGciOi.payload.sig', 'eyJhbGciOi.payload.sig'],
    ['token in a query string', 'GET https://api.example.com/repo?access_token=abc123def&x=1', 'abc123def'],
    ['password assignment', 'password=correct-horse-battery', 'correct-horse-battery'],
    ['PEM private key', 'key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAA'],
  ])('removes the credential from %s', (_name, text, secret) => {
    const out = redactString(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('keeps the parts of a URL that are not credentials', () => {
    expect(redactString('https://bob:pw@git.example.com/org/repo.git')).toBe(`https://${REDACTED}@git.example.com/org/repo.git`);
    expect(redactString('https://git.example.com/org/repo.git and git@github.com:org/repo.git')).toBe(
      'https://git.example.com/org/repo.git and git@github.com:org/repo.git',
    );
  });

  it('removes exact secret values the caller knows', () => {
    expect(redactString('remote said: bad token tok-9f8e7d', ['tok-9f8e7d'])).toBe(`remote said: bad token ${REDACTED}`);
  });
});

describe('redactValue', () => {
  it('replaces values under credential keys at any depth and scrubs strings and errors', () => {
    const err = new Error('failed to fetch https://u:p4ssw0rd@h/r');
    const out = redactValue({
      a: { b: { password: 'pw1', token: 'tok1', list: [{ authorization: 'Basic xyz' }] } },
      headers: { 'x-gitlab-token': 'gl-secret' },
      url: 'https://u:p4ssw0rd@h/r',
      err,
      fine: 'main@sha1:abc',
    }) as { fine: string; err: { type: string } };
    const text = JSON.stringify(out);
    for (const s of ['pw1', 'tok1', 'xyz', 'gl-secret', 'p4ssw0rd']) expect(text).not.toContain(s);
    expect(out.fine).toBe('main@sha1:abc');
    expect(out.err.type).toBe('Error');
  });
});

describe('createLogger', () => {
  it('never writes a credential, whether in fields, nested objects, the message or an error', () => {
    const { log, raw } = captureLogger();
    log.info({ secret: { password: 'pw-in-field' }, url: 'https://me:pw-in-url@git.example.com/r.git' }, 'Fetched https://x:pw-in-msg@host/r');
    log.error({ err: new Error('auth failed for https://x:pw-in-err@host/r with Authorization: Bearer pw-in-header') }, 'Failed');
    log.child({ name: 'https://x:pw-in-binding@host' }).info('Bound');
    const all = raw.join('\n');
    for (const s of ['pw-in-field', 'pw-in-url', 'pw-in-msg', 'pw-in-err', 'pw-in-header', 'pw-in-binding']) expect(all).not.toContain(s);
    expect(raw).toHaveLength(3);
  });

  it('keeps every line valid JSON while redacting, even a PEM key cut short', () => {
    const { log, lines, raw } = captureLogger();
    log.info({ note: '-----BEGIN RSA PRIVATE KEY-----\nMIIEtruncated' }, 'Read -----BEGIN OPENSSH PRIVATE KEY----- abc');
    expect(lines).toHaveLength(1); // captureLogger parses every line: a broken line would have thrown
    expect(raw[0]).not.toContain('MIIEtruncated');
    expect(lines[0]!.msg).toBe('Read [REDACTED]');
  });

  it('writes JSON lines with the level as a label and the bindings', () => {
    const { log, lines } = captureLogger();
    log.child({ controller: 'gitsource', namespace: 'ml', name: 'cfg', reconcileID: 'r1' }).info('Applied GitSource objects');
    expect(lines[0]).toMatchObject({ level: 'info', controller: 'gitsource', namespace: 'ml', name: 'cfg', reconcileID: 'r1', msg: 'Applied GitSource objects' });
  });
});
