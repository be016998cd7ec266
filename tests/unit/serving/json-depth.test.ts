/**
 * The streaming nesting check against an independent reference: the depth of the value JSON.parse builds,
 * measured by walking it. Documents with brackets, quotes and backslashes inside strings, fed whole and split
 * at every byte boundary (a chunk may end inside a string or right after a backslash).
 */
import { describe, expect, it } from 'vitest';
import { JsonDepthCheck, MAX_JSON_DEPTH } from '../../../src/serving/json-depth.js';

/** Depth of a parsed JSON value: 0 for a scalar, 1 for [] or {}, 1 + the deepest child otherwise. */
function referenceDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, referenceDepth(child));
  return 1 + deepest;
}

/** The smallest maxDepth the check lets the document through with, fed in the given chunks. */
function scannedDepth(chunks: Uint8Array[]): number {
  for (let max = 0; max < 100; max++) {
    const check = new JsonDepthCheck(max);
    if (chunks.every((c) => check.feed(c))) return max;
  }
  throw new Error('deeper than 100');
}

const nest = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

const DOCUMENTS = [
  '1',
  '"[[[{{{"',
  '[]',
  '{}',
  '{"a":[1,2,{"b":[[3]]}]}',
  '["\\"[[[", ["\\\\"], "]]]\\\\\\"{"]',
  '{"id":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[","inputs":[{"name":"x","shape":[1,3],"data":[[1,2,3]]}]}',
  '{"k\\"[":{"\\\\":[{"u":"\\u005b\\u007b"}]}}',
  nest(5),
  nest(31, '{"x":"]]]]"}'),
  `[${nest(3)},${nest(7)},${nest(2)}]`,
];

describe('JsonDepthCheck', () => {
  it.each(DOCUMENTS)('agrees with the depth of the parsed value, whole and split at every byte: %s', (doc) => {
    const want = referenceDepth(JSON.parse(doc));
    const bytes = new TextEncoder().encode(doc);
    expect(scannedDepth([bytes])).toBe(want);
    for (let cut = 1; cut < bytes.length; cut++) expect(scannedDepth([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(want);
    expect(scannedDepth([...bytes].map((b) => Uint8Array.of(b)))).toBe(want);
  });

  it('passes MAX_JSON_DEPTH levels and stops at one more, as soon as the bracket arrives', () => {
    const at = new JsonDepthCheck();
    expect(at.feed(new TextEncoder().encode(nest(MAX_JSON_DEPTH)))).toBe(true);
    const over = new JsonDepthCheck();
    expect(over.feed(new TextEncoder().encode('['.repeat(MAX_JSON_DEPTH)))).toBe(true);
    expect(over.feed(new TextEncoder().encode('['))).toBe(false);
  });
});
