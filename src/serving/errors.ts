/**
 * Errors that become HTTP responses. Both protocols answer them as {"error": message}; the message names the
 * field (`inputs[0].shape`, `instances[2][1]`, `body`) so a client can fix its request without reading logs.
 * A message quotes at most a short excerpt of the request (`quote`, `show`), and is cut at MAX_MESSAGE
 * characters whatever it holds: a 2 MB request never gets a 2 MB error back.
 */

/** Longest error message sent to a client, in characters. */
export const MAX_MESSAGE = 1024;
/** Longest excerpt of a client's string quoted in a message. */
const MAX_EXCERPT = 64;

export interface HttpErrorOptions {
  /** Close the connection after the answer (the rest of the body was not read). */
  close?: boolean;
  /** Seconds a client should wait before retrying (Retry-After, with 503). */
  retryAfterS?: number;
}

export class HttpError extends Error {
  readonly close: boolean;
  readonly retryAfterS: number | undefined;
  constructor(
    readonly status: number,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message);
    this.name = 'HttpError';
    this.close = options.close ?? false;
    this.retryAfterS = options.retryAfterS;
  }
}

/** 400: the request is malformed or does not match the model's signature. */
export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

/** A client's string as a JSON string literal, cut to a short excerpt (`"abc..."`). */
export function quote(text: string): string {
  return JSON.stringify(text.length > MAX_EXCERPT ? `${text.slice(0, MAX_EXCERPT - 3)}...` : text);
}

/** Renders a value for an error message: short, JSON-like, never the whole payload, never recursive. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return `${value}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return quote(value);
  return typeof value;
}
