/**
 * The serving objects of a cairn.dev Deployment (docs/rollouts.md), pure: for each live model version an
 * apps/v1 Deployment `<name>-v<N>` running `cairn serve` (the model fetched and verified by `cairn fetch` in an
 * init container; probes on the V2 health endpoints; the restricted security context), a Service `<name>-v<N>`,
 * an HPA when autoscaling is asked and a PodDisruptionBudget; and the route Service `<name>` (and the preview
 * Service `<name>-preview` of a blue-green rollout). All owned by the cairn.dev Deployment.
 */
import type { DeploymentSpec } from '../api/kinds/deployment.js';
import { parseStorageUri } from '../storage/uri.js';
import { claimVolume, PVC_ROOT } from './claim-volume.js';
import { RenderError } from './errors.js';
import { mountsTmp, renderContainer, tmpVolume } from './job.js';
import type { JobInitContainer } from './job-input.js';
import { canonical } from './json.js';
import { labelValue } from './label-value.js';
import { childLabels, LABEL_COMPONENT, LABEL_OWNER_KIND, LABEL_OWNER_NAME } from './labels.js';
import { knownOwner, ownerReference, type OwnerObject } from './owner.js';
import { restrictedPodSecurityContext } from './security.js';
import type { AppsDeployment, HorizontalPodAutoscaler, ExecProbe, HttpProbe, PodDisruptionBudget, Service, ServingContainer } from './serving-types.js';
import type { ChildMeta, Toleration, Volume } from './types.js';
import { storageEnvFrom } from './trial-job.js';

export const COMPONENT_SERVING = 'serving';
/** The label of the model version on every serving pod, Deployment and Service. */
export const LABEL_MODEL_VERSION = 'cairn.dev/model-version';
export const SERVING_PORT = 8080;
/** The port of every serving Service (the route, the preview, each version's). */
export const SERVICE_PORT = 80;
const MODELS_DIR = '/models';
const MODEL_FILE = 'model.onnx';
const PROFILE_DIR = '/etc/cairn/profile';
/** The pod volume holding the drift profile the pod counts on (read back by the DriftMonitor: which bins a pod counts on). */
export const PROFILE_VOLUME = 'profile';
/** cairn serve's own stop: --shutdown-delay-s 5 + --drain-timeout-s 20, plus a margin before the SIGKILL. */
const TERMINATION_GRACE_SECONDS = 30;
const DEFAULT_RESOURCES = { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } };

export type ServingOwner = OwnerObject & { spec: Pick<DeploymentSpec, 'model' | 'serving'> };

export interface ServingVersionInput {
  deployment: ServingOwner;
  /** The ModelVersion's number, and its model file with the sha256 recorded when it was registered. */
  version: { number: number; uri: string; sha256: string };
  /** Pods of this version (the router's choice under the replicas router; ignored with autoscaling). */
  replicas: number;
  /** The image with the `cairn` command. */
  cairnImage: string;
  /**
   * The Dataset profile ConfigMap, mounted when a DriftMonitor watches this Deployment; featureColumns are
   * `INPUT=feature,feature,...`, one per model input (cairn serve --feature-columns).
   */
  profile?: { configMap: string; key: string; featureColumns?: readonly string[] };

  /** Copy a share of the requests this version answers to another version (Shadow). */
  mirror?: { url: string; percent: number; /** Compare the shadow's answers within this absolute tolerance. */ tolerance?: number };
  placement?: { nodeSelector?: Readonly<Record<string, string>>; tolerations?: readonly Toleration[] };
  allowFileUrls?: boolean;
}

/** `<name>-v<N>`: the Deployment, Service, HPA and PDB of one version. */
export function versionName(deployment: OwnerObject, version: number): string {
  const name = `${ownerName(deployment)}-v${version}`;
  if (name.length > 63) throw new RenderError('InvalidName', 'metadata.name', `${name} is longer than 63 characters: a Service name is a DNS label`);
  return name;
}

export function previewName(deployment: OwnerObject): string {
  return `${ownerName(deployment)}-preview`;
}

/** The in-cluster URL of a Service of this Deployment. */
export function serviceUrl(deployment: OwnerObject, service: string): string {
  return `http://${service}.${knownOwner(deployment, { namespaced: true }).namespace}.svc:${SERVICE_PORT}`;
}

function ownerName(owner: OwnerObject): string {
  const name = owner.metadata?.name;
  if (!name) throw new RenderError('InvalidOwner', 'metadata.name', 'the owner has no name');
  return name;
}

/** The labels selecting the serving pods of this Deployment: all versions, or one. */
export function servingSelector(deployment: OwnerObject, version?: number): Record<string, string> {
  return {
    [LABEL_OWNER_KIND]: labelValue(deployment.kind ?? ''),
    [LABEL_OWNER_NAME]: labelValue(ownerName(deployment)),
    [LABEL_COMPONENT]: COMPONENT_SERVING,
    ...(version === undefined ? {} : { [LABEL_MODEL_VERSION]: String(version) }),
  };
}

function meta(deployment: OwnerObject, name: string, version?: number): ChildMeta {
  const owner = knownOwner(deployment, { namespaced: true });
  return {
    name,
    namespace: owner.namespace as string,
    labels: { ...childLabels(deployment, COMPONENT_SERVING), ...(version === undefined ? {} : { [LABEL_MODEL_VERSION]: String(version) }) },
    ownerReferences: [ownerReference(deployment)],
  };
}

const probe = (path: string, periodSeconds: number, failureThreshold: number): HttpProbe => ({ httpGet: { path, port: 'http' }, periodSeconds, timeoutSeconds: 2, failureThreshold });

/** How long one attempt of the serving container's startup probe waits for the model to be loaded. */
const STARTUP_PROBE_WAIT_MS = 3_000;

/**
 * The serving container's startup probe: GET /v2/health/ready until it answers 200, waiting inside one attempt
 * (up to STARTUP_PROBE_WAIT_MS, polling every 20 ms) instead of failing at once. An httpGet probe's first attempt
 * runs as the container starts, before `cairn serve` listens, and fails; the next came a whole period (1 s) later,
 * so a pod was Ready a second after it started whatever its model's load time, and every canary step waited for
 * that. Now it is Ready within ~20 ms of the model being loaded. `node` is in the cairn image (and mapped on the
 * local node); the address is HOST when it is an IP (the local node's pod IP, as `cairn serve` binds it), else
 * loopback. 40 attempts of about 3 s: the same 2 minutes a large model had before.
 */
const serveStartupProbe: ExecProbe = {
  exec: {
    command: [
      'node',
      '-e',
      `const http = require('http'), { isIP } = require('net'), end = Date.now() + ${STARTUP_PROBE_WAIT_MS};` +
        ` const host = isIP(process.env.HOST || '') ? process.env.HOST : '127.0.0.1';` +
        ` const retry = () => (Date.now() < end ? setTimeout(check, 20) : process.exit(1));` +
        ` function check() { http.get({ host, port: ${SERVING_PORT}, path: '/v2/health/ready', timeout: 1000 }, (res) => { res.resume(); if (res.statusCode === 200) process.exit(0); retry(); })` +
        `.on('timeout', function () { this.destroy(); }).on('error', retry); }` +
        ` check();`,
    ],
  },
  periodSeconds: 1,
  timeoutSeconds: 5,
  failureThreshold: 40,
};

function serveArgs(input: ServingVersionInput, modelPath: string): string[] {
  const { deployment, version } = input;
  const serving = deployment.spec.serving;
  const args = ['serve', '--model-uri', modelPath, '--sha256', version.sha256, '--name', deployment.spec.model, '--version', String(version.number), '--port', String(SERVING_PORT)];
  if (serving?.batching?.maxBatchSize !== undefined) args.push('--max-batch-size', String(serving.batching.maxBatchSize));
  if (serving?.batching?.maxDelayMs !== undefined) args.push('--max-delay-ms', String(serving.batching.maxDelayMs));
  if (serving?.logRequests !== undefined && serving.logRequests > 0) args.push('--log-sample', String(serving.logRequests));
  const predictionLog = serving?.predictionLog;
  if (predictionLog && predictionLog.sample > 0) {
    args.push('--prediction-log-sample', String(predictionLog.sample));
    if (predictionLog.maxLinesPerSecond !== undefined) args.push('--prediction-log-rate', String(predictionLog.maxLinesPerSecond));
  }
  if (input.profile) {
    args.push('--profile', `${PROFILE_DIR}/${input.profile.key}`);
    for (const columns of input.profile.featureColumns ?? []) args.push('--feature-columns', columns);
  }
  if (input.mirror) args.push('--mirror-url', input.mirror.url, '--mirror-percent', String(input.mirror.percent));
  if (input.mirror?.tolerance !== undefined && input.mirror.tolerance > 0) args.push('--mirror-tolerance', String(input.mirror.tolerance));
  return args;
}

/** Quantities as the API server stores them (`cpu: 2` in the spec is `"2"` in a pod). */
function resources(spec: ServingOwner['spec']): { requests?: Record<string, string>; limits?: Record<string, string> } {
  const given = spec.serving?.resources;
  if (!given) return DEFAULT_RESOURCES;
  const text = (m: Readonly<Record<string, string | number>> | undefined) => (m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])) : undefined);
  return { requests: text(given.requests), limits: text(given.limits) };
}

/**
 * Where a pvc:// model is read in place: the file under its claim's mount. Undefined for a URI the storage
 * module refuses (a `..` segment, an empty path...): the fetch init container then reports why, as for any URI.
 */
function modelPathOnClaim(uri: string): string | undefined {
  try {
    const parsed = parseStorageUri(uri, { allowFileUrls: false });
    return parsed.scheme === 'pvc' && parsed.path !== '' ? `${PVC_ROOT}/${parsed.claim}/${parsed.path}` : undefined;
  } catch {
    return undefined;
  }
}

/** The apps/v1 Deployment of one model version. */
export function renderServingDeployment(input: ServingVersionInput): AppsDeployment {
  const { deployment, version } = input;
  if (!/^[0-9a-f]{64}$/.test(version.sha256)) throw new RenderError('InvalidValue', 'version.sha256', 'the model sha256 must be 64 lower-case hex digits');
  const name = versionName(deployment, version.number);
  const selector = servingSelector(deployment, version.number);
  const metadata = meta(deployment, name, version.number);
  const fileUrls = input.allowFileUrls ? ['--allow-file-urls'] : [];
  // A pvc:// model is read where it lies: its claim mounted read-only, and `cairn serve` checks the sha256 before
  // it serves a byte (as KServe mounts a pvc:// storageUri instead of running its storage initializer): no copy,
  // and no init container to wait for as each pod starts. Any other URI is fetched into an emptyDir first by an
  // init container `cairn fetch`, which keeps the file only if its sha256 matches.
  const modelClaim = claimVolume(version.uri, 'model-claim');
  const inPlace = modelClaim ? modelPathOnClaim(version.uri) : undefined;
  const fetch: JobInitContainer | undefined = inPlace
    ? undefined
    : {
        name: 'fetch-model',
        image: input.cairnImage,
        args: ['fetch', version.uri, '--sha256', version.sha256, '--to', MODELS_DIR, '--name', MODEL_FILE, ...fileUrls],
        envFrom: storageEnvFrom,
        volumeMounts: [{ name: 'models', mountPath: MODELS_DIR }, ...(modelClaim ? [modelClaim.mount] : [])],
      };
  const serve: JobInitContainer = {
    name: 'serve',
    image: input.cairnImage,
    args: serveArgs(input, inPlace ?? `${MODELS_DIR}/${MODEL_FILE}`),
    resources: resources(deployment.spec),
    volumeMounts: [
      inPlace && modelClaim ? modelClaim.mount : { name: 'models', mountPath: MODELS_DIR, readOnly: true },
      ...(input.profile ? [{ name: PROFILE_VOLUME, mountPath: PROFILE_DIR, readOnly: true }] : []),
    ],
  };
  const serveContainer: ServingContainer = {
    ...renderContainer(serve),
    ports: [{ name: 'http', containerPort: SERVING_PORT, protocol: 'TCP' }],
    // Loading a large model can take a while: the startup probe allows 2 minutes before liveness applies, and
    // passes as soon as the model is loaded, so a canary step goes on at once (serveStartupProbe).
    startupProbe: serveStartupProbe,
    readinessProbe: probe('/v2/health/ready', 5, 2),
    livenessProbe: probe('/v2/health/live', 10, 3),
  };
  const volumes: Volume[] = [
    ...(inPlace ? [] : [{ name: 'models', emptyDir: {} }]),
    ...(modelClaim ? [modelClaim.volume] : []),
    ...(input.profile ? [{ name: PROFILE_VOLUME, configMap: { name: input.profile.configMap, items: [{ key: input.profile.key, path: input.profile.key }] } }] : []),
    ...([fetch, serve].some((c) => c !== undefined && !mountsTmp(c)) ? [tmpVolume] : []),
  ];
  const autoscaled = deployment.spec.serving?.autoscaling !== undefined;
  return canonical<AppsDeployment>(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        // With an HPA the replica count is the HPA's: leaving it out keeps server-side apply from fighting it.
        replicas: autoscaled ? undefined : input.replicas,
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        // A changed pod template (a flag, a resource) replaces pods one by one with no loss of capacity.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { ...metadata.labels }, annotations: { 'kubectl.kubernetes.io/default-container': 'serve' } },
          spec: {
            nodeSelector: input.placement?.nodeSelector && Object.keys(input.placement.nodeSelector).length > 0 ? { ...input.placement.nodeSelector } : undefined,
            tolerations: input.placement?.tolerations && input.placement.tolerations.length > 0 ? input.placement.tolerations.map((t) => ({ ...t })) : undefined,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(),
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            initContainers: fetch ? [renderContainer(fetch)] : undefined,
            containers: [serveContainer],
            volumes,
          },
        },
      },
    },
    'deployment',
  );
}

function service(deployment: OwnerObject, name: string, selector: Record<string, string>, version?: number): Service {
  return canonical<Service>(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(deployment, name, version),
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }] },
    },
    'service',
  );
}

/** The Service of one version (`<name>-v<N>`): the backend a router weighs, the target of a mirror. */
export function renderVersionService(deployment: OwnerObject, version: number): Service {
  return service(deployment, versionName(deployment, version), servingSelector(deployment, version), version);
}

/**
 * The route Service `<name>`, the Deployment's URL. `version` undefined: every serving pod of the Deployment
 * (the replicas router, where the pod counts make the split); a number: that version only (the stable one,
 * when a mesh or a Gateway splits traffic over the version Services).
 */
export function renderRouteService(deployment: OwnerObject, version?: number): Service {
  return service(deployment, ownerName(deployment), servingSelector(deployment, version));
}

/** The preview Service of a blue-green rollout: the new version before it is switched in. */
export function renderPreviewService(deployment: OwnerObject, version: number): Service {
  return service(deployment, previewName(deployment), servingSelector(deployment, version), version);
}

/** An HPA for one version's Deployment, when spec.serving.autoscaling is set. */
export function renderHorizontalPodAutoscaler(deployment: ServingOwner, version: number): HorizontalPodAutoscaler | undefined {
  const autoscaling = deployment.spec.serving?.autoscaling;
  if (!autoscaling) return undefined;
  const name = versionName(deployment, version);
  return canonical<HorizontalPodAutoscaler>(
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(deployment, name, version),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: autoscaling.minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.targetCPUUtilization ?? 80 } } }],
      },
    },
    'hpa',
  );
}

/** At most one pod of a version down at a time for a voluntary disruption (a node drain). */
export function renderPodDisruptionBudget(deployment: OwnerObject, version: number): PodDisruptionBudget {
  return canonical<PodDisruptionBudget>(
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(deployment, versionName(deployment, version), version),
      spec: { maxUnavailable: 1, selector: { matchLabels: servingSelector(deployment, version) } },
    },
    'pdb',
  );
}
