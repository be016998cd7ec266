/**
 * Label values that the API server accepts, made from any string (a name, a version, a kind).
 */
import { createHash } from 'node:crypto';

/** The longest label value the API server accepts. */
export const LABEL_VALUE_MAX_LENGTH = 63;

/** Hex digits of the hash that ends a shortened value: 32 bits, enough to keep names of one namespace apart. */
const HASH_LENGTH = 8;

/** The first hex digits of the SHA-256 of `value` (UTF-8): stable across runs, processes and versions. */
export function shortHash(value: string, length = HASH_LENGTH): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, length);
}

const invalidChar = /[^-_.A-Za-z0-9]/gu;
const nonAlnumStart = /^[^A-Za-z0-9]+/;
const nonAlnumEnd = /[^A-Za-z0-9]+$/;

/**
 * `value` made into a valid label value: at most 63 characters, [A-Za-z0-9] at both ends, [-_.A-Za-z0-9]
 * inside. Every other character (a space, `/`, `+`, anything beyond ASCII) becomes `-`, and what is not
 * alphanumeric is trimmed from both ends, so a value that was already valid comes back unchanged. A value
 * still longer than 63 is cut to 54 characters and ended with `-` and 8 hex digits of the SHA-256 of the
 * original, so two long names that share their first 54 characters still get different values. The result may
 * be empty (a valid label value) when `value` has no alphanumeric character. Idempotent:
 * `labelValue(labelValue(s)) === labelValue(s)`.
 */
export function labelValue(value: string): string {
  const cleaned = value.replace(invalidChar, '-').replace(nonAlnumStart, '').replace(nonAlnumEnd, '');
  if (cleaned.length <= LABEL_VALUE_MAX_LENGTH) return cleaned;
  const head = cleaned.slice(0, LABEL_VALUE_MAX_LENGTH - HASH_LENGTH - 1).replace(nonAlnumEnd, '');
  return `${head}-${shortHash(value)}`;
}
