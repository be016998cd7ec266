/**
 * The GitSource controller: fetch the commit, load and validate its YAML with the code `cairn validate`
 * uses, server-side apply what changed, prune what left Git, write status once.
 *
 * It watches the six cairn.dev kinds it applies (by the `cairn.dev/source` label), so a hand edit of a
 * Git-managed object reverts at once (self-heal) from the checkout already on disk, without a fetch;
 * a fetch happens once per interval, on a spec change, or when a webhook asks for it.
 */
import { parseDuration } from '../../api/duration.js';
import type { GitSource, GitSourceStatus } from '../../api/kinds/index.js';
import { makeValidators } from '../../api/validate.js';
import { annotations, labels } from '../../gitops/desired.js';
import { credentialsFromSecret, GitError, type GitCredentials, type GitFetcher, type GitRef } from '../../gitops/git/index.js';
import { desiredSet, planSync, type DesiredSet, type InventoryEntry } from '../../gitops/plan.js';
import { checkTree, type CheckResult } from '../../manifests/check.js';
import { resolveInside } from '../../manifests/files.js';
import type { ControllerDeps, ControllerFactory } from '../../runtime/controller.js';
import { describeError } from '../../runtime/errors.js';
import type { InformerEvent } from '../../runtime/informer.js';
import { keyOf } from '../../runtime/keys.js';
import type { Frozen, KubeObject } from '../../runtime/kube/object.js';
import { builtin } from '../../runtime/kube/resource.js';
import { anyOf, generationChanged, metadataChanged } from '../../runtime/predicates.js';
import { kindController, KitReason, StalledError, WaitingError, type Scope } from '../kit/index.js';
import { cairnResource, cairnResources } from '../resources.js';
import { applyObjects, pruneObjects } from './apply.js';
import { GitSourceCondition, gitSourceConditions, GitSourceReason } from './reasons.js';
import { recordFetchFailure, recordSync, type SyncOutcome } from './status.js';

export const gitSourceResource = cairnResource('GitSource');

/** Annotation a webhook (or a person) sets to ask for a sync now: `kubectl annotate gitsource x cairn.dev/requestedAt=$(date +%s)`. */
export const requestedAtAnnotation = 'cairn.dev/requestedAt';

export interface GitSourceControllerOptions {
  fetcher: Pick<GitFetcher, 'checkout'>;
}

/** What the last fetch of a source produced, kept in memory between reconciles. */
interface Checkout {
  commit: string;
  path: string;
  revision: string;
  fetchedAtMs: number;
  /** The GitSource object it was fetched for: one deleted and re-created under the same name fetches anew. */
  uid: string | undefined;
  generation: number | undefined;
  requestedAt: string | undefined;
  loaded: CheckResult;
  /** The desired objects of this revision, built on the first sync and kept while the revision stays. */
  desired?: DesiredSet;
}

const defaultIntervalMs = 60_000;
/** `0s` would stop polling (a requeue after 0 is no requeue) and sub-second intervals hammer the Git host. */
const minIntervalMs = 1_000;

/** A duration field in ms, at least a second; `fallback` when absent (the CRD pattern makes a bad one unreachable). */
function durationMs(value: string | undefined, fallbackMs: number): number {
  let ms = fallbackMs;
  try {
    if (value !== undefined) ms = parseDuration(value);
  } catch {
    // keep the default rather than stall
  }
  return Math.max(ms, minIntervalMs);
}

/** The fetch interval of `spec.interval` (default 1m), at least a second. */
export const syncIntervalMs = (interval: string | undefined): number => durationMs(interval, defaultIntervalMs);

/** The deadline of one fetch, `spec.timeout` (default 60s). */
export const fetchTimeoutMs = (timeout: string | undefined): number => durationMs(timeout, 60_000);
/** A fetch is due once this share of the interval has passed (requeueAfter's jitter takes up to 10% off). */
const fetchDueFraction = 0.85;

type Source = GitSource & KubeObject & { metadata: { name: string }; status?: GitSourceStatus };

export function gitSourceController(options: GitSourceControllerOptions): ControllerFactory & { requestSync(namespace: string, name: string): void } {
  const checkouts = new Map<string, Checkout>();
  const forced = new Set<string>();
  const validators = makeValidators();

  const factory = (deps: ControllerDeps) => {
    const sources = deps.informers.for<Source>(gitSourceResource);
    const live = (res: (typeof cairnResources)[number], name: string, namespace: string) => deps.informers.for(res).get(name, namespace);

    /** Reads the Git credentials: a missing Secret is a dependency not ready yet, a malformed one a stall. */
    async function credentials(scope: Scope<Source>, intervalMs: number): Promise<GitCredentials | undefined> {
      const source = scope.object;
      const ref = source.spec.secretRef;
      if (!ref) return undefined;
      let secret: (KubeObject & { data?: Record<string, string> }) | undefined;
      try {
        secret = await deps.kube.get<KubeObject & { data?: Record<string, string> }>(builtin.secret, ref.name, source.metadata.namespace, { signal: scope.signal });
      } catch (err) {
        if (scope.signal.aborted) throw err;
        throw new WaitingError(KitReason.DependencyNotReady, `Could not read Secret ${ref.name}: ${describeError(err)}`, intervalMs);
      }
      if (!secret) throw new WaitingError(KitReason.DependencyNotReady, `Secret ${ref.name} not found`, intervalMs);
      const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
      try {
        return credentialsFromSecret(data);
      } catch (err) {
        throw new StalledError(KitReason.InvalidSpec, describeError(err));
      }
    }

    /**
     * Step 1: fetch the commit when due (first time, spec or uid change, a requested sync, the interval) and
     * load its files; otherwise keep the last checkout. A fetch failure sets FetchFailed and stops: the last
     * applied state stays. Stalls on a spec that can never work; waits on a missing Secret.
     */
    async function fetchRevision(scope: Scope<Source>): Promise<'stop' | void> {
      const { object: source, key } = scope;
      const intervalMs = syncIntervalMs(source.spec.interval);
      const previous = checkouts.get(key);
      const requestedAt = source.metadata.annotations?.[requestedAtAnnotation];
      const due =
        !previous ||
        forced.delete(key) ||
        previous.uid !== source.metadata.uid ||
        previous.generation !== source.metadata.generation ||
        previous.requestedAt !== requestedAt ||
        // The requeue comes up to 10% early (jitter, so sources spread out); count that as due.
        deps.clock.now() - previous.fetchedAtMs >= intervalMs * fetchDueFraction;
      if (!due) return;
      const creds = await credentials(scope, intervalMs);
      if (!deps.settings.allowFileUrls && /^file:/i.test(source.spec.url)) {
        throw new StalledError(KitReason.InvalidSpec, 'file:// URLs are refused unless the operator runs with --allow-file-urls (development only)');
      }
      let result;
      try {
        result = await options.fetcher.checkout({
          key,
          url: source.spec.url,
          ref: source.spec.ref as GitRef,
          credentials: creds,
          signal: scope.signal,
          timeoutMs: fetchTimeoutMs(source.spec.timeout),
        });
      } catch (err) {
        if (scope.signal.aborted) throw err;
        if (err instanceof GitError && err.reason === 'InvalidSpec') throw new StalledError(KitReason.InvalidSpec, err.message);
        recordFetchFailure(scope.conditions, err instanceof GitError ? err.reason : GitSourceReason.GitOperationFailed, err instanceof GitError ? err.message : describeError(err));
        return 'stop';
      }
      const path = source.spec.path ?? '.';
      let loaded: CheckResult;
      if (previous && previous.commit === result.commit && previous.path === path) {
        loaded = previous.loaded; // same commit, same path: the same documents, already validated
      } else {
        let root: string;
        try {
          root = await resolveInside(result.dir, path);
        } catch (err) {
          const message = `spec.path: ${describeError(err)} at ${result.revision}`;
          // A path that leaves the repository never works; one that is missing may appear in a later commit.
          if (/leaves the repository/.test(message)) throw new StalledError(KitReason.InvalidSpec, message);
          recordFetchFailure(scope.conditions, GitSourceReason.GitOperationFailed, message);
          return 'stop';
        }
        loaded = await checkTree(root, { validators, namespace: source.metadata.namespace });
      }
      const next: Checkout = { commit: result.commit, path, revision: result.revision, fetchedAtMs: deps.clock.now(), uid: source.metadata.uid, generation: source.metadata.generation, requestedAt, loaded };
      // The same documents at the same revision give the same desired objects: keep them rather than
      // rebuild (clone, label, digest) every object on each interval.
      if (previous?.desired && previous.loaded === loaded && previous.revision === result.revision) next.desired = previous.desired;
      checkouts.set(key, next);
    }

    /** Step 2: apply what differs from the checkout, prune what left Git (never when the revision has problems). */
    async function syncRevision(scope: Scope<Source>): Promise<void> {
      const { object: source } = scope;
      const fetched = checkouts.get(scope.key);
      if (!fetched) return; // unreachable: the fetch step stops without a checkout
      const outcome = await sync(source, source.metadata.namespace!, fetched, scope);
      recordSync(scope.status, scope.conditions, outcome);
      deps.metrics.gitRevision.set(source.metadata.namespace!, source.metadata.name, outcome.revision);
    }

    async function sync(source: Source, namespace: string, fetched: Checkout, scope: Scope<Source>): Promise<SyncOutcome> {
      const previous: InventoryEntry[] = (source.status?.inventory?.entries ?? []).map((e) => ({ kind: e.kind, namespace: e.namespace ?? namespace, name: e.name }));
      const ref = { name: source.metadata.name, namespace };
      fetched.desired ??= desiredSet(ref, fetched.revision, fetched.loaded.objects);
      const plan = planSync(
        {
          source: ref,
          revision: fetched.revision,
          objects: fetched.loaded.objects,
          problems: fetched.loaded.problems,
          previous,
          prune: source.spec.prune ?? true,
          allowEmpty: source.spec.allowEmpty ?? false,
        },
        fetched.desired,
      );
      const lines = new Map(fetched.loaded.objects.map((o) => [`${o.kind}/${o.name}`, o.line]));
      const writeCtx = {
        kube: deps.kube,
        fieldManager: deps.settings.fieldManager,
        signal: scope.signal,
        live,
        source: source.metadata.name,
        sourceExists: (name: string) => sources.get(name, namespace) !== undefined,
      };
      const applied = await applyObjects(writeCtx, plan.apply, (o) => ({ file: o.metadata.annotations[annotations.path] ?? '', line: lines.get(`${o.kind}/${o.metadata.name}`) ?? 0 }));
      const errors = [...plan.errors, ...applied.errors];
      let inventory = plan.inventory;
      let pruneBlocked = plan.pruneBlocked;
      let pruned = 0;
      if (plan.prune.length > 0 && applied.errors.length > 0) {
        pruneBlocked = `not pruning ${plan.prune.length} object(s): ${applied.errors.length} object(s) failed to apply`;
        inventory = [...inventory, ...plan.prune];
      } else if (plan.prune.length > 0) {
        const outcome = await pruneObjects(writeCtx, plan.prune, source.metadata.name);
        pruned = outcome.pruned.length;
        inventory = [...inventory, ...outcome.failed];
        errors.push(...outcome.errors);
        if (outcome.pruned.length > 0) scope.event('Normal', GitSourceReason.Pruned, `Pruned ${outcome.pruned.map((e) => `${e.kind}/${e.name}`).join(', ')}`);
      }
      if (applied.applied > 0 || pruned > 0) {
        scope.log.info({ revision: fetched.revision, applied: applied.applied, unchanged: applied.unchanged, pruned, problems: errors.length }, 'Synced GitSource');
      }
      return { revision: fetched.revision, inventory, errors, applied: applied.applied, unchanged: applied.unchanged, pruned, ...(pruneBlocked ? { pruneBlocked } : {}) };
    }

    /** A change of an object this source applied (a hand edit, a deletion) maps back to the source. */
    const ownedByLabel = (obj: Frozen<KubeObject>): string[] => {
      const name = obj.metadata?.labels?.[labels.source];
      return name ? [keyOf(obj.metadata?.namespace, name)] : [];
    };
    const specOrMetadataChanged = anyOf(generationChanged, metadataChanged) as (e: InformerEvent<KubeObject>) => boolean;

    return kindController<Source>(deps, {
      name: 'gitsource',
      resource: gitSourceResource,
      conditions: gitSourceConditions,
      steps: [fetchRevision, syncRevision],
      predicate: specOrMetadataChanged,
      watches: cairnResources.map((resource) => ({ resource, map: ownedByLabel, predicate: specOrMetadataChanged })),
      // Even a stall is looked at again each interval: it may come from the Secret (not watched) or from the
      // repository (a symlink a later commit removes), and a look costs a Secret read or a fetch at most.
      resyncAfterMs: (source) => syncIntervalMs(source.spec.interval),
      forget: (req) => {
        // What it applied stays (no finalizer prunes it): deleting a source object must never be able to delete
        // production by accident.
        forced.delete(req.key);
        if (checkouts.delete(req.key)) deps.log.info({ namespace: req.namespace, name: req.name }, 'GitSource deleted; the objects it applied stay in place');
        deps.metrics.gitRevision.delete(req.namespace ?? '', req.name);
      },
      after: (scope, outcome) => {
        const result = outcome === 'stalled' || outcome === 'waiting' || outcome === 'error' ? outcome : scope.conditions.get(GitSourceCondition.FetchFailed) ? 'fetchFailed' : scope.conditions.get(GitSourceCondition.ValidationFailed) ? 'synced' : 'success';
        deps.metrics.gitSyncDuration.observe({ namespace: scope.object.metadata.namespace ?? '', name: scope.object.metadata.name, result }, (deps.clock.now() - scope.startedAt) / 1000);
        scope.log.debug({ outcome: result, ...(scope.status.revision ? { revision: scope.status.revision } : {}) }, 'Reconciled GitSource');
      },
    });
  };

  return Object.assign(factory, {
    /** Fetch on the next reconcile of this source, whatever the interval (the webhook's trigger). */
    requestSync(namespace: string, name: string) {
      forced.add(keyOf(namespace, name));
    },
  });
}
