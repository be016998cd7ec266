/**
 * Credential redaction for logs, error messages, conditions and Events. Pure functions: the logger applies
 * them to every line, and the git layer to every message it builds from git's stderr.
 */

export const REDACTED = '[REDACTED]';

/** Object keys whose values are credentials, at any depth (case-insensitive). */
const SECRET_KEY = /^(?:password|passwd|pwd|token|bearertoken|accesstoken|refreshtoken|secret|webhooksecret|authorization|proxy-authorization|cookie|set-cookie|privatekey|private_key|identity|ssh-privatekey|credentials?|apikey|api_key|api-key|x-hub-signature(?:-256)?|x-gitlab-token|extraheader|http\.extraheader)$/i;

const patterns: Array<[RegExp, string]> = [
  // URL userinfo: scheme://user:pass@host -> scheme://[REDACTED]@host (also user-only, which may be a token)
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi, `$1${REDACTED}@`],
  // HTTP auth headers, e.g. in git's http.extraHeader or an echoed request
  [/\b((?:proxy-)?authorization\s*[:=]\s*)(?:(basic|bearer|token)\s+)?[^\s"',;]+/gi, `$1$2 ${REDACTED}`],
  // key=value secrets in query strings, env dumps and config lines
  [/\b((?:access_token|private_token|token|password|passwd|pwd|secret|api[_-]?key|client_secret)=)[^&\s"',;]+/gi, `$1${REDACTED}`],
  // PEM private keys, up to their END line, or a quote (the end of a JSON string when the END line is missing)
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[^"']*?(?:-----END [A-Z ]*PRIVATE KEY-----|(?=["'])|$)/g, `${REDACTED}`],
];

/** Removes credentials from free text (URLs with userinfo, auth headers, key=value secrets, PEM keys). */
export function redactString(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    // Exact secret values known to the caller (a token it just used) are removed wherever they appear.
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  // Tidy the "$2 " of a header without a scheme word.
  return out.replace(/([:=]\s*) (\[REDACTED\])/g, '$1$2');
}

/** True if `key` names a credential (password, token, authorization, privateKey, ...). */
function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A deep copy of `value` fit for a log line: values under secret keys replaced, every string passed through
 * {@link redactString}, Errors turned into `{type, message, stack, reason?, code?, cause?}`. Cycles are cut.
 */
export function redactValue(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: redactString(value.message) };
    if (value.stack) out.stack = redactString(value.stack);
    const extra = value as Error & { reason?: unknown; code?: unknown };
    if (typeof extra.reason === 'string') out.reason = extra.reason;
    if (typeof extra.code === 'string' || typeof extra.code === 'number') out.code = extra.code;
    if (value.cause !== undefined) out.cause = redactValue(value.cause, seen);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, seen));
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, seen);
  }
  return out;
}
