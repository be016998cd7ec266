/**
 * Strings of short byte fields without decoding the same bytes again: categories repeat, so a small cache keyed
 * by a hash of the bytes (checked byte for byte) returns the string made the first time. Fixed size: a colliding
 * entry replaces the older one. A csv field's bytes between quotes with doubled quotes inside (`escaped`) give their
 * unescaped text; such bytes always hold a quote, which the bytes of an unescaped field never do, so the two never
 * share an entry.
 */
const SLOTS = 4096;
const MAX_BYTES = 64;
const decoder = new TextDecoder('utf-8');

export class Interner {
  private readonly bytes: (Uint8Array | undefined)[] = new Array(SLOTS);
  private readonly strings: string[] = new Array(SLOTS);

  text(buf: Uint8Array, start: number, end: number, escaped = false): string {
    const n = end - start;
    if (n > MAX_BYTES) return decode(buf.subarray(start, end), escaped);
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slot = (h >>> 0) & (SLOTS - 1);
    const known = this.bytes[slot];
    if (known !== undefined && known.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (known[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.strings[slot]!;
    }
    const copy = buf.slice(start, end);
    const text = decode(copy, escaped);
    this.bytes[slot] = copy;
    this.strings[slot] = text;
    return text;
  }
}

function decode(bytes: Uint8Array, escaped: boolean): string {
  const text = decoder.decode(bytes);
  return escaped ? text.replaceAll('""', '"') : text;
}
