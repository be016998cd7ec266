/**
 * Plain JSON for rendered objects: a deep copy with object keys sorted (kubectl's order), fields whose value is
 * undefined left out, and anything JSON cannot carry refused. What a builder returns is therefore equal to its
 * own JSON round trip, shares nothing with its input, and does not depend on the order in which a caller wrote
 * the keys of what it passed in.
 */
import { RenderError } from './errors.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const isPlainObject = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * The canonical copy of `value`. Throws a RenderError (InvalidValue) naming `path` for a value JSON would
 * change or drop: a function, symbol, bigint, non-finite number, class instance (Date, Map...) or undefined in
 * an array.
 */
export function canonical<T>(value: T, path = 'value'): T {
  return copy(value, path) as T;
}

function copy(value: unknown, path: string): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RenderError('InvalidValue', path, `${value} is not a JSON number`);
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown, i) => {
      if (item === undefined) throw new RenderError('InvalidValue', `${path}[${i}]`, 'undefined is not a JSON value');
      return copy(item, `${path}[${i}]`);
    });
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const item: unknown = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = copy(item, `${path}.${key}`);
    }
    return out;
  }
  throw new RenderError('InvalidValue', path, `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value} is not plain JSON`);
}
