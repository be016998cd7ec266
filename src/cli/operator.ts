/**
 * `cairn operator`: the controllers, the Git sync and the webhook receiver (docs/contracts.md §3). Parses
 * arguments and wires the process's I/O (stdout JSON logger, signals) into src/operator/operator.ts.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownNamespace } from '../operator/identity.js';
import { startOperator } from '../operator/operator.js';
import { CONTROLLER_NAMES, type ControllerName, type OperatorOptions } from '../operator/options.js';
import { stopOnSignal } from '../operator/signals.js';
import { createLogger } from '../runtime/logger.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';

export const usage = `Usage: cairn operator [options]

Runs the Cairn controllers against a Kubernetes cluster: informers, work queues, leader election, the Git
sync and its webhook receiver. Serves /healthz, /readyz, /metrics and POST /hooks/git/{namespace}/{name}.

Cluster:
  --kubeconfig PATH        kubeconfig file (default: in-cluster service account, else $KUBECONFIG or ~/.kube/config)
  --context NAME           kubeconfig context (default: its current context)
  --namespaces a,b         namespaces to watch (default: all namespaces)
  --controllers a,b        controllers to run, of gitsource, dataset, modelversion, experiment,
                           deployment, driftmonitor (default: all)
HTTP:
  --metrics-addr [HOST]:PORT
                           listen address for metrics, probes and webhooks (default :8080)
  --console-bind-address [HOST]:PORT
                           also serve the web console (as \`cairn console\` does) on this address, read-only:
                           what the operator's ServiceAccount may list, no promote or abort. Answers only
                           requests addressed to localhost: reach it with kubectl port-forward (default: off)
Leader election:
  --leader-elect[=true|false]
                           campaign for a coordination.k8s.io Lease; only the leader reconciles (default false;
                           run more than one replica only with it on)
  --lease-namespace NS     namespace of the Lease (default: $POD_NAMESPACE or the pod's own namespace)
  --lease-name NAME        name of the Lease (default cairn-operator)
Git:
  --git-cache-dir DIR      working copies of GitSources (default <tmpdir>/cairn-git)
  --allow-file-urls[=true|false]
                           accept file:// URLs and local paths in GitSources, Datasets and ModelVersions.
                           They read the operator's own disk: development and tests only (default false)
Process:
  --drain-timeout-s N      on SIGTERM, longest wait for running reconciles (default 20)
  --log-level LEVEL        fatal, error, warn, info, debug, trace (default info)
  -h, --help               this help
`;

const options = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespaces: { type: 'string' },
  controllers: { type: 'string' },
  'metrics-addr': { type: 'string', default: ':8080' },
  'console-bind-address': { type: 'string' },
  'leader-elect': { type: 'boolean', default: false },
  'lease-namespace': { type: 'string' },
  'lease-name': { type: 'string', default: 'cairn-operator' },
  'git-cache-dir': { type: 'string' },
  'allow-file-urls': { type: 'boolean', default: false },
  'drain-timeout-s': { type: 'string', default: '20' },
  'log-level': { type: 'string', default: 'info' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const BOOLEAN_FLAGS = new Set(['leader-elect', 'allow-file-urls']);
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Accepts `--flag=true|false` for boolean flags (node's parseArgs takes only `--flag`); returns the flags set to false. */
function expandBooleans(argv: string[]): { args: string[]; off: Set<string> } {
  const args: string[] = [];
  const off = new Set<string>();
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m || !BOOLEAN_FLAGS.has(m[1]!)) args.push(arg);
    else if (m[2] === 'true') args.push(`--${m[1]}`);
    else if (m[2] === 'false') off.add(m[1]!);
    else throw new UsageError(`--${m[1]}: expected true or false, got "${m[2]}"`);
  }
  return { args, off };
}

/** `:8080`, `0.0.0.0:8080`, `127.0.0.1:0`, `[::1]:9090`. */
function parseAddress(flag: string, text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new UsageError(`--${flag}: expected [HOST]:PORT, got "${text}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function parseControllers(text: string): ControllerName[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--controllers: name at least one of ${CONTROLLER_NAMES.join(', ')}`);
  for (const name of names) {
    if (!(CONTROLLER_NAMES as readonly string[]).includes(name)) throw new UsageError(`--controllers: unknown controller "${name}"; expected some of ${CONTROLLER_NAMES.join(', ')}`);
  }
  return names as ControllerName[];
}

/** Parses `cairn operator` arguments; throws UsageError. `help` when --help was given. */
export function parseOperatorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): OperatorOptions | 'help' {
  const { args, off } = expandBooleans(argv);
  const values: Record<string, unknown> = parseCommandArgs({ args, options, strict: true, allowPositionals: false }).values;
  if (values.help) return 'help';
  for (const flag of off) values[flag] = false;
  const namespaces = typeof values.namespaces === 'string' ? values.namespaces.split(',').map((s) => s.trim()).filter(Boolean) : [];
  for (const ns of namespaces) if (!DNS_LABEL.test(ns)) throw new UsageError(`--namespaces: "${ns}" is not a namespace name`);
  const controllers = typeof values.controllers === 'string' ? parseControllers(values.controllers) : undefined;
  const { host, port } = parseAddress('metrics-addr', values['metrics-addr'] as string);
  const consoleAddress = typeof values['console-bind-address'] === 'string' ? parseAddress('console-bind-address', values['console-bind-address']) : undefined;
  if (consoleAddress && consoleAddress.port === port && consoleAddress.port !== 0) throw new UsageError(`--console-bind-address: port ${port} is the --metrics-addr port already`);
  const leaseNamespace = (values['lease-namespace'] as string | undefined) ?? ownNamespace(env);
  if (!DNS_LABEL.test(leaseNamespace)) throw new UsageError(`--lease-namespace: "${leaseNamespace}" is not a namespace name`);
  const drain = Number(values['drain-timeout-s']);
  if (!Number.isFinite(drain) || drain < 0 || drain > 3600) throw new UsageError(`--drain-timeout-s: expected seconds in [0, 3600], got "${String(values['drain-timeout-s'])}"`);
  const logLevel = values['log-level'] as string;
  if (!LEVELS.includes(logLevel)) throw new UsageError(`--log-level: expected one of ${LEVELS.join(', ')}, got "${logLevel}"`);
  const result: OperatorOptions = {
    namespaces,
    host,
    port,
    leaderElect: values['leader-elect'] as boolean,
    leaseNamespace,
    leaseName: values['lease-name'] as string,
    allowFileUrls: values['allow-file-urls'] as boolean,
    gitCacheDir: (values['git-cache-dir'] as string | undefined) ?? join(tmpdir(), 'cairn-git'),
    logLevel,
    drainTimeoutMs: drain * 1000,
  };
  if (controllers) result.controllers = controllers;
  if (consoleAddress) result.console = consoleAddress;
  if (typeof values.kubeconfig === 'string') result.kubeconfig = values.kubeconfig;
  if (typeof values.context === 'string') result.context = values.context;
  return result;
}

export const operatorCommand: Command = {
  async run(argv) {
    let parsed: OperatorOptions | 'help';
    try {
      parsed = parseOperatorArgs(argv);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`cairn operator: ${err.message}\n\n${usage}`);
      return 2;
    }
    if (parsed === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    const log = createLogger({ level: parsed.logLevel, base: { component: 'operator' } });
    if (parsed.allowFileUrls) log.warn('file:// URLs are allowed (--allow-file-urls): development only');
    let operator: Awaited<ReturnType<typeof startOperator>>;
    try {
      operator = await startOperator(parsed, { log });
    } catch (err) {
      log.error({ err }, 'Failed to start operator');
      return 1;
    }
    return stopOnSignal(process, log, operator.stop);
  },
};
