/**
 * `cairn console`: the web console on the user's machine, with their kubeconfig (their RBAC decides what it
 * shows), live through watches. src/console/ has the server, web/console/ the page; docs/console.md.
 */
import { parseCommandArgs, UsageError, type Command } from './command.js';

const usage = `Usage: cairn console [options]

Serves a web page on localhost that shows the lineage from Git to live traffic, experiments and their
trials, rollouts and drift, kept live by watches. Read-only, except promote and abort of a rollout.

Options:
  -p, --port PORT        port to listen on (default 7420; 0 picks a free one)
  --address ADDR         loopback address to listen on (default 127.0.0.1)
  -n, --namespace NS     watch one namespace (default: all namespaces the credentials may list)
  --read-only            no promote or abort
  --kubeconfig PATH      kubeconfig file (default: $KUBECONFIG or ~/.kube/config)
  --context NAME         kubeconfig context
  -h, --help             this help

Exit status: 0 stopped by a signal, 1 failed to start, 2 usage error.`;

export interface ConsoleArgs {
  port: number;
  address: string;
  namespace?: string;
  readOnly: boolean;
  kubeconfig?: string;
  context?: string;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1)$/;

export function parseConsoleArgs(argv: string[]): ConsoleArgs | 'help' {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', short: 'p', default: '7420' },
      address: { type: 'string', default: '127.0.0.1' },
      namespace: { type: 'string', short: 'n' },
      'read-only': { type: 'boolean', default: false },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65_535) throw new UsageError(`--port: expected a port number from 0 to 65535, got "${values.port}"`);
  // The console acts with the user's credentials: it must not be reachable from other machines.
  if (!LOOPBACK.test(values.address)) throw new UsageError(`--address: the console listens on loopback only (127.0.0.1, ::1 or localhost), got "${values.address}"`);
  return {
    port,
    address: values.address,
    readOnly: values['read-only'],
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context ? { context: values.context } : {}),
  };
}

export const consoleCommand: Command = {
  async run(argv) {
    let args: ConsoleArgs | 'help';
    try {
      args = parseConsoleArgs(argv);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`cairn console: ${err.message}\n\n${usage}\n`);
      return 2;
    }
    if (args === 'help') {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    const [{ HttpKubeClient }, { loadRestConfig }, { startConsole }, { systemClock }, { createLogger }] = await Promise.all([
      import('../runtime/kube/http-client.js'),
      import('../runtime/kube/config.js'),
      import('../console/console.js'),
      import('../runtime/clock.js'),
      import('../runtime/logger.js'),
    ]);
    const log = createLogger({ base: { component: 'console' } }, process.stderr);
    let running;
    try {
      const kube = new HttpKubeClient(loadRestConfig({ ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}), ...(args.context ? { context: args.context } : {}) }));
      running = await startConsole(
        { port: args.port, address: args.address, readOnly: args.readOnly, ...(args.namespace ? { namespaces: [args.namespace] } : {}) },
        { kube, clock: systemClock(), log, now: () => new Date() },
      );
    } catch (err) {
      process.stderr.write(`cairn console: ${(err as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`Cairn console at ${running.url}${args.readOnly ? ' (read-only)' : ''}; Ctrl-C stops it\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await running.stop();
    return 0;
  },
};
