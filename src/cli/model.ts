/**
 * `cairn model inspect URI --sha256 HEX`: the ModelVersion's Job (src/render/inspect-job.ts). Fetches the model,
 * checks its sha256, loads it in ONNX Runtime and prints its signature; the termination message
 * ($CAIRN_TERMINATION_LOG) gets `{"sha256","size","signature"}` or `{"reason","message"}` (src/model/termination.ts).
 * Argument parsing and process I/O only: the work is src/model/.
 */
import { parseSha256 } from '../storage/digest.js';
import { describeError, isStorageError } from '../storage/errors.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';
import { abortOnSignals, positiveInteger, type CommandIo } from './fetch.js';
import { writeTerminationLog } from './termination.js';

const usage = `Usage: cairn model inspect URI --sha256 HEX [options]

Fetches the ONNX model at URI, keeps it only if its sha256 is HEX, loads it in ONNX Runtime and prints its
signature as one JSON line {uri, sha256, size, signature: {inputs, outputs}}, each tensor {name, datatype, shape}
(Open Inference Protocol datatypes; -1 for a dynamic dimension).

URI: s3://bucket/key, https://host/path, pvc://claim/path, or file:///path (with --allow-file-urls).

Options:
  --sha256 HEX          expected sha256 (required)
  --max-bytes N         largest model accepted (default 4 GiB)
  --pvc-root DIR        where claims are mounted (default $CAIRN_PVC_ROOT or /mnt/pvc)
  --allow-file-urls     accept file:// URIs (development only)
  -h, --help            show this help

Environment: the storage credentials of cairn fetch (AWS_*, CAIRN_S3_*, CAIRN_HTTP_*), CAIRN_TERMINATION_LOG
(else /dev/termination-log when it exists, as in a container): it gets {"sha256","size","signature"} (at most
4 KiB), or {"reason","message"} on failure.

Failure reasons: ChecksumMismatch, NotFound, AccessDenied, Unreachable, TooLarge, InvalidUri, Interrupted (storage);
ModelUnloadable, UnsupportedSignature, SignatureTooLarge (the model).

Exit status: 0 inspected, 1 failed, 2 usage error.`;

/** 4 GiB: what cairn serve accepts (docs/contracts.md §2). */
export const DEFAULT_MODEL_MAX_BYTES = 4 * 1024 ** 3;

export interface InspectArgs {
  uri: string;
  sha256: string;
  maxBytes: number;
  pvcRoot?: string;
  allowFileUrls: boolean;
}

export function parseInspectArgs(argv: string[]): InspectArgs | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      sha256: { type: 'string' },
      'max-bytes': { type: 'string' },
      'pvc-root': { type: 'string' },
      'allow-file-urls': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`expected one URI, got ${positionals.length}`);
  if (values.sha256 === undefined) throw new UsageError('--sha256 is required');
  const sha256 = parseSha256(values.sha256);
  if (sha256 === undefined) throw new UsageError('--sha256 must be 64 hex digits');
  return {
    uri: positionals[0]!,
    sha256,
    maxBytes: positiveInteger('max-bytes', values['max-bytes']) ?? DEFAULT_MODEL_MAX_BYTES,
    ...(values['pvc-root'] !== undefined ? { pvcRoot: values['pvc-root'] } : {}),
    allowFileUrls: values['allow-file-urls'] ?? false,
  };
}

/** The kubelet's file (terminationMessagePath): present in every container, absent on a workstation. */



/** Runs a parsed inspect; returns the exit code. */
export async function runInspect(args: InspectArgs, io: CommandIo): Promise<number> {
  const { createStorage, storageSettingsFromEnv } = await import('../storage/index.js');
  const { inspectModel, isModelError, successMessage, failureMessage } = await import('../model/index.js');
  const settings = storageSettingsFromEnv(io.env);
  const storage = createStorage({ ...settings, allowFileUrls: args.allowFileUrls, pvcRoot: args.pvcRoot ?? settings.pvcRoot, maxBytes: args.maxBytes });
  try {
    const result = await inspectModel({ uri: args.uri, sha256: args.sha256, storage, maxBytes: args.maxBytes, signal: io.signal });
    const message = successMessage(result);
    io.stdout.write(JSON.stringify(result) + '\n');
    writeTerminationLog(io.env, message, io.stderr);
    return 0;
  } catch (error) {
    const reason = isStorageError(error) || isModelError(error) ? error.reason : 'Failed';
    const message = describeError(error);
    io.stderr.write(`cairn model inspect: ${reason}: ${message}\n`);
    writeTerminationLog(io.env, failureMessage(reason, message), io.stderr);
    return 1;
  } finally {
    storage.close();
  }
}

const subcommands = 'Usage: cairn model inspect URI --sha256 HEX [options]\n\nCommands:\n  inspect  Verify an ONNX model (sha256, ONNX Runtime) and print its signature';

export const modelCommand: Command = {
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === '--help' || sub === '-h') {
      process.stdout.write(subcommands + '\n');
      return 0;
    }
    if (sub !== 'inspect') {
      process.stderr.write(`cairn model: ${sub === undefined ? 'a command is required' : `unknown command "${sub}"`}\n\n${subcommands}\n`);
      return 2;
    }
    let args: InspectArgs | 'help';
    try {
      args = parseInspectArgs(rest);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`cairn model inspect: ${error.message}\n\n${usage}\n`);
      writeTerminationLog(process.env, JSON.stringify({ reason: 'UsageError', message: error.message }), process.stderr);
      return 2;
    }
    if (args === 'help') {
      process.stdout.write(usage + '\n');
      return 0;
    }
    const signals = abortOnSignals();
    try {
      return await runInspect(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: signals.signal });
    } finally {
      signals.release();
    }
  },
};
