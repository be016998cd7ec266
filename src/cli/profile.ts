/**
 * `cairn profile`: profiles a data file against a Dataset's schema (docs/contracts.md §4), inside the Job the
 * Dataset controller creates. Prints or writes the profile JSON (the text of the ConfigMap key profile.json);
 * a failed quality gate or unreadable data exits 1 and leaves {reason, message, validation} in the file named by
 * $CAIRN_TERMINATION_LOG. Argument parsing and process I/O only: the work is src/profile/.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { DatasetSpec } from '../api/kinds/dataset.js';
import { profiledDataset } from '../profile/dataset-shape.js';
import { openSource, profileSource, profileSpecOf, profileToConfigMapData, PROFILE_KEY, ProfileError, type ProfileSpec } from '../profile/index.js';
import { writeProfileConfigMap } from '../profile/configmap-write.js';
import { terminationMessage, type TerminationReport } from '../profile/termination.js';
import { terminationLogPath } from './termination.js';
import type { KubeClient } from '../runtime/kube/client.js';
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

/**
 * The problems the API's own validator finds in a document given as a Dataset. Loaded only here: yaml, ajv, the
 * TypeBox schemas and CEL are most of the command's start, and the Job's `--dataset-json` does not need them.
 */
async function datasetProblems(document: unknown): Promise<string[]> {
  const [{ datasetKind }, { makeValidator }, { formatPath }] = await Promise.all([import('../api/kinds/dataset.js'), import('../api/validate.js'), import('../api/problems.js')]);
  return makeValidator(datasetKind).validate(document).map((p) => `  ${formatPath(p.path)}: ${p.message}`);
}

/** A file's YAML or JSON (YAML is a superset), parsed. */
async function readDocument(file: string): Promise<unknown> {
  const [{ parse }, text] = await Promise.all([import('yaml'), readFile(file, 'utf8')]);
  return parse(text) as unknown;
}

/**
 * The spec to profile with, and the Dataset's name when a Dataset was given. Problems are usage errors. A file
 * (`--dataset`, `--schema`) is checked by the API's validator; `--dataset-json`, which the Dataset controller
 * renders from an object the API server validated, only for the shape the engine reads (src/profile/dataset-shape.ts).
 */
export async function loadSpec(options: ProfileOptions): Promise<{ spec: ProfileSpec; name?: string }> {
  const file = options.datasetJson !== undefined ? '--dataset-json' : (options.dataset ?? options.schema)!;
  const isDataset = options.dataset !== undefined || options.datasetJson !== undefined;
  let document: unknown;
  try {
    document = options.datasetJson !== undefined ? (JSON.parse(options.datasetJson) as unknown) : await readDocument(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const dataset = isDataset
    ? document
    : {
        apiVersion: 'cairn.dev/v1alpha1',
        kind: 'Dataset',
        metadata: { name: 'schema' },
        spec: { source: { uri: 'file:///schema', format: options.format, sha256: '0'.repeat(64) }, schema: document },
      };
  const trusted = options.datasetJson !== undefined ? profiledDataset(dataset) : undefined;
  if (trusted) return { spec: profileSpecOf(trusted.spec), name: trusted.name };
  const problems = await datasetProblems(dataset);
  if (problems.length) throw new UsageError(`${file} is not a valid ${isDataset ? 'Dataset' : 'Dataset schema'}:\n${problems.join('\n')}`);
  const object = dataset as { metadata: { name: string }; spec: DatasetSpec };
  return isDataset ? { spec: profileSpecOf(object.spec), name: object.metadata.name } : { spec: profileSpecOf(object.spec) };
}

const CHUNK_BYTES = 1 << 20;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}


/** The client of --configmap: the pod's service account (in a cluster) or $KUBECONFIG (the local node gives one). */
async function defaultKube(env: NodeJS.ProcessEnv): Promise<KubeClient> {
  const [{ HttpKubeClient }, { loadRestConfig }] = await Promise.all([import('../runtime/kube/http-client.js'), import('../runtime/kube/config.js')]);
  return new HttpKubeClient(loadRestConfig({}, env));
}

/** Runs the command; returns the exit code. `env`, `out` and the Kubernetes client of --configmap are injectable for tests. */
export async function runProfile(
  options: ProfileOptions,
  env: NodeJS.ProcessEnv = process.env,
  out: NodeJS.WritableStream = process.stdout,
  kube: () => Promise<KubeClient> = () => defaultKube(env),
): Promise<number> {
  const terminationLog = terminationLogPath(env);
  const terminate = async (report: TerminationReport): Promise<void> => {
    if (terminationLog) await writeFile(terminationLog, terminationMessage(report));
  };
  const { spec, name: datasetName } = await loadSpec(options);
  try {
    const source = await openSource(options.data, options.format).catch((error: unknown) => {
      throw error instanceof ProfileError ? error : new ProfileError('ReadFailed', `cannot read ${options.data}: ${(error as Error).message}`);
    });
    const version = options.version ?? (await sha256Of(options.data).catch((error: unknown) => {
      throw new ProfileError('ReadFailed', `cannot read ${options.data}: ${(error as Error).message}`);
    }));
    const dataset = options.name ?? datasetName ?? basename(options.data, extname(options.data));
    const outcome = await profileSource(source, spec, { dataset, version }).catch((error: unknown) => {
      if (error instanceof ProfileError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new ProfileError('ReadFailed', `cannot read ${options.data}: ${(error as Error).message}`);
      throw error;
    });
    if (!outcome.ok) {
      process.stderr.write(`cairn profile: ${outcome.reason}: ${outcome.message}\n`);
      await terminate({ reason: outcome.reason, message: outcome.message, validation: outcome.validation });
      return 1;
    }
    const { profile } = outcome;
    if (options.configmap && options.namespace) {
      const client = await kube().catch((error: unknown) => {
        throw new ProfileError('WriteFailed', `no Kubernetes client: ${(error as Error).message}`);
      });
      await writeProfileConfigMap(client, { name: options.configmap, namespace: options.namespace, ...(options.job ? { job: options.job } : {}) }, profile, outcome.validation);
      out.write(`${JSON.stringify({ configMap: `${options.namespace}/${options.configmap}`, rows: profile.rows, version: profile.version })}\n`);
    } else {
      const text = profileToConfigMapData(profile)[PROFILE_KEY]!;
      if (options.out) await writeAtomically(options.out, text + '\n');
      else out.write(text + '\n');
    }
    await terminate({ reason: 'Succeeded', message: `Profiled ${profile.rows} rows`, rows: profile.rows, version: profile.version, validation: outcome.validation });
    return 0;
  } catch (error) {
    if (!(error instanceof ProfileError)) throw error;
    process.stderr.write(`cairn profile: ${error.reason}: ${error.message}\n`);
    await terminate({ reason: error.reason, message: error.message, ...(error.validation ? { validation: error.validation } : {}) });
    return 1;
  }
}

export const profileCommand: Command = {
  async run(argv) {
    try {
      const options = parseProfileArgs(argv);
      if (options === 'help') {
        process.stdout.write(usage + '\n');
        return 0;
      }
      return await runProfile(options);
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`cairn profile: ${error.message}\n\n${usage}\n`);
        return 2;
      }
      throw error;
    }
  },
};
