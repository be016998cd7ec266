/**
 * A streaming check of how deep a JSON body nests, fed chunk by chunk as the body arrives. JSON.parse of a body
 * of nested brackets takes about a second per 4 MB on the event loop, and such a value overflows the stack of
 * anything recursive that later touches it (JSON.stringify, a logger); no tensor needs more than its rank plus
 * a few levels. The scan counts brackets outside strings only (a string may hold any bracket), and never
 * validates anything else: JSON.parse does that on bodies that pass.
 */

/** Deepest nesting of arrays and objects a body may have: a tensor of rank 24 in any protocol's envelope. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

export class JsonDepthCheck {
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(readonly maxDepth = MAX_JSON_DEPTH) {}

  /** Scans the next bytes of the body; false once the nesting went deeper than maxDepth. */
  feed(chunk: Uint8Array): boolean {
    const max = this.maxDepth;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (++depth > max) return false;
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return true;
  }
}
