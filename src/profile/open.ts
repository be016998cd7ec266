/** Opens a local data file as a DataSource of its format (the I/O edge of the engine). */
import { createReadStream } from 'node:fs';
import { asyncBufferFromFile } from 'hyparquet';
import type { DataSource } from './chunks.js';
import { csvSource } from './csv.js';
import { jsonlSource } from './jsonl.js';
import { parquetSource } from './parquet.js';

export type DataFormat = 'csv' | 'parquet' | 'jsonl';

const CHUNK_BYTES = 1 << 20;

export async function openSource(path: string, format: DataFormat): Promise<DataSource> {
  if (format === 'parquet') return parquetSource(await asyncBufferFromFile(path));
  const open = () => createReadStream(path, { highWaterMark: CHUNK_BYTES });
  return format === 'csv' ? csvSource(open) : jsonlSource(open);
}
