import type { ContainerStatus } from '../wire.js';

/** Statuses of a Pod's containers, as the node reports them. */
export interface ContainerStatuses {
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
}

/** The process a `cairn-local://<pid>` containerID names. */
export function pidOf(containerID: string | undefined): number | undefined {
  const match = /^cairn-local:\/\/(\d+)$/.exec(containerID ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * Which run of `container` a log request reads, by the kubelet's rules (validateContainerLogStatus): with
 * `previous`, the last terminated run; else the running one, else the terminated one, else the last
 * terminated; a container waiting to start has no logs. Returns the containerID, or the kubelet's message
 * (answered with 400 Bad Request, which kubectl prints). Pure.
 */
export function selectContainer(podName: string, status: ContainerStatuses, container: string, previous: boolean): { containerID: string } | { error: string } {
  const found = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].find((c) => c.name === container);
  if (!found) return { error: `container "${container}" in pod "${podName}" is not available` };
  const last = found.lastState.terminated;
  const { waiting, running, terminated } = found.state;
  if (previous) {
    if (!last?.containerID) return { error: `previous terminated container "${container}" in pod "${podName}" not found` };
    return { containerID: last.containerID };
  }
  if (running && found.containerID) return { containerID: found.containerID };
  if (terminated) {
    if (terminated.containerID) return { containerID: terminated.containerID };
    if (last?.containerID) return { containerID: last.containerID };
    return { error: `container "${container}" in pod "${podName}" is terminated` };
  }
  if (last) {
    if (!last.containerID) return { error: `container "${container}" in pod "${podName}" is terminated` };
    return { containerID: last.containerID };
  }
  if (waiting) {
    if (waiting.reason === 'ErrImagePull') return { error: `container "${container}" in pod "${podName}" is waiting to start: image can't be pulled` };
    if (waiting.reason === 'ImagePullBackOff') return { error: `container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image` };
    return { error: `container "${container}" in pod "${podName}" is waiting to start: ${waiting.reason}` };
  }
  return { error: `container "${container}" in pod "${podName}" is waiting to start - no logs yet` };
}
