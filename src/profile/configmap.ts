/**
 * The profile as the data of the ConfigMap `<dataset>-profile` (docs/contracts.md §4), checked to fit: the API
 * server refuses a ConfigMap whose data (keys and values) exceeds 1 MiB, and the object's metadata must fit
 * beside it, so the profile keeps a margin. Too large is a ProfileTooLarge error with the size, so nothing is
 * ever half written.
 */
import { ProfileError } from './errors.js';
import type { DatasetProfile } from './types.js';

/** The API server's limit on a ConfigMap's data. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** Left for the object's metadata (name, labels, owner reference, managed fields). */
export const METADATA_MARGIN_BYTES = 64 * 1024;
export const PROFILE_KEY = 'profile.json';

/** The profile's canonical text: compact JSON with the fields in contract order. */
export function profileJson(profile: DatasetProfile): string {
  return JSON.stringify(profile);
}

/** `{ 'profile.json': text }`, or ProfileTooLarge when key and text exceed 1 MiB less the metadata margin. */
export function profileToConfigMapData(profile: DatasetProfile): Record<string, string> {
  const text = profileJson(profile);
  const bytes = Buffer.byteLength(PROFILE_KEY) + Buffer.byteLength(text, 'utf8');
  const limit = CONFIGMAP_MAX_BYTES - METADATA_MARGIN_BYTES;
  if (bytes > limit) {
    throw new ProfileError(
      'ProfileTooLarge',
      `the profile is ${bytes} bytes, over the ${limit} bytes a ConfigMap can hold beside its metadata (${profile.features.length} features; long category names or many bins are the usual cause)`,
    );
  }
  return { [PROFILE_KEY]: text };
}
