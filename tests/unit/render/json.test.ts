import { describe, expect, it } from 'vitest';
import { canonical } from '../../../src/render/json.js';

describe('canonical', () => {
  it('sorts object keys at every depth, keeps array order, drops undefined fields', () => {
    const value = { b: 1, a: { d: [3, 1, { z: 1, y: undefined }], c: null }, e: undefined };
    const copy = canonical(value);
    expect(JSON.stringify(copy)).toBe('{"a":{"c":null,"d":[3,1,{"z":1}]},"b":1}');
    expect(copy).toStrictEqual(JSON.parse(JSON.stringify(copy)));
    expect(copy.a).not.toBe(value.a);
  });

  it.each([
    ['NaN', { n: NaN }, 'v.n'],
    ['Infinity', { list: [Infinity] }, 'v.list[0]'],
    ['undefined in an array', { list: [1, undefined] }, 'v.list[1]'],
    ['a Date', { at: new Date(0) }, 'v.at'],
    ['a function', { f: () => 1 }, 'v.f'],
    ['a bigint', { big: 1n }, 'v.big'],
    ['a Map', { m: new Map() }, 'v.m'],
  ])('refuses %s, naming where it is', (_, value, field) => {
    expect(() => canonical(value, 'v')).toThrow(expect.objectContaining({ name: 'RenderError', reason: 'InvalidValue', field }));
  });

  it('accepts objects without prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { b: 2, a: 1 });
    expect(JSON.stringify(canonical(bare))).toBe('{"a":1,"b":2}');
  });
});
