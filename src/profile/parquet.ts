/**
 * The parquet reader (hyparquet): one column at a time, one row group (or, when the file has an offset index,
 * one window of `windowRows` rows) at a time, so memory holds one decoded column range, never the file. A null
 * is null, and so is a float NaN (as pandas reads it). A row group whose column chunk is larger than
 * `maxChunkBytes` and that has no offset index to read it by pages is refused (ResourceLimit): write such files
 * with smaller row groups or with a page index.
 */
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ChunkBuilder, type Batch, type ColumnRequest, type DataSource } from './chunks.js';
import { ProfileError } from './errors.js';

export interface ParquetOptions {
  /** Rows per read when the file has an offset index. Default 65536. */
  windowRows?: number;
  /** The largest column chunk (compressed plus decoded) read at once without an offset index. Default 128 MiB. */
  maxChunkBytes?: number;
}

export function parquetSource(file: AsyncBuffer, options: ParquetOptions = {}): DataSource {
  let metadata: Promise<FileMetaData> | undefined;
  const meta = (): Promise<FileMetaData> => {
    metadata ??= parquetMetadataAsync(file).catch((error: unknown) => {
      throw new ProfileError('MalformedData', `parquet: ${(error as Error).message}`);
    });
    return metadata;
  };
  return {
    unit: 'row',
    columns: async () => parquetSchema(await meta()).children.map((child) => child.element.name),
    scan: (columns) => scanParquet(file, meta, columns, options),
  };
}

async function* scanParquet(file: AsyncBuffer, meta: () => Promise<FileMetaData>, requests: ColumnRequest[], options: ParquetOptions): AsyncGenerator<Batch> {
  const metadata = await meta();
  const windowRows = options.windowRows ?? 65536;
  const maxChunkBytes = options.maxChunkBytes ?? 128 << 20;
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    const chunks = requests.map((r) => group.columns.find((c) => c.meta_data?.path_in_schema[0] === r.name));
    const indexed = chunks.every((c) => c?.offset_index_offset !== undefined && c.offset_index_length !== undefined);
    const window = indexed ? windowRows : groupRows;
    if (!indexed) {
      for (let i = 0; i < requests.length; i++) {
        const m = chunks[i]?.meta_data;
        const bytes = m ? Number(m.total_compressed_size) + Math.max(Number(m.total_uncompressed_size), groupRows * 8) : 0;
        if (bytes > maxChunkBytes) {
          throw new ProfileError(
            'ResourceLimit',
            `parquet column ${requests[i]!.name}: a row group of ${groupRows} rows takes ${bytes} bytes to read, over the limit of ${maxChunkBytes}, and the file has no offset index to read it by pages; write it with smaller row groups or with a page index`,
          );
        }
      }
    }
    for (let from = 0; from < groupRows; from += window) {
      const rowStart = groupStart + from;
      const rowEnd = groupStart + Math.min(groupRows, from + window);
      for (let c = 0; c < requests.length; c++) {
        const request = requests[c]!;
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
  try {
    await parquetRead({
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
