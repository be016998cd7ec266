/**
 * The histories the console keeps from its watches, because status holds only the present: a Deployment's
 * traffic split over time (status.stable / status.canary) and a DriftMonitor's scores per evaluation
 * (status.features at status.lastEvaluation). They start when the console starts and live in its memory only.
 */
import type { ConsoleObject, DriftPoint, EventRow, WeightPoint } from './model.js';

interface Track {
  version?: unknown;
  weight?: unknown;
  step?: unknown;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function track(t: Track | undefined): { version: number; weight: number; step?: number } | undefined {
  const version = num(t?.version);
  const weight = num(t?.weight);
  if (version === undefined || weight === undefined) return undefined;
  const step = num(t?.step);
  return { version, weight, ...(step !== undefined ? { step } : {}) };
}

/** The Deployment's split as observed at `at`; undefined before the controller wrote any. */
export function weightPointOf(deployment: ConsoleObject, at: string): WeightPoint | undefined {
  const status = deployment.status ?? {};
  const stable = track(status.stable as Track | undefined);
  const canary = track(status.canary as Track | undefined);
  const phase = typeof status.phase === 'string' ? status.phase : undefined;
  if (!stable && !canary && !phase) return undefined;
  return { at, ...(phase ? { phase } : {}), ...(stable ? { stable: { version: stable.version, weight: stable.weight } } : {}), ...(canary ? { canary } : {}) };
}

/** Whether two points show the same split and phase (then no new point is kept). */
export function sameWeights(a: WeightPoint | undefined, b: WeightPoint): boolean {
  if (!a) return false;
  return a.phase === b.phase && JSON.stringify([a.stable, a.canary]) === JSON.stringify([b.stable, b.canary]);
}

/** The DriftMonitor's last evaluation; undefined before its first. */
export function driftPointOf(monitor: ConsoleObject): DriftPoint | undefined {
  const status = monitor.status ?? {};
  if (typeof status.lastEvaluation !== 'string') return undefined;
  const features = Array.isArray(status.features) ? (status.features as Array<Record<string, unknown>>) : [];
  const samples = num(status.samples);
  return {
    at: status.lastEvaluation,
    ...(samples !== undefined ? { samples } : {}),
    features: features.flatMap((f) => {
      const score = num(f.score);
      const threshold = num(f.threshold);
      if (typeof f.name !== 'string' || score === undefined || threshold === undefined) return [];
      return [{ name: f.name, ...(typeof f.method === 'string' ? { method: f.method } : {}), score, threshold, drifted: f.drifted === true }];
    }),
  };
}

/** A core v1 Event as the API server serves it (an events.k8s.io Event's `regarding` is its `involvedObject`). */
export interface CoreEvent {
  metadata?: { name?: string; creationTimestamp?: string };
  involvedObject?: { apiVersion?: string; kind?: string; namespace?: string; name?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  eventTime?: string;
  lastTimestamp?: string;
  firstTimestamp?: string;
  series?: { count?: number; lastObservedTime?: string };
}

/** The Event as a row of its object's history (`Kind:namespace/name`); undefined for Events about other objects. */
export function eventRowOf(e: CoreEvent): { key: string; event: EventRow } | undefined {
  const about = e.involvedObject;
  if (!about?.apiVersion?.startsWith('cairn.dev/') || !about.kind || !about.name || !e.metadata?.name) return undefined;
  const at = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '';
  return {
    key: `${about.kind}:${about.namespace ?? ''}/${about.name}`,
    event: { name: e.metadata.name, at, type: e.type ?? 'Normal', reason: e.reason ?? '', message: e.message ?? '', count: e.series?.count ?? e.count ?? 1 },
  };
}
