/**
 * Batches across a thread boundary (reader-worker.ts to worker-source.ts). Numbers travel as a transferred copy of
 * the valid values. Categories travel as ids into a dictionary the two sides grow in step: a new category is sent
 * once as text, every later occurrence as its id. Strings cloned one by one cost as much as the whole reader. The
 * dictionary holds at most DICTIONARY_LIMIT entries per column (memory stays bounded on a column of unique
 * values); past it, an unknown category is sent as text every time (id -1).
 */
import type { Batch, ColumnChunk } from './chunks.js';

export const DICTIONARY_LIMIT = 1 << 16;

interface ChunkCounts {
  nulls: number;
  invalid: number;
  firstInvalid: number;
  present: boolean;
  length: number;
}

export type WireChunk =
  | ({ kind: 'number'; values: Float64Array } & ChunkCounts)
  | ({ kind: 'category'; ids: Int32Array; added: string[]; unlisted: string[] } & ChunkCounts)
  | null;

/** The sending side: one per scan. */
export class BatchEncoder {
  private readonly dictionaries: Map<string, number>[] = [];

  /** The batch as sent, and the buffers to transfer. */
  encode(batch: Batch): { wire: WireChunk[]; transfer: ArrayBuffer[] } {
    const transfer: ArrayBuffer[] = [];
    const wire = batch.map((chunk, c): WireChunk => {
      if (chunk === undefined) return null;
      const counts = { nulls: chunk.nulls, invalid: chunk.invalid, firstInvalid: chunk.firstInvalid, present: chunk.present, length: chunk.length };
      if (chunk.kind === 'number') {
        const values = chunk.values.slice(0, chunk.length); // the reader reuses its array
        transfer.push(values.buffer);
        return { kind: 'number', values, ...counts };
      }
      const dictionary = (this.dictionaries[c] ??= new Map());
      const ids = new Int32Array(chunk.length);
      const added: string[] = [];
      const unlisted: string[] = [];
      for (let j = 0; j < chunk.length; j++) {
        const value = chunk.values[j]!;
        let id = dictionary.get(value);
        if (id === undefined) {
          if (dictionary.size < DICTIONARY_LIMIT) {
            id = dictionary.size;
            dictionary.set(value, id);
            added.push(value);
          } else {
            id = -1;
            unlisted.push(value);
          }
        }
        ids[j] = id;
      }
      transfer.push(ids.buffer);
      return { kind: 'category', ids, added, unlisted, ...counts };
    });
    return { wire, transfer };
  }
}

/** The receiving side: one per scan, fed the batches in the order they were encoded. */
export class BatchDecoder {
  private readonly dictionaries: string[][] = [];
  private readonly strings: string[][] = [];

  /** The batch; its category arrays are reused by the next call, as a reader's are. */
  decode(wire: WireChunk[]): Batch {
    return wire.map((chunk, c): ColumnChunk | undefined => {
      if (chunk === null) return undefined;
      const { nulls, invalid, firstInvalid, present, length } = chunk;
      if (chunk.kind === 'number') return { kind: 'number', values: chunk.values, nulls, invalid, firstInvalid, present, length };
      const dictionary = (this.dictionaries[c] ??= []);
      for (const value of chunk.added) dictionary.push(value);
      const values = (this.strings[c] ??= []);
      let unlisted = 0;
      for (let j = 0; j < length; j++) {
        const id = chunk.ids[j]!;
        values[j] = id >= 0 ? dictionary[id]! : chunk.unlisted[unlisted++]!;
      }
      return { kind: 'category', values, nulls, invalid, firstInvalid, present, length };
    });
  }
}
