/**
 * Which profile snapshots a Dataset keeps (src/render/profile-snapshot.ts): the current version's, the
 * {@link KEPT_NEWEST} newest others, and every version a ModelVersion's lineage names (a stable model's drift
 * baseline must outlive any number of data commits). Pure over what the caches hold.
 */
import { PROFILE_KEY } from '../../profile/configmap.js';
import { profileSnapshotName, SNAPSHOT_LABEL, SNAPSHOT_VERSION_ANNOTATION } from '../../render/profile-snapshot.js';

/** Snapshots kept besides the current one and those a ModelVersion names: a rollback or two back. */
export const KEPT_NEWEST = 3;

export interface LiveSnapshot {
  name: string;
  version: string;
  /** creationTimestamp (RFC 3339): the newest are kept. */
  created: string;
  data: Record<string, string>;
}

export interface SnapshotInput {
  /** The Dataset's name. */
  dataset: string;
  /** The snapshots that exist now (ConfigMaps with the snapshot label, controlled by the Dataset). */
  live: readonly LiveSnapshot[];
  /** The current version's profile, once the Job wrote it: made into a snapshot when none exists. */
  current?: { version: string; data: Record<string, string> };
  /** Versions of this Dataset named by a ModelVersion's spec.lineage.dataset. */
  namedByModels: ReadonlySet<string>;
}

/** The snapshots to keep (or make): version and data each. Everything else of the Dataset's snapshots is pruned. */
export function keptSnapshots(input: SnapshotInput): Array<{ version: string; data: Record<string, string> }> {
  const kept = new Map<string, Record<string, string>>();
  if (input.current) {
    const existing = input.live.find((s) => s.version === input.current!.version);
    kept.set(input.current.version, existing?.data ?? input.current.data);
  }
  for (const s of input.live) if (input.namedByModels.has(s.version)) kept.set(s.version, s.data);
  const others = input.live.filter((s) => !kept.has(s.version)).sort((a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name));
  for (const s of others.slice(0, KEPT_NEWEST)) kept.set(s.version, s.data);
  return [...kept].map(([version, data]) => ({ version, data })).sort((a, b) => a.version.localeCompare(b.version));
}

type ConfigMapLike = { metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string }; data?: Record<string, string> };

/** A live ConfigMap as a snapshot, when it is one of `dataset`'s (its label, its version, its name) with a profile in it. */
export function asSnapshot(dataset: string, cm: ConfigMapLike): LiveSnapshot | undefined {
  const version = cm.metadata?.annotations?.[SNAPSHOT_VERSION_ANNOTATION];
  if (cm.metadata?.labels?.[SNAPSHOT_LABEL] !== 'true' || !version || cm.data?.[PROFILE_KEY] === undefined) return undefined;
  try {
    if (profileSnapshotName(dataset, version) !== cm.metadata.name) return undefined;
  } catch {
    return undefined;
  }
  return { name: cm.metadata.name, version, created: cm.metadata.creationTimestamp ?? '', data: { ...cm.data } };
}
