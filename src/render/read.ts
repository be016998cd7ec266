/**
 * Reading objects of unknown shape (what a watch delivered, a fixture, garbage) without ever throwing: each
 * reader returns undefined (or an empty list) unless the value has the expected type.
 */

export type Dict = Readonly<Record<string, unknown>>;

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when `value` is an object, else undefined. */
export function field(value: unknown, key: string): unknown {
  return isDict(value) ? value[key] : undefined;
}

/** The object at `path`, else undefined. */
export function dictAt(value: unknown, ...path: string[]): Dict | undefined {
  const found = path.reduce<unknown>((v, key) => field(v, key), value);
  return isDict(found) ? found : undefined;
}

/** The string at `path` (possibly empty), else undefined. */
export function stringAt(value: unknown, ...path: string[]): string | undefined {
  const found = path.reduce<unknown>((v, key) => field(v, key), value);
  return typeof found === 'string' ? found : undefined;
}

/** The non-empty string at `path`, else undefined. */
export function textAt(value: unknown, ...path: string[]): string | undefined {
  const found = stringAt(value, ...path);
  return found === '' ? undefined : found;
}

/** The integer at `path`, else undefined (a number written as a string is not one). */
export function integerAt(value: unknown, ...path: string[]): number | undefined {
  const found = path.reduce<unknown>((v, key) => field(v, key), value);
  return typeof found === 'number' && Number.isSafeInteger(found) ? found : undefined;
}

/** The objects of the array at `path`; anything else in it is skipped, and a non-array is an empty list. */
export function dictsAt(value: unknown, ...path: string[]): Dict[] {
  const found = path.reduce<unknown>((v, key) => field(v, key), value);
  return Array.isArray(found) ? found.filter(isDict) : [];
}

/** Milliseconds since the epoch of an RFC 3339 time, else undefined. */
export function timeAt(value: unknown, ...path: string[]): number | undefined {
  const text = stringAt(value, ...path);
  const ms = text === undefined ? NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
