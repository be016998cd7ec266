/** Opens a local data file as a DataSource of its format (the I/O edge of the engine). */
import { asyncBufferFromFile } from 'hyparquet';
import type { DataSource } from './chunks.js';
import { parquetSource } from './parquet.js';
import { workerSource } from './worker-source.js';

export type DataFormat = 'csv' | 'parquet' | 'jsonl';

export async function openSource(path: string, format: DataFormat): Promise<DataSource> {
  if (format === 'parquet') return parquetSource(await asyncBufferFromFile(path));
  return workerSource(path, format); // text is read in a thread of its own while the engine computes

}
