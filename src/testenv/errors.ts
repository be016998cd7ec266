/** HTTP status of a @kubernetes/client-node ApiException (or any error with a numeric `code`). */
export function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * One line for an error: for API errors `HTTP <code>: <Status.message>` instead of client-node's multi-line
 * message with the raw body and all response headers.
 */
export function errorMessage(error: unknown): string {
  const code = statusCode(error);
  const body = (error as { body?: unknown } | undefined)?.body;
  if (code !== undefined && body !== undefined) {
    let message: string | undefined;
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string };
      message = parsed.message;
    } catch {
      message = String(body).slice(0, 300);
    }
    return `HTTP ${code}: ${message ?? 'no message'}`;
  }
  return error instanceof Error ? error.message : String(error);
}
