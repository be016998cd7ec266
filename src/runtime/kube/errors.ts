/** An error answer of the Kubernetes API server (a metav1.Status), or a transport failure before any answer. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    /** HTTP status; 0 when the request never got an answer (connection refused, aborted). */
    readonly status: number,
    /** The Status reason, e.g. NotFound, Conflict, AlreadyExists, Expired, Forbidden. */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function statusOf(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.status;
  const e = err as { statusCode?: unknown; code?: unknown } | undefined;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number') return e.code;
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
export const isAlreadyExists = (err: unknown): boolean => err instanceof KubeApiError && err.reason === 'AlreadyExists';
/** 410 Gone: a resourceVersion too old to watch from; relist. */
export const isGone = (err: unknown): boolean => statusOf(err) === 410;
