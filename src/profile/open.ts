/** Opens a local data file as a DataSource of its format (the I/O edge of the engine). */
import type { Worker } from 'node:worker_threads';
import type { DataSource } from './chunks.js';
import { parquetLibrary, parquetSource } from './parquet.js';
import { workerSource } from './worker-source.js';

export type DataFormat = 'csv' | 'parquet' | 'jsonl';

/** `reader`: for csv and jsonl, a reader thread already starting (reader-thread.ts) for the first pass. */
export async function openSource(path: string, format: DataFormat, reader?: Worker): Promise<DataSource> {
  if (format === 'parquet') return parquetSource(await (await parquetLibrary()).hyparquet.asyncBufferFromFile(path));
  return workerSource(path, format, reader); // text is read in a thread of its own while the engine computes
}
