import type { Logger } from '../logger.js';
import type { Run } from '../run.js';

/** What every component launcher needs. */
export interface ComponentContext {
  run: Run;
  binDir: string;
  logger: Logger;
  /** Deadline for each component to become ready. */
  timeoutMs: number;
  /** Environment the components start with (PATH, HOME, ...): nothing else leaks in from the caller. */
  env: Record<string, string>;
}

export const LOOPBACK = '127.0.0.1';
