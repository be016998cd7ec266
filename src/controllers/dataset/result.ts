/**
 * What a finished (or stuck) profile Job means for the Dataset, from observeJob's reading of it. Pure: the
 * controller turns the verdict into conditions and status. The fetch init container speaks for the file
 * (Verified), the profile container for its contents (Validated), anything else (out of memory, the deadline,
 * a failed write) is the Job's own failure and is retried with a new Job.
 */
import type { JobObservation } from '../../render/observe-job.js';
import { FETCH_CONTAINER } from '../../render/profile-job.js';
import { DatasetReason } from './reasons.js';

export interface Figures {
  nullFraction: Record<string, number>;
  outOfRange: Record<string, number>;
}

export type ProfileVerdict =
  /** Not finished: the pod is being scheduled or runs. */
  | { kind: 'running'; message: string }
  /** Not finished and not going to start by itself (ImagePullBackOff, Unschedulable...). */
  | { kind: 'stuck'; reason: string; message: string }
  /** Exit 0: the profile is in the ConfigMap (the controller checks it is this Job's). */
  | { kind: 'succeeded' }
  /** cairn fetch failed: Verified=False. `final`: the same input fails the same way (retried only on a spec change). */
  | { kind: 'unverified'; reason: string; message: string; final: boolean }
  /** cairn profile found the contents wrong: Verified=True, Validated=False, final. */
  | { kind: 'invalid'; reason: string; message: string; validation?: Figures }
  /** The Job failed otherwise: retried with a new Job. */
  | { kind: 'jobFailed'; reason: string; message: string };

/** cairn fetch's reasons (docs/contracts.md §1) -> the condition's, and whether trying again can help. */
const fetchReasons: Record<string, { reason: string; final: boolean }> = {
  ChecksumMismatch: { reason: DatasetReason.ChecksumMismatch, final: true },
  TooLarge: { reason: DatasetReason.SourceTooLarge, final: true },
  InvalidUri: { reason: 'InvalidSpec', final: true },
  NotFound: { reason: DatasetReason.SourceNotFound, final: false },
  AccessDenied: { reason: DatasetReason.AccessDenied, final: false },
  Unreachable: { reason: DatasetReason.SourceUnreachable, final: false },
  Interrupted: { reason: DatasetReason.SourceUnreachable, final: false },
};

/** cairn profile's reasons that judge the file itself (src/profile/errors.ts); WriteFailed is the Job's. */
const contentReasons = new Set<string>([
  DatasetReason.SchemaMismatch,
  DatasetReason.NullsOverLimit,
  DatasetReason.OutOfRange,
  DatasetReason.EmptyColumn,
  DatasetReason.MalformedData,
  DatasetReason.ReadFailed,
  DatasetReason.ProfileTooLarge,
  DatasetReason.ResourceLimit,
]);

interface Report {
  reason?: string;
  message?: string;
  validation?: Figures;
}

const isFigures = (v: unknown): v is Figures =>
  typeof v === 'object' && v !== null && typeof (v as Figures).nullFraction === 'object' && typeof (v as Figures).outOfRange === 'object';

/** The {reason, message} a cairn command left: its JSON termination message, else its last log line `cairn <cmd>: <Reason>: <message>`. */
function reportOf(observation: JobObservation): Report {
  if (observation.termination.state === 'ok') {
    const value = observation.termination.value as Record<string, unknown>;
    return {
      ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
      ...(typeof value.message === 'string' ? { message: value.message } : {}),
      ...(isFigures(value.validation) ? { validation: value.validation } : {}),
    };
  }
  const lines = (observation.message ?? '').trim().split('\n');
  for (const line of lines.reverse()) {
    const match = /^cairn [a-z]+: ([A-Z][A-Za-z]+): (.*)$/.exec(line.trim());
    if (match) return { reason: match[1], message: match[2] };
  }
  return {};
}

const describe = (observation: JobObservation): string =>
  [observation.reason, observation.exitCode !== undefined ? `exit code ${observation.exitCode}` : undefined, observation.message?.trim().split('\n').at(-1)].filter(Boolean).join(': ');

/** The verdict on a profile Job, from `observeJob(job, pods, { container: 'profile' })`. */
export function profileVerdict(observation: JobObservation, jobName: string): ProfileVerdict {
  if (observation.phase === 'Pending' || observation.phase === 'Running') {
    if (observation.phase === 'Pending' && observation.reason) {
      return { kind: 'stuck', reason: observation.reason, message: `Job ${jobName} cannot start: ${observation.message ?? observation.reason}` };
    }
    return { kind: 'running', message: `Job ${jobName} is ${observation.phase === 'Running' ? 'profiling the data' : 'starting'}` };
  }
  if (observation.phase === 'Succeeded') return { kind: 'succeeded' };
  const report = reportOf(observation);
  if (observation.container === FETCH_CONTAINER && observation.reason !== 'DeadlineExceeded') {
    const known = report.reason ? fetchReasons[report.reason] : undefined;
    const message = report.message ?? describe(observation);
    return known ? { kind: 'unverified', reason: known.reason, message, final: known.final } : { kind: 'unverified', reason: DatasetReason.FetchFailed, message: `cairn fetch failed: ${message}`, final: false };
  }
  if (report.reason && contentReasons.has(report.reason) && observation.reason !== 'DeadlineExceeded') {
    return { kind: 'invalid', reason: report.reason, message: report.message ?? report.reason, ...(report.validation ? { validation: report.validation } : {}) };
  }
  const named = (r: string | undefined) => (r !== undefined && /^[A-Z][A-Za-z]{0,63}$/.test(r) ? r : undefined);
  const reason = observation.reason === 'DeadlineExceeded' || observation.reason === 'OOMKilled' ? observation.reason : (named(report.reason) ?? DatasetReason.ProfileJobFailed);
  return { kind: 'jobFailed', reason, message: `Job ${jobName} failed: ${report.message ?? describe(observation)}` };
}
