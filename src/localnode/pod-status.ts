import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import type { ContainerRuntime } from './container.js';
import { rfc3339 } from './node.js';
import type { ContainerStatus, PodCondition, PodStatus } from './wire.js';

export interface PodStatusInput {
  pod: V1Pod;
  podIP: string | undefined;
  startTime: string;
  init: ContainerRuntime[];
  main: ContainerRuntime[];
  /** Every container exited and none will restart. */
  finished: boolean;
  previous: PodStatus | undefined;
}

/** A condition read through @kubernetes/client-node (Date fields) in the wire form the agent writes. */
function toWire(c: V1PodCondition): PodCondition {
  const time = (value: Date | string | undefined): string => (value instanceof Date ? rfc3339(value) : (value ?? ''));
  return {
    type: c.type,
    status: c.status === 'True' ? 'True' : 'False',
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
    lastTransitionTime: time(c.lastTransitionTime as Date | string | undefined),
    lastProbeTime: null,
  };
}

/** An init container's status and whether it is a native sidecar that has been started once. */
export interface InitStatus {
  status: ContainerStatus;
  sidecar: boolean;
  everStarted: boolean;
}

/**
 * The kubelet's phase rules (pkg/kubelet getPhase), reduced to what the node tracks. Sidecars count only
 * while the pod initializes; afterwards the main containers alone decide, and a terminal phase is reported
 * once every container, sidecars included, has stopped (`finished`).
 */
export function podPhase(init: InitStatus[], main: ContainerStatus[], finished: boolean, restartPolicy: string): PodStatus['phase'] {
  const failed = (c: ContainerStatus): boolean => (c.state.terminated?.exitCode ?? 0) !== 0;
  const regular = init.filter((c) => !c.sidecar).map((c) => c.status);
  if (regular.some((c) => c.state.terminated && failed(c)) && restartPolicy === 'Never') return finished ? 'Failed' : 'Pending';
  const mainLaunched = main.some((c) => c.state.running || c.state.terminated || c.lastState.terminated);
  const pendingInit = regular.some((c) => !(c.state.terminated && !failed(c))) || init.some((c) => c.sidecar && !c.everStarted);
  if (pendingInit && !mainLaunched) return 'Pending';
  if (main.some((c) => c.state.running)) return 'Running';
  if (finished) return main.some(failed) ? 'Failed' : 'Succeeded';
  if (main.some((c) => c.state.waiting && c.lastState.terminated === undefined && !c.state.terminated)) return 'Pending';
  return 'Running'; // exited and restarting, or sidecars stopping after the main containers
}

/**
 * The pod status the kubelet would report: phase, conditions (PodScheduled kept from the scheduler),
 * host and pod IPs, and container statuses. Pure: the same input gives the same output, so the agent can
 * write only when it changed.
 */
export function podStatus(input: PodStatusInput): PodStatus {
  const { pod, previous } = input;
  const initViews = input.init.map((c) => ({ status: c.status(), sidecar: c.sidecar, everStarted: c.everStarted }));
  const init = initViews.map((c) => c.status);
  const main = input.main.map((c) => c.status());
  const phase = podPhase(initViews, main, input.finished, pod.spec?.restartPolicy ?? 'Always');
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const now = rfc3339(new Date());
  const current = (pod.status?.conditions ?? []).map(toWire);
  const earlier = [...(previous?.conditions ?? []), ...current];
  const condition = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const status = ok ? 'True' : 'False';
    const before = earlier.find((c) => c.type === type);
    const since = before && before.status === status ? before.lastTransitionTime : now;
    return { type, status, ...(reason && !ok ? { reason } : {}), ...(message && !ok ? { message } : {}), lastTransitionTime: since, lastProbeTime: null };
  };
  // Sidecars count as initialized once started, and their readiness counts with the main containers' (1.29+).
  const incompleteInit = initViews.filter((c) => (c.sidecar ? !c.everStarted : !(c.status.state.terminated?.exitCode === 0))).map((c) => c.status.name);
  const unready = [...main, ...initViews.filter((c) => c.sidecar).map((c) => c.status)].filter((c) => !c.ready).map((c) => c.name);
  const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
  const gatesOk = gates.every((type) => (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True'));
  const containersReady = !terminal && unready.length === 0;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMessage = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const scheduled = current.find((c) => c.type === 'PodScheduled');
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', input.podIP !== undefined && !terminal),
    condition('Initialized', incompleteInit.length === 0, 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`),
    condition('Ready', containersReady && gatesOk, containersReady ? 'ReadinessGatesNotReady' : notReadyReason, containersReady ? 'the status of pod readiness gates is not "True"' : notReadyMessage),
    condition('ContainersReady', containersReady, notReadyReason, notReadyMessage),
    ...(scheduled ? [scheduled] : []),
  ];
  return {
    phase,
    conditions,
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
    startTime: input.startTime,
    ...(init.length > 0 ? { initContainerStatuses: init } : {}),
    containerStatuses: main,
    ...(pod.metadata?.generation !== undefined ? { observedGeneration: pod.metadata.generation } : {}),
  };
}
