import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactString, redactValue } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerConfig {
  /** pino level: trace, debug, info, warn, error; `silent` for tests that do not read logs. */
  level?: string;
  /** Bound on every line (e.g. `{component: 'operator'}`). */
  base?: Record<string, unknown>;
}

/**
 * The operator's JSON-lines logger. Credentials never reach the destination: values under secret-looking keys
 * are replaced at any depth, and the final line is scrubbed of URL userinfo, auth headers and key=value
 * secrets (which also covers the message and child bindings). `destination` is injectable so tests read lines.
 *
 * Conventions (docs/style.md §12): messages capitalized, past tense, naming the object type, no trailing period;
 * per-reconcile children carry `controller`, `namespace`, `name`, `reconcileID`.
 */
export function createLogger(config: LoggerConfig = {}, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    base: config.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
    // Errors are already turned into plain, redacted objects by the log formatter below.
    serializers: { err: (err: unknown) => err },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactValue(object) as Record<string, unknown>,
    },
    hooks: {
      streamWrite: (line) => redactString(line),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
