/**
 * Strings of short byte fields without decoding the same bytes again: categories repeat, so a small cache keyed
 * by a hash of the bytes (checked byte for byte) returns the string made the first time. Fixed size: a colliding
 * entry replaces the older one.
 */
const SLOTS = 4096;
const MAX_BYTES = 64;
const decoder = new TextDecoder('utf-8');

export class Interner {
  private readonly bytes: (Uint8Array | undefined)[] = new Array(SLOTS);
  private readonly strings: string[] = new Array(SLOTS);

  text(buf: Uint8Array, start: number, end: number): string {
    const n = end - start;
    if (n > MAX_BYTES) return decoder.decode(buf.subarray(start, end));
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
    const text = decoder.decode(copy);
    this.bytes[slot] = copy;
    this.strings[slot] = text;
    return text;
  }
}
