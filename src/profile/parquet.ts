/**
 * The parquet reader (hyparquet): one column at a time, `windowRows` rows at a time, so memory holds one decoded
 * window of one column, never the file or a whole row group. With an offset index hyparquet reads only the pages of
 * the window; without one it reads the column chunk's bytes once (cached while the windows of that chunk are read)
 * and decodes only the pages that overlap the window. A null is null, and so is a float NaN (as pandas reads it).
 * A column chunk whose compressed bytes exceed `maxChunkBytes`, in a file without an offset index, is refused
 * (ResourceLimit): write such files with smaller row groups or with a page index.
 */
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { ChunkBuilder, type Batch, type ColumnRequest, type DataSource } from './chunks.js';
import { ProfileError } from './errors.js';

export interface ParquetOptions {
  /** Rows decoded at once. Default 65536. */
  windowRows?: number;
  /** The largest compressed column chunk held at once, in a file without an offset index. Default 64 MiB. */
  maxChunkBytes?: number;
}

/**
 * hyparquet and its decompressors, loaded on first use: a csv or jsonl profile never needs them, and loading them
 * is about a tenth of a second of CPU at every start of `cairn profile`.
 */
export function parquetLibrary() {
  return (library ??= Promise.all([import('hyparquet'), import('hyparquet-compressors')]).then(([hyparquet, { compressors }]) => ({ hyparquet, compressors })));
}
let library: Promise<{ hyparquet: typeof import('hyparquet'); compressors: (typeof import('hyparquet-compressors'))['compressors'] }> | undefined;

export function parquetSource(source: AsyncBuffer, options: ParquetOptions = {}): DataSource {
  const file = lastSliceCached(source);
  let metadata: Promise<FileMetaData> | undefined;
  const meta = (): Promise<FileMetaData> => {
    metadata ??= parquetLibrary().then(({ hyparquet }) => hyparquet.parquetMetadataAsync(file)).catch((error: unknown) => {
      throw new ProfileError('MalformedData', `parquet: ${(error as Error).message}`);
    });
    return metadata;
  };
  return {
    unit: 'row',
    columns: async () => (await parquetLibrary()).hyparquet.parquetSchema(await meta()).children.map((child) => child.element.name),
    scan: (columns) => scanParquet(file, meta, columns, options),
  };
}

async function* scanParquet(file: AsyncBuffer, meta: () => Promise<FileMetaData>, requests: ColumnRequest[], options: ParquetOptions): AsyncGenerator<Batch> {
  const metadata = await meta();
  const windowRows = options.windowRows ?? 1 << 16;
  const maxChunkBytes = options.maxChunkBytes ?? 64 << 20;
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    const chunks = requests.map((r) => group.columns.find((c) => c.meta_data?.path_in_schema[0] === r.name));
    const indexed = chunks.every((c) => c?.offset_index_offset !== undefined && c.offset_index_length !== undefined);
    const window = windowRows;
    if (!indexed) {
      for (let i = 0; i < requests.length; i++) {
        const bytes = Number(chunks[i]?.meta_data?.total_compressed_size ?? 0);
        if (bytes > maxChunkBytes) {
          throw new ProfileError(
            'ResourceLimit',
            `parquet column ${requests[i]!.name}: a column chunk of ${bytes} bytes (a row group of ${groupRows} rows), over the limit of ${maxChunkBytes}, and the file has no offset index to read it by pages; write it with smaller row groups or with a page index`,
          );
        }
      }
    }
    // column by column, so that the cached bytes of a column chunk serve all its windows
    for (let c = 0; c < requests.length; c++) {
      const request = requests[c]!;
      for (let from = 0; from < groupRows; from += window) {
        const rowStart = groupStart + from;
        const rowEnd = groupStart + Math.min(groupRows, from + window);
        const builder = new ChunkBuilder(request.type, rowEnd - rowStart);
        builder.present = true;
        await readRange(file, metadata, request.name, rowStart, rowEnd, (data, firstRow) => classify(builder, data, firstRow));
        const batch: Batch = requests.map(() => undefined);
        batch[c] = builder.take();
        yield batch;
      }
    }
    groupStart += groupRows;
  }
}

/**
 * The file, with the last slice read kept: without an offset index every window of a column chunk asks for the
 * chunk's whole byte range, which is then read once per chunk instead of once per window.
 */
function lastSliceCached(file: AsyncBuffer): AsyncBuffer {
  let last: { start: number; end: number | undefined; data: Promise<ArrayBuffer> } | undefined;
  return {
    byteLength: file.byteLength,
    slice(start: number, end?: number) {
      if (last && last.start === start && last.end === end) return last.data;
      const data = Promise.resolve(file.slice(start, end));
      if (end !== undefined && end - start > 1 << 16) last = { start, end, data };
      return data;
    },
  };
}

/** Calls `use` with the decoded values of rows [rowStart, rowEnd) of one column, in order (possibly in pieces). */
async function readRange(
  file: AsyncBuffer,
  metadata: FileMetaData,
  column: string,
  rowStart: number,
  rowEnd: number,
  use: (data: ArrayLike<unknown>, firstRow: number) => void,
): Promise<void> {
  const pieces: { data: ArrayLike<unknown>; start: number }[] = [];
  const { hyparquet, compressors } = await parquetLibrary();
  try {
    await hyparquet.parquetRead({
      file,
      metadata,
      columns: [column],
      rowStart,
      rowEnd,
      useOffsetIndex: true,
      compressors,
      onChunk: ({ columnData, rowStart: start }) => pieces.push({ data: columnData, start }),
    });
  } catch (error) {
    if (error instanceof ProfileError) throw error;
    throw new ProfileError('MalformedData', `parquet column ${column}, rows ${rowStart + 1} to ${rowEnd}: ${(error as Error).message}`);
  }
  pieces.sort((a, b) => a.start - b.start);
  let next = rowStart;
  for (const { data, start } of pieces) {
    const from = Math.max(next, start) - start;
    const to = Math.min(rowEnd, start + data.length) - start;
    if (to <= from) continue;
    if (start + from !== next) throw new ProfileError('MalformedData', `parquet column ${column}: rows ${next + 1} to ${start + from} were not read`);
    use(from === 0 && to === data.length ? data : slice(data, from, to), start + from);
    next = start + to;
  }
  if (next !== rowEnd) throw new ProfileError('MalformedData', `parquet column ${column}: rows ${next + 1} to ${rowEnd} were not read`);
}

function slice(data: ArrayLike<unknown>, from: number, to: number): ArrayLike<unknown> {
  return Array.isArray(data) ? data.slice(from, to) : (data as unknown as Float64Array).subarray(from, to);
}

/** Classifies decoded parquet values into a chunk; `firstRow` is the 0-based row of data[0]. */
function classify(b: ChunkBuilder, data: ArrayLike<unknown>, firstRow: number): void {
  const numeric = b.type === 'number' || b.type === 'integer';
  if (numeric && (data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint32Array)) {
    for (let j = 0; j < data.length; j++) {
      const v = data[j]!;
      if (Number.isNaN(v)) b.null();
      else b.number(v, firstRow + j + 1);
    }
    return;
  }
  for (let j = 0; j < data.length; j++) {
    const v = data[j];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      b.null();
      continue;
    }
    const row = firstRow + j + 1;
    switch (b.type) {
      case 'number':
      case 'integer':
        if (typeof v === 'number') b.number(v, row);
        else if (typeof v === 'bigint') b.number(Number(v), row);
        else b.bad(row);
        break;
      case 'boolean':
        if (typeof v === 'boolean') b.category(v ? 'true' : 'false');
        else b.bad(row);
        break;
      case 'categorical':
        if (typeof v === 'string') b.category(v);
        else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') b.category(String(v));
        else b.bad(row);
    }
  }
}
