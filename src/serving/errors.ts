/**
 * Errors that become HTTP responses. Both protocols answer them as {"error": message}; the message names the
 * field (`inputs[0].shape`, `instances[2][1]`, `body`) so a client can fix its request without reading logs.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** 400: the request is malformed or does not match the model's signature. */
export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

/** Renders a value for an error message: short, JSON-like, never the whole payload. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return `${value}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}..."` : text;
}
