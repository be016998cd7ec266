/** A `cairn` subcommand: parses its own arguments and returns the exit code. */
export interface Command {
  run(argv: string[]): Promise<number>;
}

/** Thrown by argument parsing; the command prints it with its usage and exits 2. */
export class UsageError extends Error {}
