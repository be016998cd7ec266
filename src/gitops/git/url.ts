import { InvalidGitSpecError } from './errors.js';

export type GitTransport = 'https' | 'http' | 'ssh' | 'file';

export interface GitUrl {
  /** The URL exactly as it will be given to git (after `--`). */
  url: string;
  transport: GitTransport;
  /** Host for https/http/ssh; undefined for file. */
  host?: string;
}

export interface GitUrlPolicy {
  /** Accept file:// URLs and absolute local paths (the `--allow-file-urls` development flag). */
  allowFileUrls: boolean;
}

const MAX_URL = 2048;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/;
const SSH_USER = /^[A-Za-z0-9._-]+$/;
/** git's remote-helper syntax `<transport>::<address>` (ext::, fd::, and any helper on PATH). */
const REMOTE_HELPER = /^[A-Za-z][A-Za-z0-9+.-]*::/;
const OPTION_WORDS = /(^|[\s/=:])--?(upload-pack|receive-pack|config|exec|template)\b|(^|\s)-[cu]\b/i;

function refuse(url: string, why: string): never {
  // Echo at most a prefix, and no userinfo: the URL may carry a credential.
  const shown = url.replace(/\/\/[^/@]*@/, '//***@').slice(0, 100);
  throw new InvalidGitSpecError(`Refused Git URL "${shown}": ${why}`);
}

/**
 * Validates a GitSource URL before it reaches git. Accepted: `https://host/path`, `http://host/path`,
 * `ssh://[user@]host[:port]/path`, scp-like `[user@]host:path`, and, only with `allowFileUrls`,
 * `file:///abs/path` or `/abs/path`. Refused: anything git could read as an option or a command (leading `-`,
 * `--upload-pack`, `ext::`/`fd::` and other `transport::` helpers), whitespace and control characters,
 * credentials in the URL (they belong in the Secret), `git://`, relative paths, hosts or path segments
 * starting with `-`.
 */
export function validateGitUrl(input: unknown, policy: GitUrlPolicy): GitUrl {
  if (typeof input !== 'string' || input.length === 0) throw new InvalidGitSpecError('The Git URL is empty');
  const url = input;
  if (url.length > MAX_URL) refuse(url, `longer than ${MAX_URL} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(url)) refuse(url, 'it contains whitespace or control characters');
  if (url.startsWith('-')) refuse(url, 'it starts with "-" and would be read as an option');
  if (REMOTE_HELPER.test(url)) refuse(url, 'remote helpers ("transport::address", e.g. ext:: or fd::) run commands');
  if (OPTION_WORDS.test(url)) refuse(url, 'it contains a git option');

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return scpOrPath(url, policy);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    refuse(url, 'it is not a valid URL');
  }
  if (parsed.pathname.split('/').some((seg) => seg.startsWith('-'))) refuse(url, 'a path segment starts with "-"');
  switch (scheme) {
    case 'https':
    case 'http': {
      if (parsed.username || parsed.password) refuse(url, 'credentials belong in the secretRef Secret, not in the URL');
      if (!parsed.hostname || !HOST.test(parsed.hostname)) refuse(url, 'the host name is not valid');
      if (!parsed.pathname || parsed.pathname === '/') refuse(url, 'it names no repository');
      return { url, transport: scheme, host: parsed.hostname };
    }
    case 'ssh': {
      if (parsed.password) refuse(url, 'credentials belong in the secretRef Secret, not in the URL');
      if (parsed.username && !SSH_USER.test(decodeURIComponent(parsed.username))) refuse(url, 'the ssh user name is not valid');
      if (!parsed.hostname || !HOST.test(parsed.hostname)) refuse(url, 'the host name is not valid');
      if (!parsed.pathname || parsed.pathname === '/') refuse(url, 'it names no repository');
      return { url, transport: 'ssh', host: parsed.hostname };
    }
    case 'file': {
      if (!policy.allowFileUrls) refuse(url, 'file:// URLs read the operator\'s own disk; start the operator with --allow-file-urls (development only)');
      if (parsed.host) refuse(url, 'file URLs must be file:///absolute/path');
      return { url, transport: 'file' };
    }
    default:
      refuse(url, `the "${scheme}" transport is not supported (use https, ssh, or file for development)`);
  }
}

/** `[user@]host:path` (scp-like ssh) or a local path. */
function scpOrPath(url: string, policy: GitUrlPolicy): GitUrl {
  if (url.startsWith('/')) {
    if (!policy.allowFileUrls) refuse(url, 'local paths read the operator\'s own disk; start the operator with --allow-file-urls (development only)');
    if (url.split('/').some((seg) => seg.startsWith('-'))) refuse(url, 'a path segment starts with "-"');
    return { url, transport: 'file' };
  }
  // git reads "host:path" as ssh only when no slash comes before the first colon.
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  if (colon <= 0 || (slash >= 0 && slash < colon)) refuse(url, 'relative paths are not Git URLs');
  const authority = url.slice(0, colon);
  const path = url.slice(colon + 1);
  const at = authority.lastIndexOf('@');
  const user = at >= 0 ? authority.slice(0, at) : undefined;
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  if (user !== undefined && !SSH_USER.test(user)) refuse(url, 'the ssh user name is not valid');
  if (!HOST.test(host)) refuse(url, 'the host name is not valid');
  if (!path || path.startsWith('-')) refuse(url, 'the repository path is empty or starts with "-"');
  return { url, transport: 'ssh', host };
}
