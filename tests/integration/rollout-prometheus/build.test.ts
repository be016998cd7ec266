/**
 * How the Prometheus of the tests is built and cached (scripts/testenv/build-prometheus.sh through
 * ensurePrometheus): a directory of its own keyed by Prometheus' version, apart from the control plane's bin
 * directory; a cached binary is used as is; a build that cannot be done fails loudly, naming the step.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { ensurePrometheus, silentLogger } from '../../../src/testenv/index.js';
import { testenv } from '../../harness/kube.js';

const script = (name: string) => join(testenv().root, 'scripts', 'testenv', name);
const print = (name: string, env: NodeJS.ProcessEnv) => execFileSync('bash', [script(name), '--print'], { env, encoding: 'utf8' }).trim();

function collector(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('the Prometheus build', () => {
  let cache = '';
  afterEach(async () => {
    if (cache) await rm(cache, { recursive: true, force: true });
  });

  test("is cached in a directory keyed by Prometheus' version, apart from the control plane's bin directory", async () => {
    cache = await mkdtemp(join(tmpdir(), 'cairn-prometheus-'));
    const env = { ...process.env, CAIRN_TESTENV_CACHE: cache };
    const binary = print('build-prometheus.sh', env);
    expect(binary).toBe(join(cache, 'prometheus-3.16.0', 'prometheus'));
    // Bumping Prometheus must not change the name of (and so rebuild) the Kubernetes binaries, nor the reverse.
    expect(dirname(print('build.sh', env))).toBe(cache);
    expect(basename(print('build.sh', env))).not.toContain('prometheus');
    expect(dirname(binary)).not.toBe(print('build.sh', env));
  });

  test('a cached binary is used without building, and the script only prints its path', async () => {
    cache = await mkdtemp(join(tmpdir(), 'cairn-prometheus-'));
    const env = { ...process.env, CAIRN_TESTENV_CACHE: cache };
    const built = await ensurePrometheus({ logger: silentLogger }); // the real one, built once per machine
    const binary = print('build-prometheus.sh', env);
    mkdirSync(dirname(binary), { recursive: true });
    symlinkSync(built, binary);
    const progress = collector();
    expect(await ensurePrometheus({ logger: silentLogger, progress: progress.stream, env })).toBe(binary);
    expect(progress.text()).toBe('');
    const out = execFileSync('bash', [script('build-prometheus.sh')], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim()).toBe(binary);
  }, 60 * 60_000);

  test('test files asking at once: one builds, the others wait for it and find it cached', async () => {
    await ensurePrometheus({ logger: silentLogger }); // the Go build cache is warm after this: the build below only links
    cache = await mkdtemp(join(tmpdir(), 'cairn-prometheus-'));
    const env = { ...process.env, CAIRN_TESTENV_CACHE: cache };
    const progress = [collector(), collector()];
    const binaries = await Promise.all(progress.map((p) => ensurePrometheus({ logger: silentLogger, progress: p.stream, env })));
    expect(binaries).toEqual([print('build-prometheus.sh', env), print('build-prometheus.sh', env)]);
    const [builder, waiter] = progress.map((p) => p.text()).sort((a, b) => (a.includes('built in') ? -1 : b.includes('built in') ? 1 : 0));
    expect(builder).toMatch(/prometheus v3\.16\.0: built in \d+s/);
    expect(waiter).toContain('another process is building it; waiting');
    expect(waiter).toContain('prometheus v3.16.0: cached');
  }, 60 * 60_000);

  test('with no go on the PATH it fails loudly, naming the step', async () => {
    cache = await mkdtemp(join(tmpdir(), 'cairn-prometheus-'));
    expect(existsSync('/usr/bin/go') || existsSync('/bin/go')).toBe(false);
    const progress = collector();
    const noGo = { ...process.env, CAIRN_TESTENV_CACHE: cache, PATH: '/usr/bin:/bin' };
    await expect(ensurePrometheus({ logger: silentLogger, progress: progress.stream, env: noGo })).rejects.toThrow(
      /build-prometheus\.sh failed \(exit code 1\) at: go is not on PATH/,
    );
    expect(progress.text()).toContain('FAILED: go is not on PATH');
  });

  test('with the module unreachable it fails at the go install step', async () => {
    cache = await mkdtemp(join(tmpdir(), 'cairn-prometheus-'));
    const progress = collector();
    // An empty module cache and no proxy: the module cannot be had, as on a machine with no network.
    const offline = { ...process.env, CAIRN_TESTENV_CACHE: cache, GOPROXY: 'off', GOMODCACHE: join(cache, 'gomod') };
    await expect(ensurePrometheus({ logger: silentLogger, progress: progress.stream, env: offline })).rejects.toThrow(
      'at: go install github.com/prometheus/prometheus/cmd/prometheus@v0.316.0',
    );
    expect(progress.text()).toContain('GOPROXY=off');
    expect(existsSync(print('build-prometheus.sh', offline))).toBe(false);
  });

  test('CAIRN_TESTENV_PROMETHEUS names the binary to use; a wrong one is an error', async () => {
    cache = await mkdtemp(join(tmpdir(), 'cairn-prometheus-'));
    const built = await ensurePrometheus({ logger: silentLogger });
    expect(await ensurePrometheus({ logger: silentLogger, env: { ...process.env, CAIRN_TESTENV_PROMETHEUS: built } })).toBe(built);
    const missing = join(cache, 'nothing');
    await expect(ensurePrometheus({ logger: silentLogger, env: { ...process.env, CAIRN_TESTENV_PROMETHEUS: missing } })).rejects.toThrow(`CAIRN_TESTENV_PROMETHEUS=${missing} is not an executable file`);
  });
});
