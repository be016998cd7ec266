/**
 * Pure: from what a commit holds and what the source applied before, decide what to apply, what to
 * prune and what to record. The safety rules live here, where they are tested without a cluster:
 * a commit with any problem prunes nothing; an empty commit prunes nothing unless allowed.
 */
import type { Problem } from '../manifests/check.js';
import type { LoadedObject } from '../manifests/check.js';
import { desiredObject, type DesiredObject, type SourceRef } from './desired.js';

export interface InventoryEntry {
  kind: string;
  namespace?: string;
  name: string;
}

export interface SourceError {
  file: string;
  line?: number;
  message: string;
}

export interface SyncInput {
  source: SourceRef;
  revision: string;
  objects: readonly LoadedObject[];
  problems: readonly Problem[];
  previous: readonly InventoryEntry[];
  prune: boolean;
  allowEmpty: boolean;
}

export interface SyncPlan {
  apply: DesiredObject[];
  /** Objects to delete: applied before, gone from Git, and pruning is safe. */
  prune: InventoryEntry[];
  /** What the source owns after this sync: applied now, plus what was kept from before. */
  inventory: InventoryEntry[];
  errors: SourceError[];
  /** Why nothing was pruned although objects left Git; undefined when pruning ran or was not needed. */
  pruneBlocked?: string;
}

export function entryKey(e: InventoryEntry): string {
  return `${e.kind}/${e.namespace ?? ''}/${e.name}`;
}

function problemMessage(p: Problem): string {
  return [p.object, p.field, p.message].filter(Boolean).join(': ');
}

/** The objects of a revision as they will be applied, and the documents refused for their namespace. */
export interface DesiredSet {
  apply: DesiredObject[];
  errors: SourceError[];
}

/**
 * The desired objects of a revision: a pure function of the documents, the source and the revision, so a
 * caller may keep it for as long as those three stay the same (the controller does, per checkout).
 */
export function desiredSet(source: SourceRef, revision: string, objects: readonly LoadedObject[]): DesiredSet {
  const apply: DesiredObject[] = [];
  const errors: SourceError[] = [];
  for (const loaded of objects) {
    if (loaded.namespace !== undefined && loaded.namespace !== source.namespace) {
      // A GitSource writes only into its own namespace: that is the tenancy boundary.
      errors.push({ file: loaded.file, line: loaded.line, message: `${loaded.kind}/${loaded.name}: metadata.namespace: "${loaded.namespace}" differs from the GitSource's namespace "${source.namespace}"; not applied` });
      continue;
    }
    apply.push(desiredObject(loaded, source, revision));
  }
  return { apply, errors };
}

export function planSync(input: SyncInput, desired: DesiredSet = desiredSet(input.source, input.revision, input.objects)): SyncPlan {
  const errors: SourceError[] = input.problems.filter((p) => p.severity === 'error').map((p) => ({ file: p.file, line: p.line, message: problemMessage(p) }));
  errors.push(...desired.errors);
  const apply = desired.apply;
  const current: InventoryEntry[] = apply.map((o) => ({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name }));
  const currentKeys = new Set(current.map(entryKey));
  const gone = input.previous.filter((e) => !currentKeys.has(entryKey(e)));

  let pruneBlocked: string | undefined;
  // With pruning off, objects that left Git are released: kept in the cluster, dropped from the inventory.
  if (gone.length > 0 && input.prune) {
    if (errors.length > 0) pruneBlocked = `not pruning ${gone.length} object(s): the revision has ${errors.length} problem(s)`;
    else if (current.length === 0 && !input.allowEmpty) pruneBlocked = `not pruning ${gone.length} object(s): the revision has no objects at all; set spec.allowEmpty to allow it`;
  }
  const pruneNow = input.prune && gone.length > 0 && pruneBlocked === undefined;
  // Kept objects stay in the inventory so a later good revision can still prune them.
  const kept = pruneBlocked !== undefined ? gone : [];
  return {
    apply,
    prune: pruneNow ? gone : [],
    inventory: [...current, ...kept],
    errors,
    ...(pruneBlocked ? { pruneBlocked } : {}),
  };
}
