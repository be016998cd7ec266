/**
 * Network failures as storage errors: a connection that could not be made is Unreachable; one that broke
 * after bytes started to flow (or while a write was under way) is Interrupted; a cancelled operation is
 * Interrupted too. Messages name the error code, never a raw multi-line message.
 */
import { StorageError } from './errors.js';
import type { ErrorPhase } from './types.js';

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed by the peer',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ERR_STREAM_PREMATURE_CLOSE: 'the connection closed early',
  UND_ERR_SOCKET: 'connection closed',
};

/** Codes that mean no connection was made: nothing was sent. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The error's code (also of its cause), if it has one. */
export function errorCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

function isAbort(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | undefined;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR';
}

function isTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'TimeoutError';
}

/** A short cause for a message: the code's meaning, else the first line of the message (at most 160 chars). */
export function shortCause(error: unknown): string {
  const code = errorCode(error);
  if (code !== undefined) return CAUSES[code] ? `${CAUSES[code]} (${code})` : code;
  if (isTimeout(error)) return 'timed out';
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split('\n')[0] ?? '').trim();
  return line.length > 160 ? `${line.slice(0, 160)}...` : line || 'unknown error';
}

/**
 * A network-level error as Unreachable or Interrupted; undefined when `error` does not look like one (the
 * backend then classifies it). `what` names the target, e.g. `s3://bucket/key`.
 */
export function networkError(error: unknown, what: string, phase: ErrorPhase, host?: string): StorageError | undefined {
  if (error instanceof StorageError) return error;
  if (isAbort(error)) return new StorageError('Interrupted', `The transfer of ${what} was cancelled`);
  const code = errorCode(error);
  const known = (code !== undefined && code in CAUSES) || isTimeout(error) || /socket hang up|aborted|premature close/i.test(String((error as Error)?.message));
  if (!known && phase !== 'transfer') return undefined;
  const neverConnected = code !== undefined && NEVER_CONNECTED.has(code);
  if (phase === 'transfer' || (phase === 'write' && !neverConnected)) {
    return new StorageError('Interrupted', `The transfer of ${what} was interrupted: ${shortCause(error)}`);
  }
  return new StorageError('Unreachable', `Could not reach ${host ?? 'the server'} for ${what}: ${shortCause(error)}`);
}
