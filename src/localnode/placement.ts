import type { V1PodSpec, V1Toleration } from '@kubernetes/client-node';

/**
 * How Pods reach the local node: it carries this label and a NoSchedule taint with the same key, so a Pod
 * lands there only when it both selects the label and tolerates the taint. Every other Pod lands on kwok nodes.
 */
export const LOCAL_NODE_LABEL = 'cairn.dev/local-node';
export const LOCAL_NODE_TAINT = { key: LOCAL_NODE_LABEL, value: 'true', effect: 'NoSchedule' } as const;

export const LOCAL_NODE_TOLERATION: V1Toleration = { key: LOCAL_NODE_LABEL, operator: 'Equal', value: 'true', effect: 'NoSchedule' };

/** The nodeSelector and tolerations that put a Pod on the local node (merge them into a pod template). */
export function onLocalNode(spec: V1PodSpec): V1PodSpec {
  return {
    ...spec,
    nodeSelector: { ...spec.nodeSelector, [LOCAL_NODE_LABEL]: 'true' },
    tolerations: [...(spec.tolerations ?? []), LOCAL_NODE_TOLERATION],
  };
}
