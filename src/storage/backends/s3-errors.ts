/**
 * S3 errors as storage errors, from the S3 error code and HTTP status only: the store's own message can echo
 * the request (a string to sign, a header), so it never reaches ours.
 */
import { StorageError } from '../errors.js';
import { networkError, shortCause } from '../net-errors.js';
import type { ErrorPhase } from '../types.js';

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'NoSuchUpload']);
const DENIED = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
  'AuthorizationHeaderMalformed',
  'AccountProblem',
  // versitygw answers an access key it does not know with 404 XAdminUserNotFound (AWS: 403 InvalidAccessKeyId)
  'XAdminUserNotFound',
]);
const INVALID = new Set(['InvalidBucketName', 'KeyTooLongError', 'InvalidObjectName']);
const TOO_LARGE = new Set(['EntityTooLarge', 'MaxMessageLengthExceeded']);

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

/** What the SDK's error says, as S3 sent it: the error code and the HTTP status, when there was an answer. */
function answer(error: unknown): { code: string | undefined; status: number | undefined } {
  const e = (error ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  // An answer without a body (HEAD) has no code: the SDK names it Unknown, or after the status (NotFound).
  const code = e.Code ?? (e.name && !['Error', 'S3ServiceException', 'Unknown'].includes(e.name) ? e.name : undefined);
  return { code, status };
}

export function s3Error(error: unknown, uri: string, phase: ErrorPhase, endpoint: string): StorageError {
  if (error instanceof StorageError) return error;
  const { code, status } = answer(error);
  // An error with an HTTP status is an answer from the store; without one, the network failed.
  if (status === undefined || status === 0) {
    return networkError(error, uri, phase, endpoint) ?? new StorageError('Unreachable', `Could not ${phase} ${uri} at ${endpoint}: ${shortCause(error)}`);
  }
  const tag = code ? `S3 ${code}, HTTP ${status}` : `HTTP ${status}`;
  if ((code && DENIED.has(code)) || status === 401 || status === 403) {
    return new StorageError('AccessDenied', `Access denied to ${uri} (${tag}): check the access key, the secret key and the region`);
  }
  if ((code && NOT_FOUND.has(code)) || status === 404) {
    const what = code === 'NoSuchBucket' ? `The bucket of ${uri} does not exist` : code === 'NoSuchUpload' ? `The upload of ${uri} no longer exists` : `${uri} does not exist`;
    return new StorageError('NotFound', `${what} (${tag})`);
  }
  if (code && INVALID.has(code)) return new StorageError('InvalidUri', `${endpoint} refused the name ${uri} (${tag})`);
  if ((code && TOO_LARGE.has(code)) || status === 413) return new StorageError('TooLarge', `${uri} is larger than ${endpoint} accepts (${tag})`);
  if (phase === 'transfer' || phase === 'write') {
    const interrupted = networkError(error, uri, phase, endpoint);
    if (interrupted && code === undefined) return interrupted;
  }
  return new StorageError('Unreachable', `${endpoint} failed to ${phase} ${uri} (${tag})`);
}
