/**
 * applyChildren: makes the children of one owner (the Jobs of an Experiment, the ConfigMap of a Dataset's
 * profile) what the renderers say, with server-side apply, and deletes the owner's children that are no longer
 * desired. Only what differs is written: each child carries the digest of what Cairn applied (the same digest
 * the Git sync uses), so a reconcile with nothing to change makes no request. Failures are collected per child,
 * never thrown, so one bad child cannot stop the others; the caller turns them into a condition.
 */
import { createHash } from 'node:crypto';
import { annotations, digestOf, isSubset } from '../../gitops/desired.js';
import { describeError } from '../../runtime/errors.js';
import type { Cache } from '../../runtime/informer.js';
import type { KubeClient } from '../../runtime/kube/client.js';
import type { KubeObject } from '../../runtime/kube/object.js';
import { apiVersionOf, type ResourceType } from '../../runtime/kube/resource.js';
import { managedBySelector } from '../../render/index.js';

/**
 * The label selector of every child informer (src/render sets the label on every child): Cairn's children
 * only, so watching Jobs and Pods stays small on a busy cluster.
 */
export const childSelector = managedBySelector;

export interface ChildrenIO {
  kube: KubeClient;
  fieldManager: string;
  signal: AbortSignal;
  /** The informer cache of a child kind (selected by {@link childSelector}). */
  cache(res: ResourceType): Pick<Cache<KubeObject>, 'get' | 'list'>;
}

export interface Owner {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string };
}

export interface ChildError {
  kind: string;
  name: string;
  action: 'apply' | 'prune';
  message: string;
}

export interface ChildrenOutcome {
  /** Children created or changed. */
  applied: number;
  unchanged: number;
  pruned: number;
  errors: ChildError[];
}

export interface ApplyChildrenOptions {
  /**
   * Start the prunes and return without waiting for them; the outcome counts them neither as pruned nor as failed.
   * For a caller that leaves a failed prune to the next reconcile anyway (applyChildrenWithStatus): its key is then
   * not held for a DELETE's round trip, which a pod end queued behind it would wait for. A child whose delete is
   * still in flight is not deleted again.
   */
  detachPrunes?: boolean;
}

/** The uids of children whose detached delete is in flight. */
const pruning = new Set<string>();

/** Writes in flight at once: enough to hide the API server's round trip, few enough not to crowd it. */
const concurrency = 8;

const isControlledBy = (child: KubeObject, uid: string): boolean => (child.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);

/**
 * Applies `desired` (complete objects from src/render/, each with a controller ownerReference to `owner`) and
 * prunes the children of `owner`, among the kinds `kinds`, that are not desired. A desired object of a kind
 * outside `kinds`, or not controlled by `owner`, is an error for that child: pruning relies on both.
 */
export async function applyChildren(io: ChildrenIO, owner: Owner, desired: readonly KubeObject[], kinds: readonly ResourceType[], options: ApplyChildrenOptions = {}): Promise<ChildrenOutcome> {
  const outcome: ChildrenOutcome = { applied: 0, unchanged: 0, pruned: 0, errors: [] };
  const uid = owner.metadata?.uid;
  const namespace = owner.metadata?.namespace;
  if (!uid) throw new Error(`${owner.kind}/${owner.metadata?.name} has no uid: only an object read from the API server can own children`);
  const typeOf = (o: KubeObject) => kinds.find((k) => apiVersionOf(k) === o.apiVersion && k.kind === o.kind);
  const wanted = new Set<string>();
  const jobs: Array<() => Promise<void>> = [];
  for (const child of desired) {
    const res = typeOf(child);
    const name = child.metadata?.name ?? '';
    const fail = (message: string) => outcome.errors.push({ kind: child.kind ?? '', name, action: 'apply', message });
    if (!res) {
      fail(`${child.apiVersion}/${child.kind} is not among the child kinds of this controller`);
      continue;
    }
    wanted.add(`${res.kind}/${name}`);
    if (!isControlledBy(child, uid)) {
      fail(`has no controller ownerReference to ${owner.kind}/${owner.metadata?.name}`);
      continue;
    }
    if (res.namespaced && child.metadata?.namespace !== namespace) {
      fail(`is in namespace ${child.metadata?.namespace}, not its owner's (${namespace})`);
      continue;
    }
    const withDigest = stamped(child);
    const live = io.cache(res).get(name, namespace);
    if (upToDate(withDigest, live)) {
      outcome.unchanged++;
      continue;
    }
    jobs.push(async () => {
      try {
        // force: the operator owns every field it renders, even one someone edited by hand.
        await io.kube.apply(res, withDigest, { fieldManager: io.fieldManager, force: true, signal: io.signal });
        outcome.applied++;
      } catch (err) {
        if (io.signal.aborted) throw err;
        fail(`apply failed: ${describeError(err)}`);
      }
    });
  }
  for (const res of kinds) {
    for (const live of io.cache(res).list(namespace)) {
      const name = live.metadata?.name ?? '';
      if (wanted.has(`${res.kind}/${name}`) || !isControlledBy(live as KubeObject, uid)) continue;
      // The uid precondition: never delete a child re-created under the same name meanwhile.
      const childUid = live.metadata?.uid;
      const prune = () => io.kube.delete(res, name, namespace, { signal: io.signal, propagationPolicy: 'Background', ...(childUid ? { preconditions: { uid: childUid } } : {}) });
      if (options.detachPrunes) {
        if (childUid === undefined || pruning.has(childUid)) continue;
        pruning.add(childUid);
        // A failure is the next reconcile's to retry (the child is still in the cache then).
        void prune()
          .catch(() => undefined)
          .finally(() => pruning.delete(childUid));
        continue;
      }
      jobs.push(async () => {
        try {
          await prune();
          outcome.pruned++;
        } catch (err) {
          if (io.signal.aborted) throw err;
          outcome.errors.push({ kind: res.kind, name, action: 'prune', message: `prune failed: ${describeError(err)}` });
        }
      });
    }
  }
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) await jobs[i]!();
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  outcome.errors.sort((a, b) => (a.kind + a.name < b.kind + b.name ? -1 : 1));
  return outcome;
}

/**
 * The digests of rendered children, by a hash of their JSON text. A renderer gives the same object on every
 * reconcile (an Experiment re-renders each running trial's Job), and digestOf's sorted-key JSON, built in
 * JavaScript, cost several times the native JSON.stringify and hash. Cleared when full: at most this many entries
 * of 44 characters each.
 */
const digestMemo = new Map<string, string>();
const DIGEST_MEMO_ENTRIES = 4096;

function memoizedDigest(child: KubeObject): string {
  const key = createHash('sha256').update(JSON.stringify(child)).digest('base64');
  let digest = digestMemo.get(key);
  if (digest === undefined) {
    if (digestMemo.size >= DIGEST_MEMO_ENTRIES) digestMemo.clear();
    digest = digestOf(child);
    digestMemo.set(key, digest);
  }
  return digest;
}

/**
 * The stamped copy of each rendered object, by the object itself: a controller that keeps its rendered children
 * between reconciles (the Experiment's trial Jobs) hands the same object again and pays neither JSON nor hash.
 * Sound because a rendered child is never changed once handed to the kit.
 */
const stampedMemo = new WeakMap<KubeObject, KubeObject>();

/**
 * `child` carrying the digest of itself (without that annotation). A shallow copy: only the annotations are new,
 * the rest is shared with `child`, which neither the kit nor the API client changes. The same `child` object
 * gives the same copy.
 */
export function stamped(child: KubeObject): KubeObject {
  let copy = stampedMemo.get(child);
  if (copy === undefined) {
    const digest = memoizedDigest(child);
    copy = { ...child, metadata: { ...child.metadata, annotations: { ...(child.metadata?.annotations ?? {}), [annotations.digest]: digest } } };
    stampedMemo.set(child, copy);
  }
  return copy;
}

/**
 * The desired object each live child (a frozen informer cache entry, replaced, never changed, on an update) was
 * last found up to date with: the same pair gives the same answer without walking the object again.
 */
const verifiedMemo = new WeakMap<object, KubeObject>();

/**
 * Whether applying would change nothing: the live child carries the digest of the same desired object (no
 * field was dropped since) and still holds every desired value (nobody edited one by hand).
 */
export function upToDate(desired: KubeObject, live: unknown): boolean {
  if (!live || typeof live !== 'object') return false;
  if (verifiedMemo.get(live) === desired) return true;
  const liveDigest = (live as KubeObject).metadata?.annotations?.[annotations.digest];
  const same = liveDigest === desired.metadata?.annotations?.[annotations.digest] && isSubset(desired, live);
  if (same) verifiedMemo.set(live, desired);
  return same;
}
