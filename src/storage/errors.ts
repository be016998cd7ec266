/**
 * Typed storage errors. `reason` is CamelCase and becomes a condition reason (docs/api.md); `message` says what
 * happened in one sentence, safe for status, Events and logs: it never holds a credential, a query string or a
 * stack trace.
 */
export type StorageErrorReason = 'ChecksumMismatch' | 'NotFound' | 'AccessDenied' | 'Unreachable' | 'TooLarge' | 'InvalidUri' | 'Interrupted';

export const STORAGE_ERROR_REASONS: readonly StorageErrorReason[] = ['ChecksumMismatch', 'NotFound', 'AccessDenied', 'Unreachable', 'TooLarge', 'InvalidUri', 'Interrupted'];

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly reason: StorageErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** The bytes read do not have the expected sha256. They were deleted (or never made visible). */
export class ChecksumMismatchError extends StorageError {
  override name = 'ChecksumMismatchError';
  constructor(
    readonly uri: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super('ChecksumMismatch', `sha256 of ${uri} is ${actual}, expected ${expected}; the bytes were discarded`);
  }
}

export function isStorageError(error: unknown, reason?: StorageErrorReason): error is StorageError {
  return error instanceof StorageError && (reason === undefined || error.reason === reason);
}

/** Any error as one line without a stack: a StorageError's message, else the error's own message. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
