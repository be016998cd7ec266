/** The Dataset's own conditions and reasons (the kit's are in src/controllers/kit/conditions.ts). */
import { kindConditions } from '../kit/index.js';

export const DatasetCondition = {
  /** True once the pinned file was fetched and its sha256 matched spec.source.sha256. */
  Verified: 'Verified',
  /** True once the file passed the schema and the quality gates and its profile was stored. */
  Validated: 'Validated',
} as const;

/** Ready, Reconciling, Stalled, then these: a file that is not the pinned one says more than its contents. */
export const datasetConditions = kindConditions({ type: DatasetCondition.Verified, polarity: 'positive' }, { type: DatasetCondition.Validated, polarity: 'positive' });

export const DatasetReason = {
  /** Ready=True: verified, validated and profiled. */
  Profiled: 'Profiled',
  ChecksumMatched: 'ChecksumMatched',
  GatesPassed: 'GatesPassed',
  /** Verified/Validated Unknown while the Job of a new version runs. */
  Profiling: 'Profiling',
  // Verified=False (cairn fetch's reasons, docs/contracts.md §1)
  ChecksumMismatch: 'ChecksumMismatch',
  SourceNotFound: 'SourceNotFound',
  AccessDenied: 'AccessDenied',
  SourceUnreachable: 'SourceUnreachable',
  SourceTooLarge: 'SourceTooLarge',
  FetchFailed: 'FetchFailed',
  // Validated=False (cairn profile's reasons, src/profile/errors.ts)
  SchemaMismatch: 'SchemaMismatch',
  NullsOverLimit: 'NullsOverLimit',
  OutOfRange: 'OutOfRange',
  EmptyColumn: 'EmptyColumn',
  MalformedData: 'MalformedData',
  ReadFailed: 'ReadFailed',
  ProfileTooLarge: 'ProfileTooLarge',
  ResourceLimit: 'ResourceLimit',
  // Ready=False from a thrown error (retried)
  ProfileJobFailed: 'ProfileJobFailed',
  ProfilePending: 'ProfilePending',
  ApplyFailed: 'ApplyFailed',
} as const;
