/**
 * An RFC 4180 record tokenizer over bytes: fields separated by commas, records by CRLF or LF, fields in double
 * quotes may hold commas, quotes (doubled) and line breaks. It finds field boundaries only; nothing is decoded
 * until a column needs it, so numbers are read straight from the bytes (number-parse.ts).
 *
 * Strict where RFC 4180 is: a quote inside an unquoted field, anything but a comma or a line break after a
 * closing quote, and a carriage return outside quotes that is not part of a CRLF are errors (csv-parse with its
 * default options refuses the first two as well). Lines are counted as an editor shows them (every LF, also
 * inside quoted fields), 1-based.
 *
 * Why not csv-parse: it is correct but reads about 8 MB/s here (8.5 s for the 70 MB of the 1M-row benchmark file,
 * where pandas reads, profiles and exits in under 2 s), and every field becomes a string. It stays the oracle the
 * tokenizer is tested against (tests/unit/profile/csv.test.ts, random RFC 4180 files cut at every chunk size).
 */

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;
/** 1 for the bytes that end an unquoted field's scan: comma, LF, CR, quote. */
const SPECIAL = new Uint8Array(256);
SPECIAL[COMMA] = SPECIAL[LF] = SPECIAL[CR] = SPECIAL[QUOTE] = 1;

export class CsvTokenizer {
  /** Field boundaries of the last record: bytes [starts[i], ends[i]). */
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** 0 unquoted, 1 quoted, 2 quoted with doubled quotes inside (to be undone when decoded). */
  quoting = new Uint8Array(64);
  /** Fields in the last record. */
  fields = 0;
  /** The line the last record started on. */
  recordLine = 0;
  /** The line the next record starts on. */
  line = 1;

  /**
   * Tokenizes the record that starts at `pos`. Returns the position after it (after its line break), or -1 when
   * the buffer ends inside it and more bytes may come (`final` false). Throws CsvSyntaxError.
   */
  next(buf: Uint8Array, pos: number, final: boolean): number {
    const end = buf.length;
    let p = pos;
    let lines = 0;
    let n = 0;
    for (;;) {
      if (n === this.starts.length) this.grow();
      if (p < end && buf[p] === QUOTE) {
        const start = p + 1;
        let escaped = false;
        let q = start;
        for (;;) {
          const close = buf.indexOf(QUOTE, q);
          if (close < 0) {
            if (!final) return -1;
            throw new CsvSyntaxError(this.line, 'a quoted field is not closed before the end of the file');
          }
          if (close + 1 < end && buf[close + 1] === QUOTE) {
            escaped = true;
            q = close + 2;
            continue;
          }
          if (close + 1 >= end && !final) return -1;
          for (let i = buf.indexOf(LF, start); i >= 0 && i < close; i = buf.indexOf(LF, i + 1)) lines++;
          this.starts[n] = start;
          this.ends[n] = close;
          this.quoting[n] = escaped ? 2 : 1;
          n++;
          p = close + 1;
          break;
        }
        if (p < end) {
          const c = buf[p];
          if (c === COMMA) {
            p++;
            continue;
          }
          if (c === LF) return this.done(n, p + 1, lines + 1);
          if (c === CR) {
            if (p + 1 < end && buf[p + 1] === LF) return this.done(n, p + 2, lines + 1);
            if (p + 1 >= end && !final) return -1;
          }
          throw new CsvSyntaxError(this.line + lines, 'a closing quote is followed by something other than a comma or a line break');
        }
        return this.done(n, p, lines);
      }
      const start = p;
      let c = 0;
      while (p < end && SPECIAL[(c = buf[p]!)] === 0) p++;
      if (p >= end) {
        if (!final) return -1;
        this.starts[n] = start;
        this.ends[n] = p;
        this.quoting[n] = 0;
        return this.done(n + 1, p, lines);
      }
      if (c === QUOTE) throw new CsvSyntaxError(this.line + lines, 'a quote inside an unquoted field (quote the whole field and double the quote)');
      if (c === CR) {
        if (p + 1 >= end && !final) return -1;
        if (!(p + 1 < end && buf[p + 1] === LF)) throw new CsvSyntaxError(this.line + lines, 'a carriage return outside quotes that does not end the line');
      }
      this.starts[n] = start;
      this.ends[n] = p;
      this.quoting[n] = 0;
      n++;
      if (c === COMMA) {
        p++;
        continue;
      }
      // LF, or CR LF
      return this.done(n, c === CR ? p + 2 : p + 1, lines + 1);
    }
  }

  private done(fields: number, next: number, lines: number): number {
    this.fields = fields;
    this.recordLine = this.line;
    this.line += lines;
    return next;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const quoting = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    quoting.set(this.quoting);
    Object.assign(this, { starts, ends, quoting });
  }
}
