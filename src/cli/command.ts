import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A `cairn` subcommand: parses its own arguments and returns the exit code. */
export interface Command {
  run(argv: string[]): Promise<number>;
}

/** Thrown by argument parsing; the command prints it with its usage and exits 2. */
export class UsageError extends Error {}

/** node:util's parseArgs, with its errors (an unknown option, a missing value) as a UsageError. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
