/**
 * `npm run demo`: the main job of Cairn on a machine with no cluster. Builds or reuses the local control
 * plane, installs the CRDs, starts `cairn operator`, turns examples/ into a local Git repository with a
 * GitSource pointing at it, shows the sync, then commits a change and shows it applied through the webhook.
 * Ctrl-C (or --once) stops everything it started.
 */
import { join } from 'node:path';
import type { GitSource } from '../api/kinds/index.js';
import { kinds } from '../api/kinds/index.js';
import { cairnResource, cairnResources } from '../controllers/resources.js';
import { githubSignature } from '../runtime/http/signature.js';
import { HttpKubeClient } from '../runtime/kube/http-client.js';
import type { KubeObject } from '../runtime/kube/object.js';
import { builtin } from '../runtime/kube/resource.js';
import { ensureBinaries, startControlPlane, type ControlPlane, type Logger } from '../testenv/index.js';
import { installCrds, pollUntil, startOperatorInPlane } from './cluster.js';
import { createDemoRepo, type DemoRepo } from './git.js';
import { demoLogger, step } from './progress.js';
import { renderTable, shortRevision, type Row } from './table.js';

export interface DemoOptions {
  root: string;
  /** Stop after showing the change instead of waiting for Ctrl-C. */
  once: boolean;
  out: (line: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  interrupted: Promise<void>;
}

const namespace = 'cairn-demo';
const sourceName = 'examples';
const webhookToken = 'cairn-demo-webhook-token';

type Obj = KubeObject & { status?: { conditions?: { type: string; status: string; message?: string }[]; revision?: string } };

let stopRequested = false;

/** Waits, but gives up at once on Ctrl-C. */
function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  return pollUntil(what, check, { stopped: () => stopRequested });
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const started = Date.now();
  stopRequested = false;
  void options.interrupted.then(() => (stopRequested = true));
  const say = (line: string) => options.out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  const quiet: Logger = demoLogger(options.out);
  let plane: ControlPlane | undefined;
  let repo: DemoRepo | undefined;
  try {
    say('Checking the control-plane binaries (built from upstream Go modules on first use: ~15 min on 2 cores)');
    // Its progress: the entries below through `say`, build.sh's own timestamped lines on stderr.
    const binDir = await step('building the control-plane binaries (bash scripts/testenv/build.sh)', () =>
      ensureBinaries({ root: options.root, logger: demoLogger(say, { info: true }) }),
    );
    say(`Starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok`);
    plane = await step('starting the control plane', () => startControlPlane({ binDir, logger: quiet, kwokNodes: 1 }));
    say(`Control plane up at ${plane.server} (kubeconfig: ${plane.kubeconfigPath})`);
    const kube = new HttpKubeClient(plane.kubeConfig());

    await step('installing the CRDs of crds/', () => installCrds(kube, join(options.root, 'crds'), 'cairn-demo', { stopped: () => stopRequested }));
    say(`Installed the CRDs of ${kinds.map((k) => k.kind).join(', ')}`);

    await kube.apply(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { fieldManager: 'cairn-demo' });
    repo = await step('making a Git repository of examples/ (git init, git commit)', () => createDemoRepo(join(options.root, 'examples')));
    const first = await repo.head();
    say(`Made a Git repository of examples/ at ${repo.dir} (commit ${first.slice(0, 12)})`);

    const running = plane;
    const { address, logFile: operatorLog } = await step('starting cairn operator', () =>
      startOperatorInPlane(running, options.root, { namespace, podName: 'cairn-demo', poll: { stopped: () => stopRequested } }),
    );
    say(`Started cairn operator at ${address} (log: ${operatorLog})`);

    await kube.apply(builtin.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git-auth', namespace }, stringData: { webhookToken } } as KubeObject, { fieldManager: 'cairn-demo' });
    const source = {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'GitSource',
      metadata: { name: sourceName, namespace },
      // A long interval: the change below arrives through the webhook, not through polling.
      spec: { url: repo.url, ref: { branch: 'main' }, path: 'driver-stats', interval: '1h', secretRef: { name: 'git-auth' }, prune: true },
    };
    await kube.apply(cairnResource('GitSource'), source as KubeObject, { fieldManager: 'cairn-demo' });
    say(`Created GitSource ${namespace}/${sourceName}: ${repo.url} branch main, path driver-stats`);

    const synced = (commit: string) =>
      until(`revision ${commit.slice(0, 12)}`, async () => {
        const gs = await kube.get<GitSource & KubeObject>(cairnResource('GitSource'), sourceName, namespace);
        return gs?.status?.revision === `main@sha1:${commit}` ? gs : undefined;
      });
    const gs = await synced(first);
    const ready = gs.status?.conditions?.find((c) => c.type === 'Ready');
    say(`Synced: ${ready?.message ?? ''}`);
    options.out('');
    options.out(renderTable(await rows(kube)));
    options.out('');
    options.out('  The Dataset waits for its claim ml-data, the Experiment for the Dataset, the Deployment for a ModelVersion and the');
    options.out('  DriftMonitor for the Deployment: the whole lifecycle comes to the demo next.');
    options.out('');

    const deploymentFile = 'driver-stats/deployment.yaml';
    const before = (await kube.get<Obj & { spec?: { serving?: { replicas?: number } } }>(cairnResource('Deployment'), 'eta', namespace))?.spec?.serving?.replicas ?? 0;
    const after = before + 1;
    const second = await repo.change(deploymentFile, (text) => text.replace(/replicas: \d+/, `replicas: ${after}`), `Scale eta to ${after} replicas`);
    const pushed = Date.now();
    say(`Committed ${second.slice(0, 12)}: Deployment eta replicas ${before} -> ${after}`);
    const body = JSON.stringify({ ref: 'refs/heads/main', after: second });
    const answer = await fetch(`${address}/hooks/git/${namespace}/${sourceName}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': githubSignature(webhookToken, body) },
      body,
    });
    say(`Webhook POST /hooks/git/${namespace}/${sourceName} (GitHub signature): HTTP ${answer.status}`);
    await until('the change', async () => {
      const eta = await kube.get<Obj & { spec?: { serving?: { replicas?: number } } }>(cairnResource('Deployment'), 'eta', namespace);
      return eta?.spec?.serving?.replicas === after ? true : undefined;
    });
    say(`Applied in ${Date.now() - pushed} ms through the webhook (polling interval: 1h)`);
    await synced(second);
    options.out('');
    options.out(renderTable(await rows(kube)));
    options.out('');
    if (!options.once) {
      say(`Running. Try: KUBECONFIG=${plane.kubeconfigPath} kubectl -n ${namespace} get cairn   (Ctrl-C stops everything)`);
      await options.interrupted;
      options.out('');
    }
  } finally {
    say('Stopping the operator and the control plane');
    await plane?.stop();
    repo?.remove();
    say('Stopped; nothing left running');
  }
}

async function rows(kube: HttpKubeClient): Promise<Row[]> {
  const result: Row[] = [];
  for (const res of cairnResources) {
    const { items } = await kube.list<Obj>(res, { namespace });
    for (const item of items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
      const ready = item.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-';
      result.push({
        kind: res.kind,
        name: item.metadata?.name ?? '',
        ready,
        source: item.metadata?.labels?.['cairn.dev/source'] ?? '-',
        revision: shortRevision(item.status?.revision ?? item.metadata?.annotations?.['cairn.dev/revision']),
      });
    }
  }
  return result;
}
