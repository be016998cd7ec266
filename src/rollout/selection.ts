/**
 * Which ModelVersion a Deployment serves, and whether a new one may replace the stable one, pure:
 * `pinned` is that version once it is Ready; `policy: latestReady` is the newest Ready version of the model.
 * A version whose signature differs from the stable one's (an input or output renamed, a datatype changed, a
 * fixed dimension changed) would break every client, so it is refused unless the Deployment allows it.
 */
import type { DeploymentSpec } from '../api/kinds/deployment.js';
import type { ModelVersionSpec, ModelVersionStatus } from '../api/kinds/modelversion.js';

export interface Candidate {
  name: string;
  spec: Pick<ModelVersionSpec, 'model' | 'version' | 'artifact'>;
  status?: Pick<ModelVersionStatus, 'signature' | 'conditions'>;
}

export type Selection = { version: Candidate } | { waiting: string };

type Signature = NonNullable<ModelVersionStatus['signature']>;
type Tensor = Signature['inputs'][number];

const ready = (c: Candidate): boolean => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;

/** The version `spec` selects among the ModelVersions of its namespace, or why there is none yet. */
export function selectVersion(spec: Pick<DeploymentSpec, 'model' | 'version'>, all: readonly Candidate[]): Selection {
  const mine = all.filter((c) => c.spec.model === spec.model);
  if (spec.version.pinned !== undefined) {
    const pinned = mine.find((c) => c.spec.version === spec.version.pinned);
    if (!pinned) return { waiting: `ModelVersion ${spec.model} version ${spec.version.pinned} does not exist` };
    if (!ready(pinned)) return { waiting: `ModelVersion ${pinned.name} (${spec.model} version ${spec.version.pinned}) is not Ready` };
    return { version: pinned };
  }
  const newest = mine.filter(ready).sort((a, b) => b.spec.version - a.spec.version)[0];
  return newest ? { version: newest } : { waiting: `no Ready ModelVersion of model ${spec.model}` };
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Two dimensions agree when they are equal or either is dynamic (-1). */
function shapesAgree(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i] || d === -1 || b[i] === -1);
}

function compareTensors(kind: 'input' | 'output', stable: readonly Tensor[], candidate: readonly Tensor[]): string[] {
  const problems: string[] = [];
  const byName = new Map(candidate.map((t) => [t.name, t]));
  for (const s of stable) {
    const c = byName.get(s.name);
    if (!c) {
      problems.push(`${kind} ${s.name} is missing`);
      continue;
    }
    if (c.datatype !== s.datatype) problems.push(`${kind} ${s.name} is ${c.datatype}, was ${s.datatype}`);
    if (!shapesAgree(s.shape, c.shape)) problems.push(`${kind} ${s.name} has shape ${shapeText(c.shape)}, was ${shapeText(s.shape)}`);
  }
  // A new input the clients do not send breaks them; a new output only adds to the answer.
  if (kind === 'input') for (const c of candidate) if (!stable.some((s) => s.name === c.name)) problems.push(`input ${c.name} is new`);
  return problems;
}

/** What stops `candidate` from serving the clients of `stable`; empty when it can (or a signature is unknown). */
export function signatureProblems(stable: Signature | undefined, candidate: Signature | undefined): string[] {
  if (!stable || !candidate) return [];
  return [...compareTensors('input', stable.inputs, candidate.inputs), ...compareTensors('output', stable.outputs, candidate.outputs)];
}
