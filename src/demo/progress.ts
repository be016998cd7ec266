/** How the demo reports: the test environment's log entries and the steps it runs, as lines of its own output. */
import type { Logger } from '../testenv/index.js';

/** `msg key=value ...` for one entry of a pino-style logger call `(fields, msg)`. */
export function formatEntry(fields: Record<string, unknown>, msg: string): string {
  const rest = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : JSON.stringify(value)}`)
    .join(' ');
  return rest ? `${msg} ${rest}` : msg;
}

/**
 * A Logger (the testenv's pino-shaped `(fields, msg)` interface) writing indented lines through `write`:
 * warnings and errors always, info only when `info` is set (the control-plane build's progress).
 */
export function demoLogger(write: (line: string) => void, options: { info?: boolean } = {}): Logger {
  return {
    info: (fields, msg) => {
      if (options.info) write(`  ${formatEntry(fields, msg)}`);
    },
    warn: (fields, msg) => write(`  warning: ${formatEntry(fields, msg)}`),
    error: (fields, msg) => write(`  error: ${formatEntry(fields, msg)}`),
  };
}

/** Runs one step of the demo; its failure names the step (and the command) before the reason. */
export async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message === 'Interrupted') throw error;
    throw new Error(`${what}: ${message}`, { cause: error });
  }
}
