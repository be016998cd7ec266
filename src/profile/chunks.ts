/**
 * The boundary between the readers (csv.ts, jsonl.ts, parquet.ts) and the engine (engine.ts): a reader turns a
 * file into batches of column values already classified as values, nulls or invalid entries, so the engine never
 * sees bytes and a reader never computes statistics.
 */
import type { ColumnKind } from './types.js';

/** A column a scan reads, and the type its values must have. */
export interface ColumnRequest {
  name: string;
  type: ColumnKind;
}

interface ChunkBase {
  /** Rows in this chunk that held null (an empty csv field, JSON null or a missing key, a parquet null). */
  nulls: number;
  /** Rows whose value is not of the column's type. */
  invalid: number;
  /** Where the first invalid value of this chunk is (a 1-based line, or row for parquet), 0 when none. */
  firstInvalid: number;
  /** False when no row of this chunk had the column at all (jsonl: the key was absent everywhere). */
  present: boolean;
}

/** Numbers of a number or integer column: `values[0..length)` are the valid ones, in row order. */
export interface NumberChunk extends ChunkBase {
  kind: 'number';
  values: Float64Array;
  length: number;
}

/** Categories of a categorical or boolean column (booleans as "true" and "false"). */
export interface CategoryChunk extends ChunkBase {
  kind: 'category';
  values: string[];
  length: number;
}

export type ColumnChunk = NumberChunk | CategoryChunk;

/**
 * One batch: a chunk per requested column, in request order. A reader may leave a column out of a batch
 * (parquet reads one column at a time); each column's chunks still follow the rows in order.
 */
export type Batch = (ColumnChunk | undefined)[];

/**
 * One pass over a file: the batches of the requested columns. A reader may reuse a chunk's arrays once the next
 * batch is asked for, so a consumer copies what it keeps. Every column sees every row exactly once.
 */
export type Scan = (columns: ColumnRequest[]) => AsyncIterable<Batch>;

/** A data file opened for profiling. */
export interface DataSource {
  /** How positions are named in messages: csv and jsonl count lines, parquet counts rows. */
  unit: 'line' | 'row';
  /** The columns the file declares (csv header, parquet schema); undefined when only the rows tell (jsonl). */
  columns(): Promise<string[] | undefined>;
  scan: Scan;
}

/** Builds the chunks of one column for a reader, reusing its arrays between batches. */
export class ChunkBuilder {
  private numbers: Float64Array;
  private strings: string[] = [];
  length = 0;
  nulls = 0;
  invalid = 0;
  firstInvalid = 0;
  present = false;
  private readonly integer: boolean;

  constructor(
    readonly type: ColumnKind,
    capacity: number,
  ) {
    this.integer = type === 'integer';
    this.numbers = type === 'number' || type === 'integer' ? new Float64Array(capacity) : new Float64Array(0);
  }

  /** A parsed number; NaN or an infinity counts as invalid, a fraction in an integer column too. */
  number(value: number, position: number): void {
    if (value - value !== 0 || (this.integer && !Number.isInteger(value))) this.bad(position);
    else this.numbers[this.length++] = value;
  }

  category(value: string): void {
    this.strings[this.length++] = value;
  }

  null(): void {
    this.nulls++;
  }

  bad(position: number): void {
    if (this.invalid++ === 0) this.firstInvalid = position;
  }

  /** The chunk so far; the builder is reset and reuses its arrays for the next one. */
  take(): ColumnChunk {
    const base = { nulls: this.nulls, invalid: this.invalid, firstInvalid: this.firstInvalid, present: this.present, length: this.length };
    const chunk: ColumnChunk =
      this.type === 'number' || this.type === 'integer'
        ? { kind: 'number', values: this.numbers, ...base }
        : { kind: 'category', values: this.strings, ...base };
    this.length = 0;
    this.nulls = 0;
    this.invalid = 0;
    this.firstInvalid = 0;
    this.present = false;
    return chunk;
  }
}
