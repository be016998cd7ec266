/**
 * `cairn rollout promote|abort|status NAME`: a person's hand on a rollout. promote and abort set the
 * cairn.dev/promote or cairn.dev/abort annotation of the cairn.dev Deployment to a new value (the controller
 * acts once per value, docs/rollouts.md); status draws where the rollout stands (src/rollout/status-view.ts),
 * and with --watch redraws on every change until the rollout is no longer moving.
 */
import type { Deployment } from '../api/kinds/index.js';
import type { KubeClient } from '../runtime/kube/client.js';
import type { KubeObject } from '../runtime/kube/object.js';
import { rolloutStatusLines } from '../rollout/status-view.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';

const usage = `Usage: cairn rollout promote|abort|status NAME [options]

  promote NAME   finish the rollout of the Deployment NAME now: its new version takes all traffic
  abort NAME     roll it back now: all traffic to the stable version, the new version's pods removed
  status NAME    where the rollout stands: phase, versions, weights, analysis, and the steps

Options:
  -n, --namespace NS     namespace of the Deployment (default "default")
  --kubeconfig PATH      kubeconfig file (default: $KUBECONFIG or ~/.kube/config, or the pod's service account)
  --context NAME         kubeconfig context
  -w, --watch            status: redraw on each change until the rollout is Healthy, Paused or RolledBack
  -h, --help             this help

Exit status: 0 done, 1 failed (no such Deployment, the API refused), 2 usage error.`;

export interface RolloutArgs {
  action: 'promote' | 'abort' | 'status';
  name: string;
  namespace: string;
  kubeconfig?: string;
  context?: string;
  watch: boolean;
}

export function parseRolloutArgs(argv: string[]): RolloutArgs | 'help' {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n', default: 'default' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      watch: { type: 'boolean', short: 'w', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const [action, name, ...extra] = positionals;
  if (action !== 'promote' && action !== 'abort' && action !== 'status') throw new UsageError(`expected promote, abort or status, got ${action === undefined ? 'nothing' : `"${action}"`}`);
  if (!name) throw new UsageError(`${action}: the name of a Deployment is required`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.watch && action !== 'status') throw new UsageError('--watch goes with status only');
  return {
    action,
    name,
    namespace: values.namespace,
    watch: values.watch,
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context ? { context: values.context } : {}),
  };
}

type DeploymentObject = Deployment & KubeObject;

export interface RolloutIo {
  kube: KubeClient;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** The value written to the annotation (a timestamp: distinct each time, so each command is acted on). */
  now: () => Date;
  /** Time between two reads of --watch. */
  pollMs?: number;
}

/** Runs one rollout action; returns the exit code. */
export async function runRollout(args: RolloutArgs, io: RolloutIo): Promise<number> {
  const { deploymentResource, PROMOTE_ANNOTATION, ABORT_ANNOTATION } = await import('../controllers/deployment/index.js');
  const read = () => io.kube.get<DeploymentObject>(deploymentResource, args.name, args.namespace);
  const existing = await read();
  if (!existing) {
    io.err.write(`cairn rollout: Deployment ${args.namespace}/${args.name} (cairn.dev) not found\n`);
    return 1;
  }
  if (args.action === 'status') {
    let shown = '';
    for (let current: DeploymentObject | undefined = existing; current; current = await read()) {
      const picture = rolloutStatusLines(current).join('\n');
      if (picture !== shown) io.out.write(`${shown ? '\n' : ''}${picture}\n`);
      shown = picture;
      const phase = current.status?.phase;
      if (!args.watch || phase === 'Healthy' || phase === 'Paused' || phase === 'RolledBack') return 0;
      await new Promise((r) => setTimeout(r, io.pollMs ?? 1_000));
    }
    io.err.write(`cairn rollout: Deployment ${args.namespace}/${args.name} was deleted\n`);
    return 1;
  }
  if (args.action === 'promote' && existing.status?.canary === undefined) {
    io.err.write(`cairn rollout: Deployment ${args.name} has no rollout in progress to promote (${existing.status?.phase ?? 'no status yet'})\n`);
    return 1;
  }
  const annotation = args.action === 'promote' ? PROMOTE_ANNOTATION : ABORT_ANNOTATION;
  await io.kube.patch(deploymentResource, args.name, args.namespace, { metadata: { annotations: { [annotation]: io.now().toISOString() } } }, { type: 'merge' });
  const version = existing.status?.canary?.version;
  io.out.write(`Deployment ${args.name}: ${args.action === 'promote' ? 'promote' : 'abort'} requested${version !== undefined ? ` for version ${version}` : ''} (${annotation})\n`);
  return 0;
}

async function defaultKube(args: RolloutArgs): Promise<KubeClient> {
  const [{ HttpKubeClient }, { loadRestConfig }] = await Promise.all([import('../runtime/kube/http-client.js'), import('../runtime/kube/config.js')]);
  return new HttpKubeClient(loadRestConfig({ ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}), ...(args.context ? { context: args.context } : {}) }));
}

export const rolloutCommand: Command = {
  async run(argv) {
    let args: RolloutArgs | 'help';
    try {
      args = parseRolloutArgs(argv);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`cairn rollout: ${err.message}\n\n${usage}\n`);
      return 2;
    }
    if (args === 'help') {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    try {
      return await runRollout(args, { kube: await defaultKube(args), out: process.stdout, err: process.stderr, now: () => new Date() });
    } catch (err) {
      process.stderr.write(`cairn rollout: ${(err as Error).message}\n`);
      return 1;
    }
  },
};
