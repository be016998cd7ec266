/**
 * The logger the test environment writes to. Its shape is a subset of pino's (`info(fields, msg)`), so a pino
 * logger can be passed as is; `consoleLogger` is the plain stderr one the test harness uses.
 */
export interface Logger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** Writes one line per entry to stderr (or `write`): `[prefix] msg key=value ...`. */
export function consoleLogger(prefix: string, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const emit = (fields: Record<string, unknown>, msg: string): void => {
    const rest = Object.entries(fields)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    write(`[${prefix}] ${msg}${rest ? ' ' + rest : ''}\n`);
  };
  return { info: emit, warn: emit, error: emit };
}

/** Discards everything (for callers that only want errors thrown). */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
