/**
 * `cairn dev`: a local cluster with Cairn running in it (src/dev/dev.ts). The first Ctrl-C or SIGTERM stops
 * everything and leaves nothing behind; a second one exits at once.
 */
import '../testenv/node-compat.js';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs, UsageError, type Command } from './command.js';

const usage = `Usage: cairn dev [options]

Starts a local cluster with no Docker: the Kubernetes control plane (built from its upstream Go modules on the
first run, then reused), Cairn's local node (pods run as local processes, Services answer on loopback
ClusterIPs), an S3 server, the cairn.dev CRDs and cairn operator. Prints the export KUBECONFIG=... line; from then
on kubectl apply -f works as on a cluster. Ctrl-C or SIGTERM stops everything and removes what it made.

Options:
  --kubeconfig-out FILE   also write the admin kubeconfig to FILE (removed on stop)
  --no-operator           do not start cairn operator (run it yourself, e.g. from an IDE)
  --bucket NAME           the S3 bucket made for your data and models (default cairn)
  --state-dir DIR         where the run directory goes (default ~/.cache/cairn/runs)
  -h, --help              show this help

Exit status: 0 stopped cleanly, 1 failed to start (the message names the step), 2 usage error.`;

export interface DevArgs {
  kubeconfigOut?: string;
  operator: boolean;
  bucket: string;
  stateDir?: string;
}

export function parseDevArgs(argv: string[]): DevArgs | 'help' {
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      'kubeconfig-out': { type: 'string' },
      'no-operator': { type: 'boolean', default: false },
      bucket: { type: 'string', default: 'cairn' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  // S3 bucket naming: 3-63 of lower-case letters, digits, dots and hyphens, starting and ending alphanumeric
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(values.bucket)) throw new UsageError(`--bucket "${values.bucket}" is not a valid S3 bucket name`);
  if (values['kubeconfig-out'] === '') throw new UsageError('--kubeconfig-out needs a file name');
  return { kubeconfigOut: values['kubeconfig-out'], operator: !values['no-operator'], bucket: values.bucket, stateDir: values['state-dir'] };
}

export const devCommand: Command = {
  async run(argv) {
    let args: DevArgs | 'help';
    try {
      args = parseDevArgs(argv);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`cairn dev: ${error.message}\n\n${usage}\n`);
      return 2;
    }
    if (args === 'help') {
      process.stdout.write(usage + '\n');
      return 0;
    }
    const { runDev } = await import('../dev/dev.js');
    let interrupt: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
    let signals = 0;
    const onSignal = (): void => {
      if (++signals > 1) process.exit(130);
      interrupt();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // The cluster's processes are unref'd (they never keep a test runner alive): keep this one alive until stopped.
    const keepAlive = setInterval(() => undefined, 60_000);
    try {
      await runDev({
        root: fileURLToPath(new URL('../..', import.meta.url)),
        kubeconfigOut: args.kubeconfigOut,
        operator: args.operator,
        bucket: args.bucket,
        stateRoot: args.stateDir,
        out: (line) => process.stdout.write(line + '\n'),
        interrupted,
      });
      return 0;
    } catch (error) {
      process.stderr.write(`cairn dev: ${(error as Error).message}\n`);
      return 1;
    } finally {
      clearInterval(keepAlive);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  },
};
