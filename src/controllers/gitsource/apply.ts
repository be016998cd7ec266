/**
 * The two writes of a sync: server-side apply of the desired objects that differ from the cluster, and
 * deletion of the objects that left Git. Failures are collected per object, never thrown, so one bad
 * object cannot stop the others.
 */
import type { DesiredObject } from '../../gitops/desired.js';
import { differsOnlyInRevision, isUpToDate, labels } from '../../gitops/desired.js';
import type { InventoryEntry, SourceError } from '../../gitops/plan.js';
import { describeError } from '../../runtime/errors.js';
import type { KubeClient } from '../../runtime/kube/client.js';
import type { KubeObject } from '../../runtime/kube/object.js';
import type { ResourceType } from '../../runtime/kube/resource.js';
import { cairnResource } from '../resources.js';

export interface WriteContext {
  kube: KubeClient;
  fieldManager: string;
  signal: AbortSignal;
  /** The live object from a cache (or undefined when absent). */
  live(res: ResourceType, name: string, namespace: string): unknown;
  /** The GitSource applying (the `cairn.dev/source` label it sets). */
  source: string;
  /** Whether a GitSource of this name exists in the namespace (the owner of an object labelled for it). */
  sourceExists(name: string): boolean;
}

export interface ApplyOutcome {
  /** Objects written (created or changed). */
  applied: number;
  unchanged: number;
  errors: SourceError[];
}

/** Where an object came from in Git, for error messages with file and line. */
export type Origin = (object: DesiredObject) => { file: string; line: number };

/** Applies in flight at once: enough to hide the API server's round trip, few enough not to crowd it. */
const applyConcurrency = 8;

export async function applyObjects(ctx: WriteContext, desired: readonly DesiredObject[], origin: Origin): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { applied: 0, unchanged: 0, errors: [] };
  const failures = new Map<number, string>();
  // What the commit changed goes first; objects whose only change is the revision annotation follow. A commit
  // that edits one object of a thousand has that object applied at once, not after the 999 others.
  const changed: number[] = [];
  const revisionOnly: number[] = [];
  desired.forEach((object, i) => {
    const live = ctx.live(cairnResource(object.kind), object.metadata.name, object.metadata.namespace) as { metadata?: { labels?: Record<string, string> } } | undefined;
    // Two sources declaring one object would take it from each other on every interval, and the one that
    // drops it would delete it under the other: the source that holds it keeps it until it lets go.
    const owner = live?.metadata?.labels?.[labels.source];
    if (owner !== undefined && owner !== ctx.source && ctx.sourceExists(owner)) {
      failures.set(i, `owned by GitSource "${owner}"; not applied (remove it from one of the two sources)`);
    } else if (isUpToDate(object, live)) {
      outcome.unchanged++;
    } else {
      (differsOnlyInRevision(object, live) ? revisionOnly : changed).push(i);
    }
  });
  const order = [...changed, ...revisionOnly];
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < order.length; n = next++) {
      const i = order[n]!;
      const object = desired[i]!;
      try {
        // force: Git is the source of truth for the fields it sets, even if someone edited them by hand.
        await ctx.kube.apply(cairnResource(object.kind), object, { fieldManager: ctx.fieldManager, force: true, signal: ctx.signal });
        outcome.applied++;
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        failures.set(i, describeError(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(applyConcurrency, order.length) }, worker));
  // Report failures in file order, whatever order the applies finished in.
  for (const [i, message] of [...failures].sort(([a], [b]) => a - b)) {
    const object = desired[i]!;
    const { file, line } = origin(object);
    outcome.errors.push({ file, line, message: `${object.kind}/${object.metadata.name}: apply failed: ${message}` });
  }
  return outcome;
}

export interface PruneOutcome {
  pruned: InventoryEntry[];
  /** Entries no longer owned by this source (relabelled by hand or by another source): released, not deleted. */
  released: InventoryEntry[];
  failed: InventoryEntry[];
  errors: SourceError[];
}

/** Deletes what left Git, but only objects that still carry this source's label. */
export async function pruneObjects(ctx: WriteContext, entries: readonly InventoryEntry[], sourceName: string): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { pruned: [], released: [], failed: [], errors: [] };
  for (const entry of entries) {
    let res: ResourceType;
    try {
      res = cairnResource(entry.kind);
    } catch {
      outcome.released.push(entry);
      continue;
    }
    const namespace = entry.namespace ?? '';
    type Live = { metadata?: { uid?: string; labels?: Record<string, string> } };
    let live = ctx.live(res, entry.name, namespace) as Live | undefined;
    if (!live) {
      // The cache may lag (a watch being re-established): ask before counting it gone, or an object this
      // source created a moment ago would leave the inventory while still in the cluster, never to be pruned.
      try {
        live = await ctx.kube.get<Live & KubeObject>(res, entry.name, namespace, { signal: ctx.signal });
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        outcome.failed.push(entry);
        outcome.errors.push({ file: '', message: `${entry.kind}/${entry.name}: prune failed: ${describeError(err)}` });
        continue;
      }
    }
    if (!live) {
      outcome.pruned.push(entry); // already gone
      continue;
    }
    if (live.metadata?.labels?.[labels.source] !== sourceName) {
      outcome.released.push(entry);
      continue;
    }
    try {
      // The uid precondition: never delete an object that was re-created under the same name meanwhile.
      const uid = live.metadata?.uid;
      await ctx.kube.delete(res, entry.name, namespace, { signal: ctx.signal, propagationPolicy: 'Background', ...(uid ? { preconditions: { uid } } : {}) });
      outcome.pruned.push(entry);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      outcome.failed.push(entry);
      outcome.errors.push({ file: '', message: `${entry.kind}/${entry.name}: prune failed: ${describeError(err)}` });
    }
  }
  return outcome;
}
