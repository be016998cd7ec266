/**
 * `cairn upload DIR URI`: uploads every regular file under DIR to URI/<relative path> (the sidecar that runs
 * after a trainer). Each file is hashed first and uploaded with that sha256, so a file that changes while it
 * goes up fails (ChecksumMismatch) instead of landing half old, half new; each write is atomic. Prints one
 * JSON line per file, then the manifest; writes the manifest (or, if it does not fit in 4 KiB, a summary) to
 * $CAIRN_TERMINATION_LOG. Stops at the first failure: exit 1 with one line.
 *
 * `--after-sigterm` (the trial pod's native sidecar, docs/contracts.md §1): start, wait for SIGTERM, then upload.
 * The kubelet stops a Job pod's sidecars only once its main container has exited for good, so the signal means
 * "the trainer is done and its files are final". Nothing aborts that upload; the kubelet's SIGKILL at the end
 * of the pod's grace period bounds it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseCommandArgs, UsageError, type Command } from './command.js';
import { abortOnSignals, failureRecord, positiveInteger, type CommandIo } from './fetch.js';
import { writeTerminationLog } from './termination.js';

const usage = `Usage: cairn upload DIR URI [options]

Uploads every regular file under DIR to URI/<path relative to DIR>, each one atomically and with its sha256.
Prints one JSON line per file {path, uri, size, sha256}, then {"manifest": {uri, files, bytes}}.

URI: s3://bucket/prefix, pvc://claim/path, or file:///path (with --allow-file-urls). https:// is read-only.

Options:
  --max-bytes N         largest file accepted (default 256 GiB)
  --pvc-root DIR        where claims are mounted (default $CAIRN_PVC_ROOT or /mnt/pvc)
  --allow-file-urls     accept file:// URIs (development only)
  --after-sigterm       wait for SIGTERM (or SIGINT) before uploading: the sidecar that uploads
                        what a trainer left once it exited
  --ready-file FILE     with --after-sigterm: create FILE once a SIGTERM would be handled (for a
                        startup probe: a signal that comes earlier would kill the process)
  -h, --help            show this help

Environment: as cairn fetch (cairn fetch --help).

Exit status: 0 all uploaded, 1 failed, 2 usage error.`;

export interface UploadArgs {
  dir: string;
  uri: string;
  maxBytes?: number;
  pvcRoot?: string;
  allowFileUrls: boolean;
  /** Wait for SIGTERM before uploading (the trial pod's sidecar). */
  afterSigterm?: boolean;
  /** Created once the SIGTERM handler is installed (the sidecar's startup probe checks it). */
  readyFile?: string;
}

export interface UploadedFile {
  path: string;
  uri: string;
  size: number;
  sha256: string;
}

export function parseUploadArgs(argv: string[]): UploadArgs | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'max-bytes': { type: 'string' },
      'pvc-root': { type: 'string' },
      'allow-file-urls': { type: 'boolean', default: false },
      'after-sigterm': { type: 'boolean', default: false },
      'ready-file': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 2) throw new UsageError(`expected DIR and URI, got ${positionals.length} arguments`);
  return {
    dir: positionals[0]!,
    uri: positionals[1]!,
    maxBytes: positiveInteger('max-bytes', values['max-bytes']),
    pvcRoot: values['pvc-root'],
    allowFileUrls: values['allow-file-urls'] ?? false,
    afterSigterm: values['after-sigterm'] ?? false,
    ...(values['ready-file'] !== undefined ? { readyFile: values['ready-file'] } : {}),
  };
}

/** Regular files under `dir` as `/`-separated relative paths, sorted; symbolic links are not followed. */
export async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of await opendir(rel === '' ? dir : join(dir, rel))) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await filesUnder(dir, path)));
    else if (entry.isFile()) found.push(path);
  }
  return found.sort();
}

async function sha256Of(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), hash, { signal });
  return hash.digest('hex');
}

/** The file a trial's model is (docs/contracts.md §1): its sha256 survives even a truncated record. */
export const modelFileName = 'model.onnx';

/**
 * The termination message: the whole manifest when it fits in 4 KiB, else counts only, plus `model`, the
 * entry of model.onnx when there is one (the Experiment controller registers the model by it).
 */
export function uploadRecord(uri: string, files: UploadedFile[]): object {
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const full = { uploaded: { uri, files: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })), bytes } };
  if (Buffer.byteLength(JSON.stringify(full)) <= 4096) return full;
  const model = files.find((f) => f.path === modelFileName);
  return { uploaded: { uri, files: files.length, bytes, truncated: true, ...(model ? { model: { path: model.path, size: model.size, sha256: model.sha256 } } : {}) } };
}

export async function runUpload(args: UploadArgs, io: CommandIo): Promise<number> {
  const { childUri, createStorage, formatStorageUri, parseStorageUri, storageSettingsFromEnv } = await import('../storage/index.js');
  const settings = storageSettingsFromEnv(io.env);
  const policy = { allowFileUrls: args.allowFileUrls };
  const storage = createStorage({ ...settings, allowFileUrls: args.allowFileUrls, pvcRoot: args.pvcRoot ?? settings.pvcRoot, maxBytes: args.maxBytes });
  const uploaded: UploadedFile[] = [];
  try {
    const base = parseStorageUri(args.uri, policy, { prefix: true });
    if (!(await stat(args.dir)).isDirectory()) throw new UsageError(`${args.dir} is not a folder`);
    for (const path of await filesUnder(args.dir)) {
      const local = join(args.dir, path);
      const sha256 = await sha256Of(local, io.signal);
      const { size } = await stat(local);
      const target = formatStorageUri(childUri(base, path, policy));
      const result = await storage.write(target, createReadStream(local, { highWaterMark: 1024 * 1024 }), { sha256, size, signal: io.signal });
      const file = { path, uri: target, size: result.size, sha256: result.sha256 };
      uploaded.push(file);
      io.stdout.write(JSON.stringify(file) + '\n');
    }
    const bytes = uploaded.reduce((sum, f) => sum + f.size, 0);
    io.stdout.write(JSON.stringify({ manifest: { uri: args.uri, files: uploaded, bytes } }) + '\n');
    writeTerminationLog(io.env, uploadRecord(args.uri, uploaded), io.stderr);
    return 0;
  } catch (error) {
    const record = failureRecord(error);
    io.stderr.write(`cairn upload: ${record.reason}: ${record.message}\n`);
    writeTerminationLog(io.env, { ...record, uploaded: uploaded.length }, io.stderr);
    return 1;
  } finally {
    storage.close();
  }
}

export const uploadCommand: Command = {
  async run(argv) {
    let args: UploadArgs | 'help';
    try {
      args = parseUploadArgs(argv);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`cairn upload: ${error.message}\n\n${usage}\n`);
      writeTerminationLog(process.env, { reason: 'UsageError', message: error.message }, process.stderr);
      return 2;
    }
    if (args === 'help') {
      process.stdout.write(usage + '\n');
      return 0;
    }
    if (args.afterSigterm) {
      const stop = stopSignals(args.readyFile);
      try {
        await stop.first;
        return await runUpload(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
      } finally {
        stop.release();
      }
    }
    const signals = abortOnSignals();
    try {
      return await runUpload(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: signals.signal });
    } finally {
      signals.release();
    }
  },
};

/**
 * `first` resolves on the first SIGTERM or SIGINT; later ones are ignored until `release`, so a repeated signal
 * cannot kill the process midway through the upload (the default action). Says on stderr that it waits, so a
 * pod's log tells why it idles.
 */
function stopSignals(readyFile: string | undefined): { first: Promise<void>; release(): void } {
  let resolve!: () => void;
  const first = new Promise<void>((r) => (resolve = r));
  // A signal listener does not keep Node's event loop alive; this timer does, until the signal.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const onSignal = (): void => {
    clearInterval(keepAlive);
    resolve();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (readyFile !== undefined) {
    try {
      writeFileSync(readyFile, '');
    } catch (error) {
      process.stderr.write(`cairn upload: cannot create the ready file ${readyFile}: ${(error as Error).message}\n`);
    }
  }
  process.stderr.write('cairn upload: waiting for SIGTERM (the end of the trainer) to upload\n');
  return {
    first,
    release: () => {
      clearInterval(keepAlive);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    },
  };
}
