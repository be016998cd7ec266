/**
 * The fast path of the csv reader for the common record: LF or CRLF, exactly the header's number of fields, and
 * quotes only around whole text fields on one line (`"Ho Chi Minh, D1"`, `"a ""b"""`). Fields are scanned and their
 * numbers parsed in the same sweep over the bytes, and the record is committed to the column builders only once it
 * is complete. Anything else (a quoted number, a line break inside quotes, a lone CR, a wrong field count, a blank
 * line) answers SLOW and the tokenizer reads the record instead (csv-tokenizer.ts), with its errors and their
 * lines; so both paths give the same values.
 */
import type { ChunkBuilder } from './chunks.js';
import type { CsvTokenizer } from './csv-tokenizer.js';
import type { Interner } from './intern.js';
import { parseDecimal } from './number-parse.js';

/** More bytes are needed to finish the record. */
export const NEED_MORE = -1;
/** The record is not a plain one: read it with the tokenizer. */
export const SLOW = -2;

export const NUMBER = 0;
export const CATEGORY = 1;
export const BOOLEAN = 2;

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPECIAL = new Uint8Array(256);
SPECIAL[COMMA] = SPECIAL[LF] = SPECIAL[CR] = SPECIAL[QUOTE] = 1;
/** Digits a 32-bit mantissa holds exactly. */
const MAX_INT_DIGITS = 9;
const POW10 = Float64Array.from({ length: MAX_INT_DIGITS + 1 }, (_, k) => 10 ** k);

export interface FastState {
  fields: number;
  /** For each field, the index of the requested column that reads it, or -1. */
  columnOf: Int32Array;
  /** For each requested column: NUMBER, CATEGORY or BOOLEAN. */
  kinds: Int8Array;
  builders: ChunkBuilder[];
  tokenizer: CsvTokenizer;
  interner: Interner;
  /** Scratch, one entry per field. */
  starts: Int32Array;
  ends: Int32Array;
  /** As the tokenizer's: 0 unquoted, 1 quoted, 2 quoted with doubled quotes inside. */
  quoting: Uint8Array;
  numbers: Float64Array;
  parseBoolean: (buf: Uint8Array, start: number, end: number) => 'true' | 'false' | undefined;
  /** What the last fastRecords did: records read, and why it stopped (NEED_MORE, SLOW, or 0: limit or end). */
  read: number;
  stop: number;
}

/**
 * Reads plain records from `pos` until `limit` of them, the end of the bytes, or a record that needs more bytes or
 * the tokenizer (s.stop says which); returns the position after the last one read. The hot loop lives in this small
 * function of its own: inside the reader's, whose rare paths kept deoptimizing it, it ran unoptimized for a while
 * after each of those (some 70 times per million rows).
 */
export function fastRecords(s: FastState, buf: Uint8Array, pos: number, final: boolean, limit: number): number {
  let read = 0;
  let stop = 0;
  while (read < limit && pos < buf.length) {
    const next = fastRecord(s, buf, pos, final);
    if (next < 0) {
      stop = next;
      break;
    }
    pos = next;
    read++;
  }
  s.read = read;
  s.stop = stop;
  return pos;
}

export function fastRecord(s: FastState, buf: Uint8Array, pos: number, final: boolean): number {
  const end = buf.length;
  const last = s.fields - 1;
  const { columnOf, kinds, starts, ends, quoting, numbers } = s;
  let p = pos;
  for (let f = 0; ; f++) {
    let start = p;
    let fieldEnd = -1;
    let quotes = 0;
    const column = columnOf[f]!;
    if (column >= 0 && kinds[column] === NUMBER) {
      let negative = false;
      if (p < end && buf[p] === 45) {
        negative = true;
        p++;
      }
      let mantissa = 0;
      let digits = 0;
      let dot = -1;
      let plain = true;
      // The mantissa is kept as a 32-bit integer (a multiply-add twice as fast as a double's): exact up to 9
      // digits; a longer number is read again by parseDecimal, so the value is the same.
      for (; p < end; p++) {
        const c = buf[p]!;
        const d = c - 48;
        if (d >>> 0 <= 9) {
          mantissa = (mantissa * 10 + d) | 0;
          digits++;
        } else if (c === 46 && dot < 0) dot = p;
        else if (SPECIAL[c] === 1) break;
        else plain = false;
      }
      if (p >= end && !final) return NEED_MORE;
      if (plain && digits > 0 && digits <= MAX_INT_DIGITS) {
        const value = dot < 0 || dot === p - 1 ? mantissa : mantissa / POW10[p - dot - 1]!;
        numbers[f] = negative ? -value : value;
      } else numbers[f] = p > start ? parseDecimal(buf, start, p) : 0;
    } else if (p < end && buf[p] === QUOTE) {
      // a quoted text field on one line: its value is the bytes between the quotes
      let q = p + 1;
      quotes = 1;
      for (;;) {
        while (q < end && buf[q] !== QUOTE && buf[q] !== LF) q++;
        if (q + 1 >= end) return final ? SLOW : NEED_MORE;
        if (buf[q] === LF) return SLOW; // the tokenizer counts the lines inside quotes
        if (buf[q + 1] !== QUOTE) break;
        quotes = 2;
        q += 2;
      }
      start = p + 1;
      fieldEnd = q;
      p = q + 1;
      const c = buf[p];
      if (c !== COMMA && c !== LF && c !== CR) return SLOW;
    } else {
      while (p < end && SPECIAL[buf[p]!] === 0) p++;
      if (p >= end && !final) return NEED_MORE;
    }
    starts[f] = start;
    ends[f] = fieldEnd < 0 ? p : fieldEnd;
    quoting[f] = quotes;
    let next: number;
    if (p >= end) {
      if (f !== last || p === pos) return SLOW;
      next = p;
    } else {
      const c = buf[p];
      if (c === COMMA) {
        if (f === last) return SLOW;
        p++;
        continue;
      }
      if (c === QUOTE || f !== last || p === pos) return SLOW;
      if (c === LF) next = p + 1;
      else if (p + 1 < end) {
        if (buf[p + 1] !== LF) return SLOW;
        next = p + 2;
      } else return final ? SLOW : NEED_MORE;
    }
    commit(s, buf, next !== p);
    return next;
  }
}

function commit(s: FastState, buf: Uint8Array, lineBreak: boolean): void {
  const t = s.tokenizer;
  t.recordLine = t.line;
  if (lineBreak) t.line++;
  const line = t.recordLine;
  const { columnOf, kinds, builders, starts, ends, quoting, numbers } = s;
  for (let f = 0; f < s.fields; f++) {
    const c = columnOf[f]!;
    if (c < 0) continue;
    const b = builders[c]!;
    const start = starts[f]!;
    const end = ends[f]!;
    if (start === end) {
      b.nulls++;
      continue;
    }
    const kind = kinds[c];
    if (kind === NUMBER) b.number(numbers[f]!, line);
    else if (kind === CATEGORY) b.category(s.interner.text(buf, start, end, quoting[f] === 2));
    else {
      const value = s.parseBoolean(buf, start, end);
      if (value === undefined) b.bad(line);
      else b.category(value);
    }
  }
}
