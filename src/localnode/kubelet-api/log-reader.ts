import { open, type FileHandle } from 'node:fs/promises';
import type { ContainerLog, Instance, StreamLog } from './log-recorder.js';
import type { LogQuery } from './query.js';

const CHUNK = 64 * 1024;
/** Longer lines are cut in pieces of this size, as the CRI log format does (16 KiB). */
const MAX_LINE = 16 * 1024;
/** A follower looks at the files at least this often, should an inotify event be missed. */
const FOLLOW_POLL_MS = 1_000;

interface Line {
  stream: 'stdout' | 'stderr';
  time: number;
  bytes: Buffer;
}

/** `2026-11-29T13:47:03.123000000Z`: the kubelet's fixed-width RFC 3339 with nanoseconds. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** Reads the lines of one file from `position`, up to a limit given per call. */
class LineCursor {
  private buffer = Buffer.alloc(0);

  constructor(
    readonly file: FileHandle,
    readonly stream: StreamLog,
    public position: number,
  ) {}

  /** The next line below `limit`: a complete one, or (when `final`, or past MAX_LINE) what there is. */
  async peek(limit: number, final: boolean): Promise<Line | undefined> {
    for (;;) {
      const newline = this.buffer.indexOf(10);
      if (newline >= 0) return this.line(newline + 1);
      if (this.buffer.length >= MAX_LINE) return this.line(MAX_LINE);
      const from = this.position + this.buffer.length;
      if (from >= limit) return final && this.buffer.length > 0 ? this.line(this.buffer.length) : undefined;
      const chunk = Buffer.alloc(Math.min(CHUNK, limit - from));
      const { bytesRead } = await this.file.read(chunk, 0, chunk.length, from);
      if (bytesRead === 0) return final && this.buffer.length > 0 ? this.line(this.buffer.length) : undefined;
      this.buffer = Buffer.concat([this.buffer, chunk.subarray(0, bytesRead)]);
    }
  }

  /** Consumes a line returned by peek. */
  take(line: Line): void {
    this.buffer = this.buffer.subarray(line.bytes.length);
    this.position += line.bytes.length;
  }

  private line(length: number): Line {
    return { stream: this.stream.name, time: this.stream.timeOf(this.position), bytes: this.buffer.subarray(0, length) };
  }
}

/** The offset where the last `lines` lines of [start, end) begin (a last line without newline counts). */
export async function tailStart(file: FileHandle, start: number, end: number, lines: number): Promise<number> {
  if (lines === 0) return end;
  let count = 0;
  let position = end;
  let skipFinalNewline = true;
  while (position > start) {
    const length = Math.min(CHUNK, position - start);
    const chunk = Buffer.alloc(length);
    await file.read(chunk, 0, length, position - length);
    for (let i = length - 1; i >= 0; i--) {
      if (skipFinalNewline) {
        skipFinalNewline = false;
        if (chunk[i] === 10) continue;
      }
      if (chunk[i] === 10 && ++count === lines) return position - length + i + 1;
    }
    position -= length;
  }
  return start;
}

/** Where the answer goes: resolves when the bytes were accepted (backpressure), false once the client left. */
export type LogWrite = (bytes: Buffer) => Promise<boolean>;

/**
 * Writes the output of run `instance` of `log` as the kubelet answers a container log request: stdout and
 * stderr lines merged by the time the node saw them, `tailLines` of the merged stream, then lines older than
 * `since` dropped, each prefixed with its time when `timestamps`, cut at `limitBytes`. With `follow` it keeps
 * writing new lines until the run exits (or `signal` aborts), like `kubectl logs -f`.
 */
export async function writeContainerLog(log: ContainerLog, instance: Instance, query: LogQuery, write: LogWrite, signal: AbortSignal): Promise<void> {
  const streams = [log.stdout, log.stderr].filter((s) => query.stream === 'All' || s.name === query.stream.toLowerCase());
  const uniqueStreams = streams.filter((s, i) => streams.findIndex((t) => t.path === s.path) === i);
  const files = await Promise.all(uniqueStreams.map((s) => open(s.path, 'r').catch(() => undefined)));
  try {
    const cursors: LineCursor[] = [];
    uniqueStreams.forEach((stream, i) => {
      const file = files[i];
      if (file) cursors.push(new LineCursor(file, stream, instance.start[stream.name]));
    });
    let remaining = query.limitBytes ?? Infinity;
    const emit = async (line: Line): Promise<boolean> => {
      if (query.since !== undefined && line.time < query.since) return true;
      const text = query.timestamps ? Buffer.concat([Buffer.from(`${formatTimestamp(line.time)} `), line.bytes]) : line.bytes;
      const out = text.length > remaining ? text.subarray(0, remaining) : text;
      remaining -= out.length;
      if (out.length > 0 && !(await write(out))) return false;
      return remaining > 0;
    };
    const limitOf = (cursor: LineCursor): number => log.endOf(instance)?.[cursor.stream.name] ?? cursor.stream.size;

    // The first round: everything there is now (the tail of it, if asked).
    log.observe();
    let final = !query.follow || instance.exited || log.endOf(instance) !== undefined;
    if (query.tailLines !== undefined) {
      for (const cursor of cursors) cursor.position = await tailStart(cursor.file, cursor.position, limitOf(cursor), query.tailLines);
      const lines: Line[] = [];
      await merge(cursors, limitOf, final, async (line) => (lines.push(line), true));
      for (const line of lines.slice(Math.max(0, lines.length - query.tailLines))) if (!(await emit(line))) return;
    } else if (!(await merge(cursors, limitOf, final, emit))) {
      return;
    }
    // Following: more rounds as the files grow, until the run has exited and its output is drained.
    while (!final && !signal.aborted) {
      await changed(log, signal);
      log.observe();
      final = instance.exited || log.endOf(instance) !== undefined;
      if (!(await merge(cursors, limitOf, final, emit))) return;
    }
  } finally {
    await Promise.all(files.map((f) => f?.close()));
  }
}

/** Emits the lines below each cursor's limit in time order; false when `emit` asked to stop. */
async function merge(cursors: LineCursor[], limitOf: (cursor: LineCursor) => number, final: boolean, emit: (line: Line) => Promise<boolean>): Promise<boolean> {
  for (;;) {
    let best: { cursor: LineCursor; line: Line } | undefined;
    for (const cursor of cursors) {
      const line = await cursor.peek(limitOf(cursor), final);
      if (line && (best === undefined || line.time < best.line.time)) best = { cursor, line };
    }
    if (best === undefined) return true;
    best.cursor.take(best.line);
    if (!(await emit(best.line))) return false;
  }
}

/** Resolves on the log's next change, after FOLLOW_POLL_MS, or on abort. */
function changed(log: ContainerLog, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      log.off('change', done);
      log.off('forget', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, FOLLOW_POLL_MS);
    log.once('change', done);
    log.once('forget', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
