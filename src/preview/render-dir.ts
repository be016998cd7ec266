/**
 * What the operator would create for a set of cairn.dev objects (`cairn render DIR`), pure: the children each
 * controller renders, through the same renderers with the inputs the controllers build, for objects that do not
 * exist yet. What the cluster would decide (a uid, a Dataset's verified version, which ModelVersion is Ready, a
 * trial's outcome) is assumed as on a first reconcile where everything succeeds: every ModelVersion in the set is
 * Ready, a Dataset's version is the sha256 its spec pins, an Experiment's first run starts its first trials.
 */
import type { DatasetSpec } from '../api/kinds/dataset.js';
import type { DeploymentSpec } from '../api/kinds/deployment.js';
import type { ExperimentSpec } from '../api/kinds/experiment.js';
import type { ModelVersionSpec } from '../api/kinds/modelversion.js';
import { parseDuration } from '../api/duration.js';
import { isRenderError } from '../render/errors.js';
import { renderInspectJob } from '../render/inspect-job.js';
import { renderProfileAccess } from '../render/profile-access.js';
import { renderProfileJob } from '../render/profile-job.js';
import { renderTrialJob } from '../render/trial-job.js';
import { renderTrialTable } from '../render/trial-table.js';
import { desiredObjects } from '../rollout/desired.js';
import { initialState } from '../rollout/machine.js';
import { selectVersion, type Candidate } from '../rollout/selection.js';
import { trialArtifactsUri, trialName } from '../training/names.js';
import { planSearch, SearchSpecError } from '../training/search.js';

/** The uid every previewed owner gets: the API server assigns the real one at creation. */
export const PREVIEW_UID = '00000000-0000-0000-0000-000000000000';

export interface PreviewInput {
  kind: string;
  /** `file:line` where it was read. */
  source: string;
  object: Record<string, unknown>;
}

export interface PreviewOptions {
  /** Namespace of objects that name none (a GitSource's own, or --namespace). */
  namespace: string;
  /** The operator's image (CAIRN_IMAGE), which the Jobs and serving pods run. */
  cairnImage: string;
  allowFileUrls: boolean;
}

export interface PreviewSection {
  /** `Kind/namespace/name`. */
  owner: string;
  source: string;
  objects: Array<Record<string, unknown>>;
  /** What the operator does beside creating objects, or waits for. */
  notes: string[];
  /** Why nothing could be rendered (a RenderError, a bad search): the operator would stall it with this message. */
  error?: string;
}

type Meta = { name: string; namespace: string; uid: string };
type Typed<S> = { apiVersion: string; kind: string; metadata: Meta; spec: S };

function owned<S>(input: PreviewInput, namespace: string): Typed<S> {
  const metadata = (input.object.metadata ?? {}) as Partial<Meta>;
  return { ...(input.object as unknown as Typed<S>), metadata: { ...metadata, name: metadata.name ?? '', namespace: metadata.namespace ?? namespace, uid: PREVIEW_UID } };
}

const plain = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

/** The objects the operator would create for each of `inputs`, in their order. */
export function previewObjects(inputs: readonly PreviewInput[], options: PreviewOptions): PreviewSection[] {
  const all = inputs.map((input) => ({ input, object: owned<unknown>(input, options.namespace) }));
  const find = <S>(kind: string, namespace: string, name: string) => all.find((o) => o.input.kind === kind && o.object.metadata.namespace === namespace && o.object.metadata.name === name)?.object as Typed<S> | undefined;
  const ofKind = <S>(kind: string, namespace: string) => all.filter((o) => o.input.kind === kind && o.object.metadata.namespace === namespace).map((o) => o.object as Typed<S>);

  return all.map(({ input, object }) => {
    const section: PreviewSection = { owner: `${input.kind}/${object.metadata.namespace}/${object.metadata.name}`, source: input.source, objects: [], notes: [] };
    try {
      render(input.kind, object, section);
    } catch (err) {
      if (!isRenderError(err) && !(err instanceof SearchSpecError)) throw err;
      section.objects = [];
      section.error = err.message;
    }
    return section;
  });

  function render(kind: string, object: Typed<unknown>, section: PreviewSection): void {
    const { namespace, name } = object.metadata;
    switch (kind) {
      case 'GitSource':
        section.notes.push('applies the cairn.dev objects under spec.path of its repository into this namespace: run `cairn render` on that checkout to see their children');
        return;
      case 'Dataset': {
        const dataset = object as Typed<DatasetSpec>;
        const access = renderProfileAccess(dataset);
        const job = renderProfileJob({ dataset, cairnImage: options.cairnImage, allowFileUrls: options.allowFileUrls });
        section.objects.push(plain(access.serviceAccount), plain(access.role), plain(access.roleBinding), plain(access.configMap), plain(job));
        section.notes.push(`the profile Job writes ConfigMap ${access.configMap.metadata.name}; the Dataset is Ready once it checked ${dataset.spec.source.uri}`);
        return;
      }
      case 'ModelVersion': {
        const modelVersion = object as Typed<ModelVersionSpec>;
        section.objects.push(plain(renderInspectJob({ modelVersion, cairnImage: options.cairnImage, allowFileUrls: options.allowFileUrls })));
        return;
      }
      case 'Experiment': {
        const experiment = object as Typed<ExperimentSpec>;
        const datasetName = experiment.spec.datasetRef.name;
        const dataset = find<DatasetSpec>('Dataset', namespace, datasetName);
        const plan = planSearch(experiment.spec);
        if (!dataset) {
          section.notes.push(`waits for Dataset ${datasetName}, which is not in these files; then runs ${plan.trials.length} trials`);
          return;
        }
        const run = 1;
        const parallelism = Math.min(experiment.spec.search?.parallelism ?? 1, plan.trials.length);
        for (let index = 0; index < parallelism; index++) {
          const trial = trialName(name, run, index);
          const job = renderTrialJob({
            experiment,
            run,
            name: trial,
            parameters: plan.trials[index]!,
            dataset: { name: datasetName, uri: dataset.spec.source.uri, sha256: dataset.spec.source.sha256, format: dataset.spec.source.format },
            artifactsUri: trialArtifactsUri(experiment.spec.artifacts.uri, name, run, trial),
            cairnImage: options.cairnImage,
            timeoutSeconds: Math.max(1, Math.ceil(parseDuration(experiment.spec.trialTimeout ?? '30m') / 1000)),
            ...(options.allowFileUrls ? { allowFileUrls: true } : {}),
          });
          section.objects.push(plain(job));
        }
        section.objects.push(plain(renderTrialTable(experiment, run, '')));
        section.notes.push(`run ${run}: ${plan.trials.length} trials, ${parallelism} at once (the first ${parallelism} shown), once Dataset ${datasetName} is Ready`);
        if (experiment.spec.register?.policy !== 'none' && experiment.spec.register) section.notes.push(`registers the best passing trial as ModelVersion ${experiment.spec.register.model}-<next version>`);
        return;
      }
      case 'Deployment': {
        const deployment = object as Typed<DeploymentSpec>;
        const candidates: Candidate[] = ofKind<ModelVersionSpec>('ModelVersion', namespace)
          .filter((mv) => mv.spec.model === deployment.spec.model)
          .map((mv) => ({ name: mv.metadata.name, spec: mv.spec, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Verified', message: 'assumed', lastTransitionTime: '1970-01-01T00:00:00Z' }] } }));
        const selection = selectVersion(deployment.spec, candidates);
        if (!('version' in selection)) {
          const trainers = ofKind<ExperimentSpec>('Experiment', namespace).filter((e) => e.spec.register?.model === deployment.spec.model && e.spec.register.policy !== 'none');
          section.notes.push(`serves nothing yet: ${selection.waiting} in these files${trainers.length > 0 ? ` (Experiment ${trainers.map((e) => e.metadata.name).join(', ')} registers one)` : ''}`);
          return;
        }
        const version = selection.version.spec;
        const desired = desiredObjects({
          deployment,
          state: { ...initialState(), stable: version.version },
          artifacts: new Map([[version.version, { number: version.version, uri: version.artifact.uri, sha256: version.artifact.sha256 }]]),
          cairnImage: options.cairnImage,
          allowFileUrls: options.allowFileUrls,
        });
        section.objects.push(...desired.children.map(plain), ...(desired.route ? [plain(desired.route)] : []));
        section.notes.push(`serves ModelVersion ${selection.version.name} (version ${version.version}) at ${desired.url}; a newer version then rolls out by spec.strategy`);
        if (ofKind<{ deploymentRef: { name: string } }>('DriftMonitor', namespace).some((m) => m.spec.deploymentRef.name === name)) {
          section.notes.push('a DriftMonitor watches it: once its baseline Dataset is profiled, the serving pods also mount the profile');
        }
        return;
      }
      case 'DriftMonitor':
        section.notes.push("creates nothing: it reads the serving pods' metrics and writes its verdict in status (and may retrain or pause a rollout)");
        return;
      default:
        section.notes.push(`no controller runs kind ${kind}`);
    }
  }
}
