import { describe, expect, it } from 'vitest';
import { githubSignature, verifyGitWebhook } from '../../../src/runtime/http/signature.js';

const secret = 'It\'s a Secret to Everybody';
const body = Buffer.from('Hello, World!');

describe('verifyGitWebhook', () => {
  it('matches the example signature of GitHub\'s documentation', () => {
    // docs.github.com "Validating webhook deliveries": this secret and payload give this signature.
    expect(githubSignature(secret, body)).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it.each([
    ['GitHub, good signature', { 'x-hub-signature-256': githubSignature(secret, body) }, { ok: true, provider: 'github' }],
    ['GitHub, upper-case hex', { 'x-hub-signature-256': 'sha256=' + githubSignature(secret, body).slice(7).toUpperCase() }, { ok: true, provider: 'github' }],
    ['GitHub, signed with another secret', { 'x-hub-signature-256': githubSignature('other', body) }, { ok: false, reason: 'mismatch' }],
    ['GitHub, signature of another body', { 'x-hub-signature-256': githubSignature(secret, 'Hello, World') }, { ok: false, reason: 'mismatch' }],
    ['GitHub, sha1 header style', { 'x-hub-signature-256': 'sha1=0123456789abcdef0123456789abcdef01234567' }, { ok: false, reason: 'malformed' }],
    ['GitHub, truncated digest', { 'x-hub-signature-256': githubSignature(secret, body).slice(0, 40) }, { ok: false, reason: 'malformed' }],
    ['GitHub, empty', { 'x-hub-signature-256': '' }, { ok: false, reason: 'malformed' }],
    ['GitLab, good token', { 'x-gitlab-token': secret }, { ok: true, provider: 'gitlab' }],
    ['GitLab, wrong token', { 'x-gitlab-token': 'It\'s a Secret to Everybodx' }, { ok: false, reason: 'mismatch' }],
    ['GitLab, token prefix', { 'x-gitlab-token': secret.slice(0, 10) }, { ok: false, reason: 'mismatch' }],
    ['GitLab, empty token', { 'x-gitlab-token': '' }, { ok: false, reason: 'mismatch' }],
    ['no signature header', {}, { ok: false, reason: 'missing' }],
    ['a bad GitHub signature is not rescued by a good GitLab token', { 'x-hub-signature-256': githubSignature('other', body), 'x-gitlab-token': secret }, { ok: false, reason: 'mismatch' }],
  ])('%s', (_name, headers, verdict) => {
    expect(verifyGitWebhook(headers, body, secret)).toEqual(verdict);
  });

  it('accepts nothing when the source has no secret', () => {
    expect(verifyGitWebhook({ 'x-gitlab-token': '' }, body, '')).toEqual({ ok: false, reason: 'no-secret' });
    expect(verifyGitWebhook({ 'x-hub-signature-256': githubSignature('', body) }, body, undefined)).toEqual({ ok: false, reason: 'no-secret' });
  });

  it('takes the first value of a repeated header', () => {
    expect(verifyGitWebhook({ 'x-gitlab-token': [secret, 'x'] }, body, Buffer.from(secret))).toEqual({ ok: true, provider: 'gitlab' });
  });
});
