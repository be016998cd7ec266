/**
 * The csv reader: the header names the columns; every following record is a row with exactly as many fields.
 * An empty field (quoted or not) is null; blank lines are skipped. Reads a fresh byte stream per pass and keeps
 * at most one input chunk plus one record (at most `maxRecordBytes`) in memory.
 */
import { ByteWindow } from './byte-window.js';
import { ChunkBuilder, type Batch, type ColumnRequest, type DataSource } from './chunks.js';
import { BOOLEAN, CATEGORY, fastRecords, NUMBER, SLOW, type FastState } from './csv-fast.js';
import { CsvSyntaxError, CsvTokenizer } from './csv-tokenizer.js';
import { malformedLine } from './errors.js';
import { Interner } from './intern.js';
import { parsePlainDecimal } from './number-parse.js';

/** Opens the file from its start; called once per pass. */
export type OpenBytes = () => AsyncIterable<Uint8Array>;

export interface TextReaderOptions {
  /** The longest record (csv) or line (jsonl) accepted, in bytes. Default 1 MiB. */
  maxRecordBytes?: number;
  /** Rows per batch. Default 8192. */
  batchRows?: number;
}

export const DEFAULT_MAX_RECORD_BYTES = 1 << 20;
const DEFAULT_BATCH_ROWS = 8192;
const decoder = new TextDecoder('utf-8');

export function csvSource(open: OpenBytes, options: TextReaderOptions = {}): DataSource {
  return {
    unit: 'line',
    columns: async () => {
      const pass = new CsvPass([], 1);
      for await (const _ of runPass(open, pass, options)) break;
      return pass.header ?? [];
    },
    scan: (columns) => scanCsv(open, columns, options),
  };
}

/**
 * One pass over a csv stream: tokenizes records, checks them against the header, and converts the fields of the
 * requested columns into chunks. With no requests it stops after the header.
 */
class CsvPass {
  readonly tokenizer = new CsvTokenizer();
  header: string[] | undefined;
  private readonly builders: ChunkBuilder[];
  private fieldOf: Int32Array | undefined;
  private kinds: Int8Array | undefined;
  private fast: FastState | undefined;
  private rows = 0;
  private bomChecked = false;
  private readonly interner = new Interner();

  constructor(
    private readonly requests: ColumnRequest[],
    private readonly batchRows: number,
  ) {
    this.builders = requests.map((r) => new ChunkBuilder(r.type, batchRows));
  }

  /**
   * Reads records from `pos` until the batch is full (returns with `full`), or no complete record is left.
   * Returns the position of the first unread byte.
   */
  read(buf: Uint8Array, pos: number, final: boolean): { pos: number; full: boolean } {
    if (!this.bomChecked) {
      if (buf.length - pos < 3 && !final) return { pos, full: false };
      if (buf[pos] === 0xef && buf[pos + 1] === 0xbb && buf[pos + 2] === 0xbf) pos += 3;
      this.bomChecked = true;
    }
    const t = this.tokenizer;
    while (pos < buf.length) {
      if (this.fast) {
        const fast = this.fast;
        pos = fastRecords(fast, buf, pos, final, this.batchRows - this.rows);
        this.rows += fast.read;
        if (this.rows === this.batchRows) return { pos, full: true };
        if (fast.stop !== SLOW) break; // NEED_MORE, or the end of the bytes
      }
      let next: number;
      try {
        next = t.next(buf, pos, final);
      } catch (error) {
        if (error instanceof CsvSyntaxError) throw malformedLine('csv', error.line, error.message);
        throw error;
      }
      if (next < 0) break;
      pos = next;
      if (t.fields === 1 && t.starts[0] === t.ends[0] && t.quoting[0] === 0) continue; // a blank line
      if (this.header === undefined) {
        this.header = [];
        for (let i = 0; i < t.fields; i++) this.header.push(fieldText(buf, t, i));
        if (this.requests.length === 0) return { pos, full: true };
        this.start(this.header);
        continue;
      }
      if (t.fields !== this.header.length) {
        throw malformedLine('csv', t.recordLine, `expected ${this.header.length} fields as in the header, got ${t.fields}`);
      }
      this.convert(buf);
      if (++this.rows === this.batchRows) return { pos, full: true };
    }
    return { pos, full: false };
  }

  /** The chunks of the rows read since the last call. */
  take(): Batch {
    this.rows = 0;
    return this.builders.map((b) => {
      const chunk = b.take();
      b.present = true;
      return chunk;
    });
  }

  get pending(): number {
    return this.rows;
  }

  private start(header: string[]): void {
    this.fieldOf = Int32Array.from(this.requests, (r) => header.indexOf(r.name));
    this.kinds = Int8Array.from(this.requests, (r) => (r.type === 'number' || r.type === 'integer' ? NUMBER : r.type === 'categorical' ? CATEGORY : BOOLEAN));
    const columnOf = new Int32Array(header.length).fill(-1);
    this.fieldOf.forEach((field, column) => (columnOf[field] = column));
    const fields = header.length;
    this.fast = {
      fields,
      columnOf,
      kinds: this.kinds,
      builders: this.builders,
      tokenizer: this.tokenizer,
      interner: this.interner,
      starts: new Int32Array(fields),
      ends: new Int32Array(fields),
      quoting: new Uint8Array(fields),
      numbers: new Float64Array(fields),
      parseBoolean,
      read: 0,
      stop: 0,
    };
    const missing = this.requests.filter((_, i) => this.fieldOf![i]! < 0);
    if (missing.length) throw new Error(`internal: csv columns missing from the header: ${missing.map((r) => r.name).join(', ')}`);
    for (const b of this.builders) b.present = true;
  }

  private convert(buf: Uint8Array): void {
    const t = this.tokenizer;
    const { starts, ends, quoting } = t;
    const fieldOf = this.fieldOf!;
    const kinds = this.kinds!;
    const line = t.recordLine;
    for (let c = 0; c < this.builders.length; c++) {
      const b = this.builders[c]!;
      const f = fieldOf[c]!;
      const start = starts[f]!;
      const end = ends[f]!;
      if (start === end) {
        b.nulls++;
        continue;
      }
      const kind = kinds[c]!;
      if (kind === NUMBER) {
        if (quoting[f] === 2) b.bad(line);
        else b.number(parsePlainDecimal(buf, start, end), line);
      } else if (kind === CATEGORY) {
        b.category(this.interner.text(buf, start, end, quoting[f] === 2));
      } else {
        const value = parseBoolean(buf, start, end);
        if (value === undefined) b.bad(line);
        else b.category(value);
      }
    }
  }
}

/** Runs a pass over the stream, yielding each full batch (and the last, partial one). */
async function* runPass(open: OpenBytes, pass: CsvPass, options: TextReaderOptions): AsyncGenerator<Batch> {
  const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const window = new ByteWindow();
  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0;
  for await (const chunk of open()) {
    buf = window.next(pos, chunk);
    pos = 0;
    for (;;) {
      const step = pass.read(buf, pos, false);
      pos = step.pos;
      if (!step.full) break;
      yield pass.take();
    }
    if (buf.length - pos > max) throw malformedLine('csv', pass.tokenizer.line, `a record is longer than ${max} bytes`);
  }
  buf = buf.subarray(pos);
  pos = 0;
  for (;;) {
    const step = pass.read(buf, pos, true);
    pos = step.pos;
    if (!step.full) break;
    yield pass.take();
  }
  if (pass.header === undefined) throw malformedLine('csv', 1, 'the file has no header');
  if (pass.pending > 0) yield pass.take();
}

/** The text of field i of the tokenizer's record, unquoted. */
export function fieldText(buf: Uint8Array, t: CsvTokenizer, i: number): string {
  const text = decoder.decode(buf.subarray(t.starts[i], t.ends[i]));
  return t.quoting[i] === 2 ? text.replaceAll('""', '"') : text;
}

async function* scanCsv(open: OpenBytes, requests: ColumnRequest[], options: TextReaderOptions): AsyncGenerator<Batch> {
  const pass = new CsvPass(requests, options.batchRows ?? DEFAULT_BATCH_ROWS);
  yield* runPass(open, pass, options);
}

const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];

/** true/false in any case, or 1/0; undefined otherwise. */
export function parseBoolean(buf: Uint8Array, start: number, end: number): 'true' | 'false' | undefined {
  const n = end - start;
  if (n === 1) return buf[start] === 49 ? 'true' : buf[start] === 48 ? 'false' : undefined;
  const word = n === 4 ? TRUE : n === 5 ? FALSE : undefined;
  if (word === undefined) return undefined;
  for (let i = 0; i < n; i++) if ((buf[start + i]! | 0x20) !== word[i]) return undefined;
  return n === 4 ? 'true' : 'false';
}
