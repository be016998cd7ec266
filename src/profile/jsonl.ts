/**
 * The jsonl reader: one JSON object per line (LF or CRLF), blank lines skipped. A key that is absent or null is
 * null; a column that no line has is missing. Numbers must be JSON numbers, booleans JSON booleans; a categorical
 * value may be a string, a number or a boolean (its JSON text). A line longer than `maxRecordBytes`, or one that is
 * not a JSON object, is an error naming its line.
 */
import { ChunkBuilder, type Batch, type ColumnRequest, type DataSource } from './chunks.js';
import { DEFAULT_MAX_RECORD_BYTES, type OpenBytes, type TextReaderOptions } from './csv.js';
import { malformedLine } from './errors.js';

const decoder = new TextDecoder('utf-8');

export function jsonlSource(open: OpenBytes, options: TextReaderOptions = {}): DataSource {
  return { unit: 'line', columns: async () => undefined, scan: (columns) => scanJsonl(open, columns, options) };
}

async function* scanJsonl(open: OpenBytes, requests: ColumnRequest[], options: TextReaderOptions): AsyncGenerator<Batch> {
  const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const batchRows = options.batchRows ?? 8192;
  const builders = requests.map((r) => new ChunkBuilder(r.type, batchRows));
  let line = 0;
  let rows = 0;
  let rest: Uint8Array = new Uint8Array(0);
  const take = (): Batch => {
    rows = 0;
    return builders.map((b) => b.take());
  };
  const handle = (bytes: Uint8Array): void => {
    line++;
    if (bytes.length > max) throw malformedLine('jsonl', line, `the line is longer than ${max} bytes`);
    const text = decoder.decode(bytes);
    if (text.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw malformedLine('jsonl', line, `not JSON: ${(error as Error).message}`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw malformedLine('jsonl', line, 'not a JSON object');
    const record = row as Record<string, unknown>;
    for (let c = 0; c < builders.length; c++) convert(builders[c]!, requests[c]!.name, record, line);
    rows++;
  };
  for await (const chunk of open()) {
    const buf: Uint8Array = rest.length > 0 ? concat(rest, chunk) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      handle(buf.subarray(start, nl));
      start = nl + 1;
      if (rows === batchRows) yield take();
    }
    rest = buf.subarray(start);
    if (rest.length > max) throw malformedLine('jsonl', line + 1, `the line is longer than ${max} bytes`);
  }
  if (rest.length > 0) handle(rest);
  if (rows > 0 || line === 0) yield take();
}

function convert(b: ChunkBuilder, name: string, record: Record<string, unknown>, line: number): void {
  if (!Object.hasOwn(record, name)) {
    b.null();
    return;
  }
  b.present = true;
  const value = record[name];
  if (value === null) {
    b.null();
    return;
  }
  switch (b.type) {
    case 'number':
    case 'integer':
      if (typeof value === 'number') b.number(value, line);
      else b.bad(line);
      return;
    case 'boolean':
      if (typeof value === 'boolean') b.category(value ? 'true' : 'false');
      else b.bad(line);
      return;
    case 'categorical':
      if (typeof value === 'string') b.category(value);
      else if (typeof value === 'number' || typeof value === 'boolean') b.category(String(value));
      else b.bad(line);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
