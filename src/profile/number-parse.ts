/**
 * Decimal numbers straight from the bytes of a text field, without making a string: `[+-]digits[.digits][e[+-]digits]`
 * (also `.5` and `5.`), surrounded by optional spaces or tabs. Up to 15 significant digits and a power of ten
 * within 22, the result is one correctly rounded division or product of two exact doubles (Clinger's fast path);
 * anything longer goes through Number(), which also rounds correctly. So every value equals what Python's float()
 * or numpy reads from the same text.
 */

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The common case in a few instructions: `[-]digits[.digits]` with at most 15 digits in all (leading zeros
 * included). Anything else goes to parseDecimal, so the result is the same.
 */
export function parsePlainDecimal(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = bytes[i] === 45;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let dot = -1;
  for (; i < end; i++) {
    const d = bytes[i]! - 48;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
    } else if (d === -2 && dot < 0) dot = i;
    else return parseDecimal(bytes, start, end);
  }
  if (digits === 0 || digits > 15) return parseDecimal(bytes, start, end);
  const value = dot < 0 || dot === end - 1 ? mantissa : mantissa / POW10[end - dot - 1]!;
  return negative ? -value : value;
}

/** The number in bytes[start, end), or NaN when the text is not a decimal number. */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  while (start < end && (bytes[start] === 32 || bytes[start] === 9)) start++;
  while (end > start && (bytes[end - 1] === 32 || bytes[end - 1] === 9)) end--;
  let i = start;
  let negative = false;
  if (i < end && (bytes[i] === 45 || bytes[i] === 43)) negative = bytes[i++] === 45;
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let scale = 0; // power of ten to apply
  let c: number;
  while (i < end && (c = bytes[i]!) >= 48 && c <= 57) {
    digits++;
    if (significant > 0 || c !== 48) {
      if (significant < 15) mantissa = mantissa * 10 + (c - 48);
      else scale++;
      significant++;
    }
    i++;
  }
  if (i < end && bytes[i] === 46) {
    i++;
    while (i < end && (c = bytes[i]!) >= 48 && c <= 57) {
      digits++;
      if (significant > 0 || c !== 48) {
        if (significant < 15) {
          mantissa = mantissa * 10 + (c - 48);
          scale--;
        }
        significant++;
      } else scale--;
      i++;
    }
  }
  if (digits === 0) return NaN;
  let exponent = 0;
  if (i < end && (bytes[i] === 101 || bytes[i] === 69)) {
    i++;
    let expNegative = false;
    if (i < end && (bytes[i] === 45 || bytes[i] === 43)) expNegative = bytes[i++] === 45;
    const first = i;
    while (i < end && (c = bytes[i]!) >= 48 && c <= 57) {
      if (exponent < 100000) exponent = exponent * 10 + (c - 48);
      i++;
    }
    if (i === first) return NaN;
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) return NaN;
  if (significant > 15) return slow(bytes, start, end);
  const power = scale + exponent;
  let value: number;
  if (mantissa === 0) value = 0;
  else if (power >= 0 && power <= 22) value = mantissa * POW10[power]!;
  else if (power < 0 && power >= -22) value = mantissa / POW10[-power]!;
  else return slow(bytes, start, end);
  return negative ? -value : value;
}

/** Number() of the same text (already checked to be a decimal number, so Number's extras never apply). */
function slow(bytes: Uint8Array, start: number, end: number): number {
  return Number(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1'));
}
