/** The GitSource's own conditions and reasons (the kit's are in src/controllers/kit/conditions.ts). */
import { kindConditions } from '../kit/index.js';

export const GitSourceCondition = {
  /** True while the last fetch failed: the last applied revision stays in place. */
  FetchFailed: 'FetchFailed',
  /** True while the applied revision has problems: invalid documents, failed applies or prunes. */
  ValidationFailed: 'ValidationFailed',
} as const;

/** Ready, Reconciling, Stalled, then these in priority order: a failed fetch says more than an old revision's problems. */
export const gitSourceConditions = kindConditions(
  { type: GitSourceCondition.FetchFailed, polarity: 'negative' },
  { type: GitSourceCondition.ValidationFailed, polarity: 'negative' },
);

export const GitSourceReason = {
  /** Every document of the revision was applied (Ready=True). */
  Synced: 'Succeeded',
  GitOperationFailed: 'GitOperationFailed',
  AuthenticationFailed: 'AuthenticationFailed',
  DocumentsInvalid: 'DocumentsInvalid',
  ApplyFailed: 'ApplyFailed',
  PruneFailed: 'PruneFailed',
  Pruned: 'Pruned',
} as const;
