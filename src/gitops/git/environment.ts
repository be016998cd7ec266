import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretValues, type GitCredentials } from './credentials.js';
import { InvalidGitSpecError } from './errors.js';
import type { GitUrl } from './url.js';

/** The environment of one git command, and what to remove after it. */
export interface GitEnvironment {
  env: Record<string, string>;
  /** Names of the GIT_* variables set on purpose (simple-git refuses any other). */
  allowed: string[];
  /** Exact secret strings to scrub from any message. */
  secrets: string[];
  /** Removes the temporary key files. Always call it, in a finally. */
  cleanup(): Promise<void>;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Builds a hermetic environment for git: no system or user git config (no credential helpers, no URL
 * rewrites from the host), no terminal prompts, protocols restricted to the URL's own, and credentials
 * passed only to this command:
 * - https: an `http.extraHeader` Authorization header through GIT_CONFIG_* variables (not argv, so not in
 *   `ps`; never in the URL), with redirects off so the header cannot follow a redirect to another host;
 * - ssh: the key and known_hosts in a fresh 0700 temp dir (files 0600), GIT_SSH_COMMAND with
 *   StrictHostKeyChecking=yes, no ssh config, no agent; removed by `cleanup`.
 * Credentials over plain http are refused.
 */
export async function gitEnvironment(url: GitUrl, creds: GitCredentials | undefined, base: NodeJS.ProcessEnv = process.env): Promise<GitEnvironment> {
  const config: Array<[string, string]> = [
    ['protocol.allow', 'never'],
    [`protocol.${url.transport}.allow`, 'always'],
  ];
  const env: Record<string, string> = {
    PATH: base.PATH ?? '/usr/bin:/bin',
    HOME: base.HOME ?? tmpdir(),
    LANG: 'C',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  if (base.TMPDIR) env.TMPDIR = base.TMPDIR;
  let tmp: string | undefined;
  const makeTmp = async (): Promise<string> => (tmp ??= await mkdtemp(join(tmpdir(), 'cairn-git-')));
  const cleanup = async (): Promise<void> => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
  try {
    if (creds && creds.type !== 'none' && url.transport === 'http') {
      throw new InvalidGitSpecError('Refused to send credentials over plain http; use https');
    }
    if (creds?.type === 'ssh' && url.transport !== 'ssh') throw new InvalidGitSpecError('The Secret holds an ssh key but the URL is not an ssh URL');
    if ((creds?.type === 'basic' || creds?.type === 'bearer') && url.transport !== 'https') {
      throw new InvalidGitSpecError('The Secret holds https credentials but the URL is not an https URL');
    }
    if (creds && creds.type !== 'ssh' && creds.caCert) {
      const ca = join(await makeTmp(), 'ca.crt');
      await writeFile(ca, creds.caCert, { mode: 0o600 });
      config.push(['http.sslCAInfo', ca]);
    }
    if (creds?.type === 'basic' || creds?.type === 'bearer') {
      const value = creds.type === 'basic' ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : `Bearer ${creds.token}`;
      config.push(['http.extraHeader', `Authorization: ${value}`], ['http.followRedirects', 'false']);
    }
    if (url.transport === 'ssh') {
      let identity = '';
      let knownHosts = '/dev/null';
      if (creds?.type === 'ssh') {
        const dir = await makeTmp();
        const key = join(dir, 'identity');
        knownHosts = join(dir, 'known_hosts');
        await writeFile(key, creds.privateKey.endsWith('\n') ? creds.privateKey : `${creds.privateKey}\n`, { mode: 0o600 });
        await writeFile(knownHosts, creds.knownHosts, { mode: 0o600 });
        identity = `-i ${q(key)} -o IdentitiesOnly=yes `;
      }
      env.GIT_SSH_COMMAND =
        `ssh -F /dev/null ${identity}-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${q(knownHosts)} ` +
        '-o GlobalKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=30 -o IdentityAgent=none';
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  const extraHeader = config.find(([k]) => k === 'http.extraHeader')?.[1];
  return {
    env,
    allowed: Object.keys(env).filter((k) => k.startsWith('GIT_')),
    secrets: [...secretValues(creds), ...(extraHeader ? [extraHeader.replace(/^Authorization: \w+ /, '')] : [])],
    cleanup,
  };
}
