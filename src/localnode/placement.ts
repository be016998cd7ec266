import type { V1PodSpec } from '@kubernetes/client-node';

/**
 * How Pods reach the local node. It is the one node that runs Pods for real, so it carries no taint: a Pod that
 * says nothing about placement lands there, as it would on a one-node cluster. kwok's fake nodes, when a control
 * plane has them, carry kwok's NoSchedule taint (src/testenv/fake-nodes.ts), so only a Pod that tolerates it is
 * faked there. The label lets a Pod ask for the local node explicitly.
 */
export const LOCAL_NODE_LABEL = 'cairn.dev/local-node';

/** The nodeSelector that puts a Pod on the local node (merge it into a pod template). */
export function onLocalNode(spec: V1PodSpec): V1PodSpec {
  return { ...spec, nodeSelector: { ...spec.nodeSelector, [LOCAL_NODE_LABEL]: 'true' } };
}
