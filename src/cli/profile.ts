/**
 * `cairn profile`: profiles a data file against a Dataset's schema (docs/contracts.md §4), inside the Job the
 * Dataset controller creates. Prints or writes the profile JSON (the text of the ConfigMap key profile.json);
 * a failed quality gate or unreadable data exits 1 and leaves {reason, message, validation} in the file named by
 * $CAIRN_TERMINATION_LOG. This module parses the arguments and starts the reader thread of a csv or jsonl file
 * before it loads the rest (profile-run.ts): the thread's start (a V8 isolate, Node's bootstrap, the reader's
 * modules) then overlaps the loading of the engine instead of following it.
 */
import type { Worker } from 'node:worker_threads';
import { startReaderThread } from '../profile/reader-thread.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';

const usage = `Usage: cairn profile --data PATH --format csv|parquet|jsonl (--schema FILE | --dataset FILE | --dataset-json JSON) [options]

Checks a data file against a Dataset's schema and quality gates and computes its profile, the drift baseline
of docs/contracts.md §4: rows, per numeric column nulls, min, max, mean, std (population) and quantile bin
edges with right-closed counts, per categorical column the 100 most frequent categories.

Options:
      --data PATH         The data file
      --format FORMAT     csv, parquet or jsonl
      --schema FILE       YAML or JSON of a Dataset's spec.schema ({features, target}); gates default to 0, bins to 10
      --dataset FILE      YAML or JSON of a Dataset: its spec.schema, spec.validation and spec.profile
      --dataset-json JSON The same Dataset as a JSON argument (what the Dataset controller's Job passes, from an
                          object the API server validated: checked only for the fields the profile reads)
      --name NAME         The profile's dataset name (default: the Dataset's name, else the file's base name)
      --version DIGEST    The profile's version, sha256:<hex> (default: the sha256 of the file, read once more)
      --out FILE          Write the profile there (atomically) instead of standard output
      --configmap NAME    Write the profile into this existing ConfigMap (keys profile.json and validation.json,
                          one patch) with the pod's service account or $KUBECONFIG, instead of standard output
      --namespace NS      The ConfigMap's namespace (required with --configmap)
      --job NAME          Recorded on the ConfigMap (annotation cairn.dev/profile-job) with the version
  -h, --help              Show this help

On success the profile is printed (compact JSON) and the termination message ($CAIRN_TERMINATION_LOG, else
/dev/termination-log when it exists, as in a pod) gets
{"reason":"Succeeded","rows":..,"version":..,"validation":{..}}. On a failed gate or unreadable data the exit
status is 1 and that file gets {"reason","message","validation"} (at most 4 KiB); reasons: SchemaMismatch,
NullsOverLimit, OutOfRange, EmptyColumn, MalformedData, ReadFailed, ProfileTooLarge, ResourceLimit, WriteFailed.

Exit status: 0 profiled, 1 failed, 2 usage error.`;

export interface ProfileOptions {
  data: string;
  format: 'csv' | 'parquet' | 'jsonl';
  schema?: string;
  dataset?: string;
  datasetJson?: string;
  name?: string;
  version?: string;
  out?: string;
  configmap?: string;
  namespace?: string;
  job?: string;
}

export function parseProfileArgs(argv: string[]): ProfileOptions | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      format: { type: 'string' },
      schema: { type: 'string' },
      dataset: { type: 'string' },
      'dataset-json': { type: 'string' },
      configmap: { type: 'string' },
      namespace: { type: 'string' },
      job: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const { values } = parsed;
  if (values.help) return 'help';
  if (!values.data) throw new UsageError('--data is required');
  if (values.format !== 'csv' && values.format !== 'parquet' && values.format !== 'jsonl') {
    throw new UsageError(`--format must be csv, parquet or jsonl, got ${values.format === undefined ? 'nothing' : `"${values.format}"`}`);
  }
  if ([values.schema, values.dataset, values['dataset-json']].filter((v) => v !== undefined).length !== 1) throw new UsageError('give exactly one of --schema, --dataset and --dataset-json');
  if ((values.configmap === undefined) !== (values.namespace === undefined)) throw new UsageError('--configmap and --namespace go together');
  if (values.configmap !== undefined && values.out !== undefined) throw new UsageError('give at most one of --out and --configmap');
  if (values.version !== undefined && !/^sha256:[0-9a-f]{64}$/.test(values.version)) throw new UsageError(`--version must be sha256:<64 hex digits>, got "${values.version}"`);
  const options: ProfileOptions = { data: values.data, format: values.format };
  for (const key of ['schema', 'dataset', 'name', 'version', 'out', 'configmap', 'namespace', 'job'] as const) if (values[key] !== undefined) options[key] = values[key];
  if (values['dataset-json'] !== undefined) options.datasetJson = values['dataset-json'];
  return options;
}

/** A reader thread already starting for the file of `options`, or undefined (parquet is read on this thread). */
export function prestartReader(options: ProfileOptions): Worker | undefined {
  return options.format === 'parquet' ? undefined : startReaderThread();
}

export const profileCommand: Command = {
  async run(argv) {
    try {
      const options = parseProfileArgs(argv);
      if (options === 'help') {
        process.stdout.write(usage + '\n');
        return 0;
      }
      const reader = prestartReader(options);
      const { runProfile } = await import('./profile-run.js');
      return await runProfile(options, process.env, process.stdout, undefined, reader);
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`cairn profile: ${error.message}\n\n${usage}\n`);
        return 2;
      }
      throw error;
    }
  },
};
