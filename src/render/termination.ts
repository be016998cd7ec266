/**
 * The termination message contract (docs/contracts.md §1): a container ends by writing one JSON object of at most
 * 4 KiB to /dev/termination-log, e.g. `{"metrics": {"rmse": 0.43}}`; the kubelet copies it into the
 * container's terminated state.
 *
 * What the API server shows is not always what the container wrote. The kubelet reads at most the last 4096
 * bytes of the file, and its status manager then keeps at most the first 12288 / (containers + init
 * containers) bytes of each message: 4096 for up to three containers, 3072 for four. A message cut either way
 * arrives as exactly that many bytes of broken JSON, so broken JSON at the limit is reported as too large,
 * not as malformed. With FallbackToLogsOnError a failed container without a message gets the tail of its log
 * (at most 2048 bytes, 80 lines) instead: malformed, and the log is in `message`.
 */

/** The most a termination message may hold, in bytes of UTF-8. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;
/** What the kubelet's status manager shares among the termination messages of one pod. */
export const POD_TERMINATION_MESSAGES_MAX_BYTES = 12 * 1024;

export type TerminationMessage =
  /** A JSON object: the container's result. */
  | { state: 'ok'; value: unknown }
  /** No message, or only white space. */
  | { state: 'missing' }
  /** Not JSON, or JSON but not an object. */
  | { state: 'malformed'; error: string }
  /** Longer than the limit, or cut by the kubelet at its limit. */
  | { state: 'tooLarge'; bytes: number };

/**
 * The limit the kubelet applies to one termination message of a pod with `containers` containers and init
 * containers (undefined: unknown, 4096).
 */
export function terminationMessageLimit(containers?: number): number {
  if (containers === undefined || !Number.isSafeInteger(containers) || containers < 1) return TERMINATION_MESSAGE_MAX_BYTES;
  return Math.max(1, Math.min(TERMINATION_MESSAGE_MAX_BYTES, Math.floor(POD_TERMINATION_MESSAGES_MAX_BYTES / containers)));
}

/**
 * Parses a termination message as the API server reports it. `limit` is what the kubelet kept of it (see
 * terminationMessageLimit): unparsable text that reaches it was cut, so it is tooLarge. Never throws.
 */
export function parseTerminationMessage(message: unknown, limit = TERMINATION_MESSAGE_MAX_BYTES): TerminationMessage {
  if (typeof message !== 'string' || message.trim() === '') return { state: 'missing' };
  const bytes = Buffer.byteLength(message, 'utf8');
  if (bytes > TERMINATION_MESSAGE_MAX_BYTES) return { state: 'tooLarge', bytes };
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch (err) {
    if (bytes >= Math.min(limit, TERMINATION_MESSAGE_MAX_BYTES)) return { state: 'tooLarge', bytes };
    return { state: 'malformed', error: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { state: 'malformed', error: `not a JSON object but ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}` };
  }
  return { state: 'ok', value };
}
