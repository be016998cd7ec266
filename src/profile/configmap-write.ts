/**
 * The profile Job's one write: fills the ConfigMap `<dataset>-profile` the operator created (empty, pending)
 * with profile.json, validation.json (rows and the measured figures, for the Dataset's status) and the version
 * and Job it came from, in one merge patch. The API server applies a patch whole or not at all, and a profile
 * too large for a ConfigMap is refused before anything is sent (ProfileTooLarge), so the object is never half
 * written. The pod's ServiceAccount may get/update/patch this ConfigMap only (src/render/profile-access.ts).
 */
import type { KubeClient } from '../runtime/kube/client.js';
import { KubeApiError } from '../runtime/kube/errors.js';
import { builtin } from '../runtime/kube/resource.js';
import { CONFIGMAP_MAX_BYTES, METADATA_MARGIN_BYTES, profileToConfigMapData } from './configmap.js';
import { ProfileError } from './errors.js';
import type { DatasetProfile, ValidationFigures } from './types.js';

export const VALIDATION_KEY = 'validation.json';
/** The same names as src/render/profile-access.ts (the operator reads them back). */
export const PROFILE_VERSION_ANNOTATION = 'cairn.dev/profile-version';
export const PROFILE_JOB_ANNOTATION = 'cairn.dev/profile-job';
/** The field manager of the Job's write, apart from the operator's `cairn` (which owns the rest of the object). */
export const PROFILE_FIELD_MANAGER = 'cairn-profile';

/** What validation.json holds. */
export interface ProfileSummary extends ValidationFigures {
  rows: number;
}

export interface ConfigMapTarget {
  name: string;
  namespace: string;
  /** The Job writing, recorded so the operator knows which run this profile is. */
  job?: string;
}

/** The patch: data and annotations only; ProfileTooLarge when data would not fit beside the metadata. */
export function profilePatch(profile: DatasetProfile, validation: ValidationFigures, target: ConfigMapTarget): { metadata: { annotations: Record<string, string> }; data: Record<string, string> } {
  const summary: ProfileSummary = { rows: profile.rows, ...validation };
  const data = { ...profileToConfigMapData(profile), [VALIDATION_KEY]: JSON.stringify(summary) };
  const bytes = Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  const limit = CONFIGMAP_MAX_BYTES - METADATA_MARGIN_BYTES;
  if (bytes > limit) throw new ProfileError('ProfileTooLarge', `the profile and its figures are ${bytes} bytes, over the ${limit} bytes a ConfigMap can hold beside its metadata`);
  return { metadata: { annotations: { [PROFILE_VERSION_ANNOTATION]: profile.version, ...(target.job ? { [PROFILE_JOB_ANNOTATION]: target.job } : {}) } }, data };
}

export interface WriteOptions {
  /** Attempts for answers that may pass (403 while the RoleBinding propagates, 404 before the ConfigMap is seen, 5xx, no answer). */
  attempts?: number;
  delayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const mayPass = (err: unknown): boolean => err instanceof KubeApiError && (err.status === 0 || err.status === 403 || err.status === 404 || err.status === 429 || err.status >= 500);
const tooLarge = (err: unknown): boolean => err instanceof KubeApiError && (err.status === 413 || (err.status === 422 && /too long|too large|exceed/i.test(err.message)));

/** Writes the profile into the ConfigMap; throws ProfileError WriteFailed (or ProfileTooLarge) when it could not. */
export async function writeProfileConfigMap(kube: KubeClient, target: ConfigMapTarget, profile: DatasetProfile, validation: ValidationFigures, options: WriteOptions = {}): Promise<void> {
  const patch = profilePatch(profile, validation, target);
  const attempts = options.attempts ?? 6;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      await kube.patch(builtin.configMap, target.name, target.namespace, patch, { type: 'merge', fieldManager: PROFILE_FIELD_MANAGER });
      return;
    } catch (err) {
      if (tooLarge(err)) throw new ProfileError('ProfileTooLarge', `the API server refused the profile as too large: ${(err as Error).message}`);
      if (attempt >= attempts || !mayPass(err)) {
        throw new ProfileError('WriteFailed', `could not write ConfigMap ${target.namespace}/${target.name}: ${(err as Error).message}`);
      }
      await sleep((options.delayMs ?? 500) * 2 ** (attempt - 1));
    }
  }
}
