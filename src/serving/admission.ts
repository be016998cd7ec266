/**
 * Admission of inference requests, decided before a body is read, so that overload costs a few bytes of
 * answer rather than a read, a parse and a validation thrown away. Two budgets:
 * - requests admitted at once (being read, parsed, waiting for a run or running): `maxRequests`;
 * - body bytes held at once across all of them: `maxBufferedBytes`. A declared Content-Length is reserved
 *   whole at admission; a chunked body reserves as its bytes arrive.
 * Over either budget the answer is 503 with Retry-After: a retry can pass once others finish. The limits never
 * refuse a request that could never pass (the CLI keeps maxBufferedBytes >= the body limit).
 *
 * A shed request that has a body gets `Connection: close` and its socket is closed after the answer: to keep
 * the connection, Node would read and throw away the whole body first, and clients that retry 503s at once
 * (closed loops of 5,000-row requests) then spent the server's time on bodies it never used (bench:serve:
 * 29 ms of server CPU per answered request under 2x overload, against 11 ms at capacity). Closed, the kernel
 * drops the unread bytes and the client pays a reconnect before its retry.
 */
import { HttpError } from './errors.js';

export interface AdmissionLimits {
  /** Inference requests admitted at once. */
  maxRequests: number;
  /** Request body bytes held at once. */
  maxBufferedBytes: number;
}

/** Seconds a shed client is told to wait (Retry-After): the order of a batch's run under load. */
export const RETRY_AFTER_S = 1;

function overloaded(what: string, close: boolean): HttpError {
  return new HttpError(503, `overloaded: ${what}; retry later`, { retryAfterS: RETRY_AFTER_S, close });
}

/** One admitted request's hold on the budgets; release it once its response is done. */
export class Ticket {
  private reserved = 0;
  private released = false;

  constructor(private readonly admission: Admission) {}

  /** Bytes of body this request holds. */
  get bytes(): number {
    return this.reserved;
  }

  /** Reserves `bytes` more of body; throws 503 over the budget (the rest of the body is never read: close). */
  reserve(bytes: number): void {
    if (!this.admission.take(bytes)) {
      const { bufferedBytes, limits } = this.admission;
      throw overloaded(`the request bodies being read hold ${bufferedBytes} bytes, the limit is ${limits.maxBufferedBytes}`, true);
    }
    this.reserved += bytes;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.admission.give(this.reserved);
    this.reserved = 0;
  }
}

export class Admission {
  requests = 0;
  bufferedBytes = 0;

  constructor(readonly limits: AdmissionLimits) {}

  /**
   * Admits a request whose body declares `declaredBytes` (undefined when chunked), reserving them; throws 503
   * when a budget is spent, closing the connection unless the request has no body (Content-Length: 0).
   */
  admit(declaredBytes: number | undefined): Ticket {
    if (this.requests >= this.limits.maxRequests) {
      throw overloaded(`${this.requests} inference requests in progress, the limit is ${this.limits.maxRequests}`, declaredBytes !== 0);
    }
    const ticket = new Ticket(this);
    this.requests++;
    if (declaredBytes !== undefined && declaredBytes > 0) {
      try {
        ticket.reserve(declaredBytes);
      } catch (err) {
        ticket.release();
        throw err;
      }
    }
    return ticket;
  }

  /** @internal */
  take(bytes: number): boolean {
    if (this.bufferedBytes + bytes > this.limits.maxBufferedBytes) return false;
    this.bufferedBytes += bytes;
    return true;
  }

  /** @internal (also ends the request's admission) */
  give(bytes: number): void {
    this.bufferedBytes -= bytes;
    this.requests--;
  }
}
