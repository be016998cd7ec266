import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Header bag as Node and fastify give it (lower-case names). */
export type Headers = Record<string, string | string[] | undefined>;

export type SignatureVerdict =
  | { ok: true; provider: 'github' | 'gitlab' }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'no-secret' };

const GITHUB = 'x-hub-signature-256';
const GITLAB = 'x-gitlab-token';

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The X-Hub-Signature-256 value GitHub sends for `body`: `sha256=` + hex HMAC-SHA256 with the secret. */
export function githubSignature(secret: string | Buffer, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Checks a Git webhook delivery against the GitSource's secret, in constant time:
 * - GitHub (and Gitea, Forgejo): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`;
 * - GitLab: `X-Gitlab-Token: <secret>` (a shared token, compared through SHA-256 digests so neither its
 *   content nor its length leaks through timing).
 * The GitHub header wins when both are present. An empty secret accepts nothing. Pure: no I/O.
 */
export function verifyGitWebhook(headers: Headers, rawBody: Buffer, secret: string | Buffer | undefined): SignatureVerdict {
  if (secret === undefined || secret.length === 0) return { ok: false, reason: 'no-secret' };
  const signature = header(headers, GITHUB);
  if (signature !== undefined) {
    const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
    if (!match) return { ok: false, reason: 'malformed' };
    const given = Buffer.from(match[1]!, 'hex');
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    return timingSafeEqual(given, expected) ? { ok: true, provider: 'github' } : { ok: false, reason: 'mismatch' };
  }
  const token = header(headers, GITLAB);
  if (token !== undefined) {
    const a = createHash('sha256').update(token).digest();
    const b = createHash('sha256').update(secret).digest();
    return timingSafeEqual(a, b) ? { ok: true, provider: 'gitlab' } : { ok: false, reason: 'mismatch' };
  }
  return { ok: false, reason: 'missing' };
}
