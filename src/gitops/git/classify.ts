import { redactString } from '../../runtime/redact.js';
import { AuthenticationFailedError, GitOperationFailedError, RefNotFoundError, type GitError } from './errors.js';

const AUTH_PATTERNS = [
  /authentication failed/i,
  /could not read (username|password)/i,
  /terminal prompts disabled/i,
  /access denied/i,
  /invalid (username or password|credentials)/i,
  /bad credentials/i,
  /permission denied \((publickey|keyboard-interactive|password)/i,
  /permission denied, please try again/i,
  /no more authentication methods/i,
  /host key verification failed/i,
  /load key .*: (invalid format|error in libcrypto)/i,
  /returned error: (401|403)/i,
];

const MAX_MESSAGE = 600;

/**
 * The useful, credential-free part of git's stderr: its fatal:/error:/remote: lines (or the last lines),
 * with URLs' userinfo, auth headers and the exact secrets of this fetch removed.
 */
function sanitizeGitOutput(output: string, secrets: readonly string[]): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  // ssh states why it gave up on lines with no prefix ("Host key verification failed.", "user@host: Permission
  // denied (publickey)."): keep those too, or the message would only say git could not read from the remote.
  const important = lines.filter((l) => /^(fatal|error|remote|ERROR):/i.test(l) || /^(ssh|kex_exchange_identification):/i.test(l) || AUTH_PATTERNS.some((p) => p.test(l)));
  const chosen = (important.length ? important : lines.slice(-3)).join('; ');
  const clean = redactString(chosen, secrets);
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE - 3)}...` : clean;
}

/** Turns a failed git command into a typed error whose message is safe to publish. */
export function classifyGitFailure(what: string, output: string, secrets: readonly string[]): GitError {
  const detail = sanitizeGitOutput(output, secrets) || 'git failed without a message';
  if (AUTH_PATTERNS.some((p) => p.test(output))) return new AuthenticationFailedError(`${what}: authentication failed: ${detail}`);
  if (/couldn't find remote ref/i.test(output)) return new RefNotFoundError(`${what}: ${detail}`);
  return new GitOperationFailedError(`${what}: ${detail}`);
}
