/**
 * The bytes a text reader has not consumed yet plus the next chunk of the file, in one buffer that is reused for
 * the whole pass: the unread tail moves to the front and the chunk is copied after it. Allocating a fresh array per
 * chunk cost more than the copy (zeroed memory and garbage, about 2% of a csv pass), and the readers' loops then
 * always see a plain Uint8Array, never a Buffer from the stream on one chunk and a Uint8Array on the next (two
 * maps made their element loads polymorphic).
 */
export class ByteWindow {
  private buffer = new Uint8Array(0);
  private length = 0;

  /** Keeps bytes [from, end) of the last view and appends `chunk`; returns the view of all of them. */
  next(from: number, chunk: Uint8Array): Uint8Array {
    const rest = this.length - from;
    if (rest + chunk.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(rest + chunk.length, this.buffer.length * 2));
      grown.set(this.buffer.subarray(from, this.length));
      this.buffer = grown;
    } else if (rest > 0) this.buffer.copyWithin(0, from, this.length);
    this.buffer.set(chunk, rest);
    this.length = rest + chunk.length;
    return this.buffer.subarray(0, this.length);
  }
}
