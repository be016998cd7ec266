/**
 * The order in which a pod's containers start and stop, with native sidecars (init containers with
 * `restartPolicy: Always`, Kubernetes 1.29+), as pure decisions over a small view of each container.
 */

/** What the decisions need to know about one init container. */
export interface InitView {
  /** An init container with restartPolicy Always. */
  sidecar: boolean;
  /** A process of it runs now. */
  running: boolean;
  /** A process of it was ever launched (running, exited, or waiting to restart). */
  launched: boolean;
  /** Regular init container: its last run exited 0. */
  succeeded: boolean;
  /** Sidecar: a process of it has passed its startup probe (or had none) at least once. */
  everStarted: boolean;
}

export type InitAction = { kind: 'start'; index: number } | { kind: 'wait' } | { kind: 'done' };

/**
 * The next step of pod initialization: init containers run one at a time, in order. A regular one must exit 0
 * before the next starts (a failed one is restarted by the restart policy, or fails the pod); a sidecar must
 * be started (running, startup probe passed) once, and then keeps running beside the next ones. `done` means
 * the main containers may start.
 */
export function nextInitAction(init: readonly InitView[]): InitAction {
  for (const [index, c] of init.entries()) {
    if (c.sidecar ? c.everStarted : c.succeeded && !c.running) continue;
    if (!c.launched && !c.running) return { kind: 'start', index };
    return { kind: 'wait' };
  }
  return { kind: 'done' };
}

/**
 * The stages in which a pod's containers are stopped, as the kubelet does since 1.29: the main containers and
 * any regular init container together first, then the sidecars one at a time in reverse order, each after the
 * previous one has exited. Returns indexes into `init` and `main`.
 */
export function terminationStages(init: readonly Pick<InitView, 'sidecar'>[], mainCount: number): { init: number[]; main: number[] }[] {
  const first = { init: init.flatMap((c, i) => (c.sidecar ? [] : [i])), main: Array.from({ length: mainCount }, (_, i) => i) };
  const sidecars = init.flatMap((c, i) => (c.sidecar ? [i] : [])).reverse();
  return [first, ...sidecars.map((i) => ({ init: [i], main: [] }))];
}
