import { readFile as readFileAsync } from 'node:fs/promises';

export interface TokenFileOptions {
  /** Injected for tests; node:fs by default. */
  readFile?: (path: string) => Promise<Buffer | string>;
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number;
  /** How long a read stays fresh (client-go's cached file token source re-reads every minute). */
  refreshMs?: number;
}

/**
 * A bearer token kept in a file and re-read when older than `refreshMs`: projected service account tokens are
 * rotated by the kubelet, which rewrites the file well before the old token expires. A failed re-read keeps the
 * last good token (the file may be mid-rotation); a failed first read throws.
 */
export class TokenFile {
  private token: string | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<string> | undefined;
  private readonly read: (path: string) => Promise<Buffer | string>;
  private readonly now: () => number;
  private readonly refreshMs: number;

  constructor(
    readonly path: string,
    options: TokenFileOptions = {},
  ) {
    this.read = options.readFile ?? readFileAsync;
    this.now = options.now ?? Date.now;
    this.refreshMs = options.refreshMs ?? 60_000;
  }

  /** The current token, read from the file at most once per `refreshMs` (concurrent callers share a read). */
  get(): Promise<string> {
    if (this.token !== undefined && this.now() - this.readAt < this.refreshMs) return Promise.resolve(this.token);
    return (this.reading ??= this.reread().finally(() => (this.reading = undefined)));
  }

  private async reread(): Promise<string> {
    try {
      const token = String(await this.read(this.path)).trim();
      if (!token) throw new Error('the file is empty');
      this.token = token;
    } catch (err) {
      if (this.token === undefined) throw new Error(`Cannot read the token file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    this.readAt = this.now();
    return this.token;
  }
}
