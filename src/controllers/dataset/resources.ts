/** The resource types the Dataset controller creates beyond the runtime's built-ins: the profile Job's RBAC. */
import { builtin, type ResourceType } from '../../runtime/kube/resource.js';

const rbac = (kind: string, plural: string): ResourceType => ({ group: 'rbac.authorization.k8s.io', version: 'v1', kind, plural, namespaced: true });

export const role = rbac('Role', 'roles');
export const roleBinding = rbac('RoleBinding', 'rolebindings');

/** Every kind a Dataset owns, in the order they are needed: the Job runs as the ServiceAccount and fills the ConfigMap. */
export const datasetChildren: readonly ResourceType[] = [builtin.configMap, builtin.serviceAccount, role, roleBinding, builtin.job];
