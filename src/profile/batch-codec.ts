/**
 * Batches across a thread boundary (reader-worker.ts to worker-source.ts). Numbers travel as a transferred copy of
 * the valid values. Categories travel as ids into a dictionary the two sides grow in step: a new category is sent
 * once as text, every later occurrence as its id. Strings cloned one by one cost as much as the whole reader. The
 * dictionary holds at most DICTIONARY_LIMIT entries per column (memory stays bounded on a column of unique
 * values); past it, an unknown category is sent as text every time (id -1). The receiver gives the buffers back
 * once the engine is done with a batch (wireBuffers, then BatchEncoder.recycle): a new ArrayBuffer per column and
 * batch cost the reader more than copying the values (allocation, zeroing, and the collector freeing them).
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
  /** Buffers given back by the receiver, by byte length: at most the batches in flight hold. */
  private readonly spare = new Map<number, ArrayBuffer[]>();

  /** Takes back buffers the receiver no longer reads. */
  recycle(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) {
      const list = this.spare.get(buffer.byteLength);
      if (list) list.push(buffer);
      else this.spare.set(buffer.byteLength, [buffer]);
    }
  }

  /** A buffer of at least `bytes`, in a few sizes so that given-back ones fit the next batches. */
  private buffer(bytes: number): ArrayBuffer {
    let size = 1 << 12;
    while (size < bytes) size *= 2;
    return this.spare.get(size)?.pop() ?? new ArrayBuffer(size);
  }

  /** The batch as sent, and the buffers to transfer. */
  encode(batch: Batch): { wire: WireChunk[]; transfer: ArrayBuffer[] } {
    const wire = batch.map((chunk, c): WireChunk => {
      if (chunk === undefined) return null;
      const counts = { nulls: chunk.nulls, invalid: chunk.invalid, firstInvalid: chunk.firstInvalid, present: chunk.present, length: chunk.length };
      if (chunk.kind === 'number') {
        const values = new Float64Array(this.buffer(chunk.length * 8), 0, chunk.length);
        values.set(chunk.values.subarray(0, chunk.length)); // the reader reuses its array
        return { kind: 'number', values, ...counts };
      }
      const dictionary = (this.dictionaries[c] ??= new Map());
      const ids = new Int32Array(this.buffer(chunk.length * 4), 0, chunk.length);
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
      return { kind: 'category', ids, added, unlisted, ...counts };
    });
    return { wire, transfer: wireBuffers(wire) };
  }
}

/** The buffers of a batch: the sender transfers them, the receiver gives them back once nothing reads them. */
export function wireBuffers(wire: readonly WireChunk[]): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const chunk of wire) if (chunk !== null) buffers.push((chunk.kind === 'number' ? chunk.values : chunk.ids).buffer as ArrayBuffer);
  return buffers;
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
