/**
 * `cairn fetch URI --sha256 HEX --to DIR`: the init container of trainer and profile pods (as KServe's storage
 * initializer). Downloads one object into DIR and makes it visible only once its sha256 matched. Credentials come
 * from the environment (docs/contracts.md §1, "Storage credentials"). On failure it prints one line, writes
 * `{"reason","message"}` to $CAIRN_TERMINATION_LOG when set, and exits 1.
 */
import { join } from 'node:path';
import { describeError, isStorageError, type StorageErrorReason } from '../storage/errors.js';
import { parseSha256 } from '../storage/digest.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';
import { writeTerminationLog } from './termination.js';

const usage = `Usage: cairn fetch URI --sha256 HEX --to DIR [options]

Downloads URI into DIR and keeps it only if its sha256 is HEX: the bytes go to a temporary file that is
renamed when the digest matched, and deleted otherwise. Prints one JSON line {uri, path, size, sha256}.

URI: s3://bucket/key, https://host/path, pvc://claim/path, or file:///path (with --allow-file-urls).

Options:
  --sha256 HEX          expected sha256 (required)
  --to DIR              folder to write into (created when missing; required)
  --name FILE           file name inside DIR (default: the last segment of URI)
  --max-bytes N         largest object accepted (default 256 GiB)
  --pvc-root DIR        where claims are mounted (default $CAIRN_PVC_ROOT or /mnt/pvc)
  --allow-file-urls     accept file:// URIs (development only)
  -h, --help            show this help

Environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, CAIRN_S3_ENDPOINT, CAIRN_S3_PATH_STYLE,
CAIRN_HTTP_BEARER_TOKEN or CAIRN_HTTP_USERNAME and CAIRN_HTTP_PASSWORD, CAIRN_TERMINATION_LOG.

Exit status: 0 fetched and verified, 1 failed, 2 usage error.`;

export interface FetchArgs {
  uri: string;
  sha256: string;
  to: string;
  name: string;
  maxBytes?: number;
  pvcRoot?: string;
  allowFileUrls: boolean;
}

/** The last path segment of a URI (query and fragment ignored), percent-decoded for URLs and file URIs. */
export function defaultFileName(uri: string): string {
  const path = uri.replace(/[?#].*$/, '').replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, '');
  const last = path.split('/').at(-1) ?? '';
  if (/^(https?|file):/i.test(uri)) {
    try {
      return decodeURIComponent(last);
    } catch {
      return last;
    }
  }
  return last;
}

export function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer, got "${value}"`);
  return n;
}

export function parseFetchArgs(argv: string[]): FetchArgs | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      sha256: { type: 'string' },
      to: { type: 'string' },
      name: { type: 'string' },
      'max-bytes': { type: 'string' },
      'pvc-root': { type: 'string' },
      'allow-file-urls': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`expected one URI, got ${positionals.length}`);
  const uri = positionals[0]!;
  if (values.sha256 === undefined) throw new UsageError('--sha256 is required');
  const sha256 = parseSha256(values.sha256);
  if (sha256 === undefined) throw new UsageError('--sha256 must be 64 hex digits');
  if (!values.to) throw new UsageError('--to is required');
  const name = values.name ?? defaultFileName(uri);
  if (name === '' || name === '.' || name === '..' || name.includes('/')) throw new UsageError(`cannot use "${name}" as a file name; give --name`);
  return {
    uri,
    sha256,
    to: values.to,
    name,
    maxBytes: positiveInteger('max-bytes', values['max-bytes']),
    pvcRoot: values['pvc-root'],
    allowFileUrls: values['allow-file-urls'] ?? false,
  };
}

/** The termination message of a failed pod command: `{"reason": ..., "message": ...}`, well under 4 KiB. */
export function failureRecord(error: unknown): { reason: StorageErrorReason | 'Failed'; message: string } {
  const message = describeError(error).slice(0, 1024);
  return { reason: isStorageError(error) ? error.reason : 'Failed', message };
}


/** An AbortSignal that fires on SIGTERM or SIGINT, and a function that removes the handlers. */
export function abortOnSignals(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    },
  };
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Runs a parsed fetch; returns the exit code. */
export async function runFetch(args: FetchArgs, io: CommandIo): Promise<number> {
  const { createStorage, fetchVerified, storageSettingsFromEnv } = await import('../storage/index.js');
  const settings = storageSettingsFromEnv(io.env);
  const storage = createStorage({ ...settings, allowFileUrls: args.allowFileUrls, pvcRoot: args.pvcRoot ?? settings.pvcRoot, maxBytes: args.maxBytes });
  try {
    const result = await fetchVerified(storage, args.uri, { sha256: args.sha256, to: join(args.to, args.name), signal: io.signal });
    io.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (error) {
    const record = failureRecord(error);
    io.stderr.write(`cairn fetch: ${record.reason}: ${record.message}\n`);
    writeTerminationLog(io.env, record, io.stderr);
    return 1;
  } finally {
    storage.close();
  }
}

export const fetchCommand: Command = {
  async run(argv) {
    let args: FetchArgs | 'help';
    try {
      args = parseFetchArgs(argv);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`cairn fetch: ${error.message}\n\n${usage}\n`);
      writeTerminationLog(process.env, { reason: 'UsageError', message: error.message }, process.stderr);
      return 2;
    }
    if (args === 'help') {
      process.stdout.write(usage + '\n');
      return 0;
    }
    const signals = abortOnSignals();
    try {
      return await runFetch(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: signals.signal });
    } finally {
      signals.release();
    }
  },
};
