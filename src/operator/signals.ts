import type { Logger } from 'pino';

/** The part of `process` this needs (injected for tests). */
export interface SignalSource {
  once(signal: 'SIGTERM' | 'SIGINT', handler: () => void): unknown;
  removeListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): unknown;
}

/**
 * Waits for SIGTERM or SIGINT, then runs `stop` and resolves with the exit code: 0 after a clean stop, 1 if
 * stop failed. A second signal while stopping gives up waiting: it calls `exit(1)` (the process's, by default:
 * the open sockets and timers of a stop still under way would otherwise keep it alive) and resolves 1.
 */
export function stopOnSignal(signals: SignalSource, log: Logger, stop: () => Promise<void>, exit: (code: number) => void = (code) => process.exit(code)): Promise<number> {
  return new Promise((resolve) => {
    const first = (name: string) => () => {
      signals.removeListener('SIGTERM', onTerm);
      signals.removeListener('SIGINT', onInt);
      const again = (): void => {
        log.warn('Received a second signal, exiting without waiting');
        resolve(1);
        exit(1);
      };
      signals.once('SIGTERM', again);
      signals.once('SIGINT', again);
      log.info({ signal: name }, 'Received signal, shutting down');
      stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'Shutdown failed');
          resolve(1);
        },
      );
    };
    const onTerm = first('SIGTERM');
    const onInt = first('SIGINT');
    signals.once('SIGTERM', onTerm);
    signals.once('SIGINT', onInt);
  });
}
