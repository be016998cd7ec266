/** Helpers for the GitSource integration tests: real Git repositories on local disk, an in-process operator. */
import type { KubeConfig } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gitSourceComponents } from '../../../src/controllers/gitsource/index.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import { adminKubeConfig, kubectlOk, testenv } from '../../harness/kube.js';
import { memoryLogger } from '../runtime/support.js';

const run = promisify(execFile);

export interface TestRepo {
  dir: string;
  url: string;
  /** Writes (string) or deletes (null) files, commits, returns the new commit id. */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  /** Tags the current commit. */
  tag(name: string): Promise<void>;
  cleanup(): void;
}

export async function makeRepo(): Promise<TestRepo> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-git-'));
  const git = async (...args: string[]) => (await run('git', args, { cwd: dir, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } })).stdout.trim();
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'test@cairn.dev');
  await git('config', 'user.name', 'Cairn tests');
  await git('config', 'commit.gpgsign', 'false');
  return {
    dir,
    url: `file://${dir}`,
    async commit(files, message = 'change') {
      for (const [path, content] of Object.entries(files)) {
        const full = join(dir, path);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      await git('add', '-A');
      await git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    async tag(name) {
      await git('tag', name);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A KubeClient that counts the writes it sends: how a test proves that an idle reconcile writes nothing. */
export class CountingKube {
  readonly writes: string[] = [];
  readonly client: KubeClient;

  constructor(inner: KubeClient) {
    const writes = this.writes;
    const record = (verb: string, res: { plural: string }, name: string | undefined) => writes.push(`${verb} ${res.plural}/${name ?? ''}`);
    this.client = {
      get: (...a) => inner.get(...a),
      list: (...a) => inner.list(...a),
      watch: (...a) => inner.watch(...a),
      create: (res, obj, o) => (record('create', res, obj.metadata?.name), inner.create(res, obj, o)),
      replace: (res, obj, o) => (record('replace', res, obj.metadata?.name), inner.replace(res, obj, o)),
      apply: (res, obj, o) => (record('apply', res, obj.metadata?.name), inner.apply(res, obj, o)),
      applyStatus: (res, obj, o) => (record('applyStatus', res, obj.metadata?.name), inner.applyStatus(res, obj, o)),
      patch: (res, name, ns, p, o) => (record('patch', res, name), inner.patch(res, name, ns, p, o)),
      delete: (res, name, ns, o) => (record('delete', res, name), inner.delete(res, name, ns, o)),
    };
  }
}

export interface TestOperator {
  operator: RunningOperator;
  writes: string[];
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startGitOperator(options: { namespaces: string[]; kubeConfig?: KubeConfig }): Promise<TestOperator> {
  const counting = new CountingKube(new HttpKubeClient(options.kubeConfig ?? adminKubeConfig()));
  const { log, lines } = memoryLogger('debug');
  const cacheDir = mkdtempSync(join(tmpdir(), 'cairn-gitcache-'));
  const components = gitSourceComponents({ gitCacheDir: cacheDir, allowFileUrls: true });
  const operator = await startOperator(
    {
      namespaces: options.namespaces,
      host: '127.0.0.1',
      port: 0,
      leaderElect: false,
      leaseNamespace: options.namespaces[0] ?? 'default',
      leaseName: 'cairn-operator',
      allowFileUrls: true,
      gitCacheDir: cacheDir,
      logLevel: 'debug',
      drainTimeoutMs: 5_000,
    },
    {
      log,
      kube: counting.client,
      components: { controllers: [components.controller], gitWebhook: components.webhook },
    },
  );
  return {
    operator,
    writes: counting.writes,
    logs: lines,
    stop: async () => {
      await operator.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

export async function installCrds(): Promise<void> {
  const crds = join(testenv().root, 'crds');
  await kubectlOk(['apply', '--server-side', '--field-manager=cairn-tests', '-f', crds]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=120s', '-f', crds]);
}

export function gitSourceYaml(name: string, namespace: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'cairn.dev/v1alpha1', kind: 'GitSource', metadata: { name, namespace }, spec });
}

export const modelVersionYaml = (name: string, version: number, extra = '') => `apiVersion: cairn.dev/v1alpha1
kind: ModelVersion
metadata:
  name: ${name}
spec:
  model: eta
  version: ${version}
  artifact: {uri: "s3://bucket/eta/${version}/model.onnx", sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}
${extra}`;

export const deploymentYaml = (name: string, replicas: number) => `apiVersion: cairn.dev/v1alpha1
kind: Deployment
metadata:
  name: ${name}
spec:
  model: eta
  version: {policy: latestReady}
  serving: {replicas: ${replicas}}
`;
