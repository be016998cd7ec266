/** Test helpers: in-memory byte streams and specs for the profile engine. */
import type { OpenBytes } from '../../../src/profile/csv.js';
import type { ColumnSpec, ProfileSpec } from '../../../src/profile/types.js';

/** A stream of the text's bytes in pieces of `size` bytes (every chunk boundary a test of the readers). */
export function bytes(text: string | Uint8Array, size = 1 << 16): OpenBytes {
  const all = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return async function* () {
    for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
  };
}

export function spec(features: ColumnSpec[], extra: Partial<ProfileSpec> = {}): ProfileSpec {
  return { features, maxNullFraction: 0, maxOutOfRangeFraction: 0, bins: 10, ...extra };
}

export const num = (name: string, more: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, type: 'number', ...more });
export const int = (name: string, more: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, type: 'integer', ...more });
export const cat = (name: string): ColumnSpec => ({ name, type: 'categorical' });
export const bool = (name: string): ColumnSpec => ({ name, type: 'boolean' });

/** JSON lines of the given rows. */
export function jsonl(rows: Record<string, unknown>[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** A seeded generator for reproducible test data (the drift simulations' mulberry32). */
export { mulberry32 as rng } from '../../../src/drift/simulated-null.js';
