import type { KubeClient } from './client.js';
import { KubeApiError } from './errors.js';

/**
 * Wraps a client so that every write fails once the current signal aborts, and passes that signal to each
 * write so one in flight is cut off. `current` may be a getter: the manager's signal changes with each term of
 * leadership and is aborted while this replica is not the leader. Controllers get their client through this, bound to the leadership signal: after the
 * Lease is lost (or at shutdown), a reconcile still running cannot write anything, which is what makes "two
 * replicas never both act" hold even for slow reconciles. Reads and watches are not guarded.
 */
export function guardWrites(kube: KubeClient, current: AbortSignal | (() => AbortSignal)): KubeClient {
  const signalNow = (): AbortSignal => (typeof current === 'function' ? current() : current);
  const check = (): void => {
    if (signalNow().aborted) throw new KubeApiError(0, 'Aborted', 'Write refused: this controller is stopping (leadership lost or shutdown)');
  };
  const withSignal = <O extends { signal?: AbortSignal }>(opts: O | undefined): O => {
    const own = opts?.signal;
    const signal = signalNow();
    return { ...(opts ?? ({} as O)), signal: own ? AbortSignal.any([own, signal]) : signal };
  };
  return {
    get: (res, name, namespace, opts) => kube.get(res, name, namespace, opts),
    list: (res, opts) => kube.list(res, opts),
    watch: (res, opts, onEvent, onDone) => kube.watch(res, opts, onEvent, onDone),
    async create(res, obj, opts) {
      check();
      return kube.create(res, obj, withSignal(opts));
    },
    async replace(res, obj, opts) {
      check();
      return kube.replace(res, obj, withSignal(opts));
    },
    async apply(res, obj, opts) {
      check();
      return kube.apply(res, obj, withSignal(opts));
    },
    async applyStatus(res, obj, opts) {
      check();
      return kube.applyStatus(res, obj, withSignal(opts));
    },
    async patch(res, name, namespace, patch, opts) {
      check();
      return kube.patch(res, name, namespace, patch, withSignal(opts));
    },
    async delete(res, name, namespace, opts) {
      check();
      return kube.delete(res, name, namespace, withSignal(opts));
    },
  };
}
