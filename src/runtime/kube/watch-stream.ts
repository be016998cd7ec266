import type { WatchEventType } from './client.js';
import type { KubeObject } from './object.js';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject & Record<string, unknown>;
}

/**
 * Splits a watch response body (one JSON event per line, arriving in chunks that cut lines anywhere) into
 * events. A line that is not an event throws: the stream is broken and the watch must restart.
 */
export class WatchLineDecoder {
  /** The pieces of a line not ended yet (a large object spans many chunks: no re-scan of what came before). */
  private pending: string[] = [];

  /** The events completed by this chunk of text. */
  push(chunk: string): WatchEvent[] {
    const events: WatchEvent[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      this.pending.push(chunk.slice(start, nl));
      events.push(...decodeLine(this.pending.join('')));
      this.pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.slice(start));
    return events;
  }

  /** The event of a last line without a newline, if any. */
  end(): WatchEvent[] {
    const last = this.pending.join('');
    this.pending = [];
    return decodeLine(last);
  }
}

function decodeLine(line: string): WatchEvent[] {
  if (!line.trim()) return [];
  let event: Partial<WatchEvent>;
  try {
    event = JSON.parse(line) as Partial<WatchEvent>;
  } catch {
    throw new Error(`The watch stream sent a line that is not JSON: ${line.slice(0, 200)}`);
  }
  if (typeof event.type !== 'string' || typeof event.object !== 'object' || event.object === null) {
    throw new Error(`The watch stream sent a line that is not an event: ${line.slice(0, 200)}`);
  }
  return [event as WatchEvent];
}
