/**
 * `cairn profile`'s work once its arguments are parsed (src/cli/profile.ts): the spec, the profile, and where it is
 * written. Loaded after the command has started its reader thread, so that thread's start overlaps this module's
 * loading. Process I/O only: the work is src/profile/.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { DatasetSpec } from '../api/kinds/dataset.js';
import { profiledDataset } from '../profile/dataset-shape.js';
import { openSource, profileSource, profileSpecOf, profileToConfigMapData, PROFILE_KEY, ProfileError, type ProfileSpec } from '../profile/index.js';
import { writeProfileConfigMap } from '../profile/configmap-write.js';
import { terminationMessage, type TerminationReport } from '../profile/termination.js';
import { terminationLogPath } from './termination.js';
import type { KubeClient } from '../runtime/kube/client.js';
import { UsageError } from './command.js';
import type { ProfileOptions } from './profile.js';

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
  /** A reader thread prestartReader started: it reads the first pass; stopped here however the command ends. */
  reader?: Worker,
): Promise<number> {
  try {
    return await profile(options, env, out, kube, reader);
  } finally {
    await reader?.terminate();
  }
}

async function profile(options: ProfileOptions, env: NodeJS.ProcessEnv, out: NodeJS.WritableStream, kube: () => Promise<KubeClient>, reader: Worker | undefined): Promise<number> {
  const terminationLog = terminationLogPath(env);
  const terminate = async (report: TerminationReport): Promise<void> => {
    if (terminationLog) await writeFile(terminationLog, terminationMessage(report));
  };
  const { spec, name: datasetName } = await loadSpec(options);
  try {
    const source = await openSource(options.data, options.format, reader).catch((error: unknown) => {
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
