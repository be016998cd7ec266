/**
 * Where a Dataset's profile Job may write, and nothing more: the ConfigMap `<dataset>-profile`, a ServiceAccount
 * of the same name, and a Role bound to it that grants get/update/patch on that one ConfigMap by resourceNames.
 * RBAC cannot restrict `create` by name, so the operator creates the ConfigMap itself (empty: the profile is
 * pending) and the Job only fills it, in one update: the API server writes an object whole or not at all, so
 * a reader never sees half a profile. All four are owned by the Dataset and go with it. Pure.
 */
import { RenderError } from './errors.js';
import { canonical } from './json.js';
import { childLabels } from './labels.js';
import { knownOwner, ownerReference, type OwnerObject } from './owner.js';
import type { ChildMeta } from './types.js';

const RBAC_API = 'rbac.authorization.k8s.io';

export interface ConfigMapObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ChildMeta;
  data?: Record<string, string>;
}

export interface ServiceAccountObject {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
  metadata: ChildMeta;
  automountServiceAccountToken: boolean;
}

export interface RoleObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role';
  metadata: ChildMeta;
  rules: Array<{ apiGroups: string[]; resources: string[]; resourceNames: string[]; verbs: string[] }>;
}

export interface RoleBindingObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding';
  metadata: ChildMeta;
  roleRef: { apiGroup: string; kind: 'Role'; name: string };
  subjects: Array<{ kind: 'ServiceAccount'; name: string; namespace: string }>;
}

export interface ProfileAccess {
  configMap: ConfigMapObject;
  serviceAccount: ServiceAccountObject;
  role: RoleObject;
  roleBinding: RoleBindingObject;
}

/** `<dataset>-profile`: the ConfigMap, ServiceAccount, Role and RoleBinding. Throws a RenderError past 253 characters. */
export function profileResourceName(dataset: OwnerObject): string {
  const name = `${dataset.metadata?.name ?? ''}-profile`;
  if (name.length > 253) throw new RenderError('InvalidName', 'metadata.name', `the profile's ConfigMap ${name.slice(0, 40)}... would be longer than 253 characters: shorten the Dataset's name`);
  return name;
}

/** The four objects of {@link ProfileAccess} for `dataset` (which needs apiVersion, kind, name, namespace, uid). */
export function renderProfileAccess(dataset: OwnerObject): ProfileAccess {
  const owner = knownOwner(dataset, { namespaced: true });
  const name = profileResourceName(dataset);
  const metadata = (): ChildMeta => ({ name, namespace: owner.namespace as string, labels: childLabels(dataset, 'profile'), ownerReferences: [ownerReference(dataset)] });
  return canonical(
    {
      // No data: the Job fills it (src/profile/configmap-write.ts). An empty ConfigMap is "pending", never a profile.
      configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata() },
      serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(), automountServiceAccountToken: false },
      role: {
        apiVersion: `${RBAC_API}/v1`,
        kind: 'Role',
        metadata: metadata(),
        rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [name], verbs: ['get', 'patch', 'update'] }],
      },
      roleBinding: {
        apiVersion: `${RBAC_API}/v1`,
        kind: 'RoleBinding',
        metadata: metadata(),
        roleRef: { apiGroup: RBAC_API, kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: owner.namespace as string }],
      },
    } satisfies ProfileAccess,
    'profileAccess',
  );
}
