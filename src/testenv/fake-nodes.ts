import './node-compat.js';
import { CoreV1Api, type KubeConfig, type V1Node, type V1PodSpec } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from './components/kwok.js';
import type { ManagedProcess } from './process.js';
import { waitFor } from './wait.js';

/** Label every kwok node carries, for node selectors that want the fake nodes explicitly. */
const KWOK_NODE_TYPE_LABEL = 'type';

/**
 * kwok's taint (its documented example node has it): only a Pod that tolerates it is faked on a kwok node, so
 * every other Pod goes to the local node, which runs it for real.
 */
export const KWOK_TAINT = { key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' } as const;
export const KWOK_TOLERATION = { key: KWOK_TAINT.key, operator: 'Equal', value: KWOK_TAINT.value, effect: KWOK_TAINT.effect } as const;

/** The toleration and nodeSelector that put a Pod on kwok's fake nodes (merge them into a pod template). */
export function onKwokNodes(spec: V1PodSpec): V1PodSpec {
  return { ...spec, nodeSelector: { ...spec.nodeSelector, [KWOK_NODE_TYPE_LABEL]: 'kwok' }, tolerations: [...(spec.tolerations ?? []), { ...KWOK_TOLERATION }] };
}

/** The Node object of fake node `name` (kwok's documented example). */
function fakeNode(name: string): V1Node {
  const resources = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/role': 'agent',
        'node-role.kubernetes.io/agent': '',
        [KWOK_NODE_TYPE_LABEL]: 'kwok',
      },
    },
    spec: { taints: [{ ...KWOK_TAINT }] },
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        kubeProxyVersion: 'fake',
        kubeletVersion: 'fake',
        machineID: '',
        operatingSystem: 'linux',
        osImage: '',
        systemUUID: '',
      },
      phase: 'Running',
    },
  };
}

/** Creates the fake nodes and waits until kwok reports each of them Ready. */
export async function createFakeNodes(kc: KubeConfig, names: string[], options: { timeoutMs: number; watch: ManagedProcess[] }): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of names) await core.createNode({ body: fakeNode(name) });
  for (const name of names) {
    await waitFor(
      async () => {
        const node = await core.readNode({ name });
        return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
      },
      { what: `kwok to mark node ${name} Ready`, timeoutMs: options.timeoutMs, watch: options.watch },
    );
  }
}
