/**
 * The profile of one Dataset version, kept after the Dataset moves on: `<dataset>-profile-<12 hex of the
 * sha256>`, a copy of what the profile Job wrote into `<dataset>-profile` for that version, owned by the Dataset.
 * A DriftMonitor compares live traffic with the profile of the data the stable model was trained on
 * (src/controllers/driftmonitor/baseline.ts), which may be an older version than the Dataset's current one, and
 * the serving pods count on that profile's bins; `<dataset>-profile` holds only the newest. Which snapshots stay
 * is chosen by src/controllers/dataset/snapshots.ts. Pure.
 */
import { RenderError } from './errors.js';
import { canonical } from './json.js';
import { childLabels } from './labels.js';
import { knownOwner, ownerReference, type OwnerObject } from './owner.js';
import type { ConfigMapObject } from './profile-access.js';

/** The annotation naming the Dataset version a snapshot holds the profile of (`sha256:<hex>`). */
export const SNAPSHOT_VERSION_ANNOTATION = 'cairn.dev/profile-version';
/** The label marking a ConfigMap as a version's snapshot (not the Dataset's current `<dataset>-profile`). */
export const SNAPSHOT_LABEL = 'cairn.dev/profile-snapshot';

const DIGEST_CHARS = 12;

/** `<dataset>-profile-<12 hex>` for a version `sha256:<hex>` (or bare hex). Throws a RenderError for anything else. */
export function profileSnapshotName(dataset: string, version: string): string {
  const hex = /^(?:sha256:)?([0-9a-f]{64})$/.exec(version)?.[1];
  if (!hex) throw new RenderError('InvalidValue', 'version', `a Dataset version is sha256:<64 hex>, not ${JSON.stringify(version.slice(0, 80))}`);
  const name = `${dataset}-profile-${hex.slice(0, DIGEST_CHARS)}`;
  if (name.length > 253) throw new RenderError('InvalidName', 'metadata.name', `the profile snapshot ${name.slice(0, 40)}... would be longer than 253 characters: shorten the Dataset's name`);
  return name;
}

/** The snapshot ConfigMap of `version` holding `data` (the profile Job's keys), owned by `dataset`. */
export function renderProfileSnapshot(dataset: OwnerObject, version: string, data: Readonly<Record<string, string>>): ConfigMapObject {
  const owner = knownOwner(dataset, { namespaced: true });
  const name = profileSnapshotName(dataset.metadata?.name ?? '', version);
  const normalized = version.startsWith('sha256:') ? version : `sha256:${version}`;
  return canonical(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: owner.namespace as string,
        labels: { ...childLabels(dataset, 'profile'), [SNAPSHOT_LABEL]: 'true' },
        annotations: { [SNAPSHOT_VERSION_ANNOTATION]: normalized },
        ownerReferences: [ownerReference(dataset)],
      },
      data: { ...data },
    } satisfies ConfigMapObject,
    'profileSnapshot',
  );
}
