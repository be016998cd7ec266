import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRenderError, renderTrialJob, type TrialJobInput } from '../../../src/render/index.js';
import { trialArtifactsUri, trialName } from '../../../src/training/names.js';
import { expectGolden } from './golden.js';
import { experiment } from './owners.js';

const input = (trainer: TrialJobInput['experiment']['spec']['trainer'] = { image: 'registry.example.com/eta-trainer:1.4', command: ['python3', 'train.py'] }): TrialJobInput => {
  const name = trialName('eta-elasticnet', 2, 4);
  return {
    experiment: { ...experiment, spec: { trainer } },
    run: 2,
    name,
    parameters: { alpha: 0.01, l1_ratio: 0.5 },
    dataset: { name: 'driver-stats', uri: 's3://ml-data/driver_stats/2026-11.parquet', sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', format: 'parquet' },
    artifactsUri: trialArtifactsUri('s3://ml-artifacts/eta', 'eta-elasticnet', 2, name),
    cairnImage: 'ghcr.io/cairn-dev/cairn:0.1.0',
    timeoutSeconds: 1800,
  };
};

describe('renderTrialJob', () => {
  it('golden: fetch before the trainer, upload as a sidecar after it, the contract variables', () => {
    expectGolden(
      'trial-job',
      renderTrialJob(input({ image: 'registry.example.com/eta-trainer:1.4', command: ['python3', 'train.py'], env: [{ name: 'MODEL_PATH', value: '$(CAIRN_OUTPUT_DIR)/model.onnx' }], resources: { requests: { cpu: 1, memory: '1Gi' } }, serviceAccountName: 'trainer' })),
    );
  });

  it('the trainer reads the verified data and writes its output where the sidecar uploads from', () => {
    const job = renderTrialJob(input());
    const pod = job.spec.template.spec;
    const [fetch, upload] = pod.initContainers ?? [];
    const trainer = pod.containers[0]!;
    const env = Object.fromEntries((trainer.env ?? []).map((e) => [e.name, e.value]));
    expect(fetch?.args).toEqual(['fetch', 's3://ml-data/driver_stats/2026-11.parquet', '--sha256', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '--to', '/cairn/data', '--name', 'data.parquet']);
    expect(env.CAIRN_DATA_PATH).toBe('/cairn/data/data.parquet');
    expect(upload).toMatchObject({ restartPolicy: 'Always', args: ['upload', '/cairn/output', 's3://ml-artifacts/eta/eta-elasticnet/2/eta-elasticnet-2-t4/', '--after-sigterm', '--ready-file', '/tmp/cairn-upload-ready'] });
    // The trainer starts only once the sidecar would handle its SIGTERM; an attempt waits for it within its timeout.
    const probe = (upload as { startupProbe?: { exec: { command: string[] } } }).startupProbe;
    expect(probe).toMatchObject({ periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 75 });
    expect(probe?.exec.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(probe?.exec.command[2]).toContain('[ ! -e /tmp/cairn-upload-ready ]');
    expect(env.CAIRN_OUTPUT_DIR).toBe('/cairn/output');
    expect(env.CAIRN_PARAMS).toBe('{"alpha":0.01,"l1_ratio":0.5}');
    expect(env).toMatchObject({ CAIRN_RUN: '2', CAIRN_TRIAL: 'eta-elasticnet-2-t4', CAIRN_EXPERIMENT: 'eta-elasticnet', CAIRN_DATA_FORMAT: 'parquet' });
    expect(trainer.volumeMounts?.find((m) => m.mountPath === '/cairn/data')?.readOnly).toBe(true);
    expect(job.spec.activeDeadlineSeconds).toBe(1800);
    expect(job.metadata.annotations?.['cairn.dev/parameters']).toBe('{"alpha":0.01,"l1_ratio":0.5}');
  });

  it("the sidecar's startup probe passes on its first attempt when the ready file appears while it waits, and fails without it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-upload-probe-'));
    try {
      const upload = renderTrialJob(input()).spec.template.spec.initContainers?.find((c) => c.name === 'upload') as unknown as { startupProbe: { exec: { command: string[] } } };
      const [shell, flag, script] = upload.startupProbe.exec.command;
      expect(shell).toBe('sh');
      const run = (readyFile: string) =>
        new Promise<number>((resolve) => execFile('sh', [flag!, script!.replace('/tmp/cairn-upload-ready', readyFile)], (error) => resolve(error ? Number(error.code ?? 1) : 0)));
      const attempt = run(join(dir, 'ready'));
      setTimeout(() => void writeFile(join(dir, 'ready'), ''), 200);
      expect(await attempt).toBe(0);
      expect(await run(join(dir, 'never'))).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses a trainer env var that would redefine a CAIRN_* variable', () => {
    let error: unknown;
    try {
      renderTrialJob(input({ image: 'x', env: [{ name: 'A', value: '1' }, { name: 'CAIRN_DATA_PATH', value: '/elsewhere' }] }));
    } catch (err) {
      error = err;
    }
    expect(isRenderError(error) && error.field).toBe('spec.trainer.env[1].name');
  });

  it('placement and --allow-file-urls reach the pod and both storage containers', () => {
    const toleration = { key: 'cairn.dev/local-node', operator: 'Equal' as const, value: 'true', effect: 'NoSchedule' as const };
    const pod = renderTrialJob({ ...input(), placement: { nodeSelector: { 'cairn.dev/local-node': 'true' }, tolerations: [toleration] }, allowFileUrls: true }).spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'cairn.dev/local-node': 'true' });
    expect(pod.tolerations).toEqual([toleration]);
    expect(pod.initContainers?.map((c) => c.args?.at(-1))).toEqual(['--allow-file-urls', '--allow-file-urls']);
    const plain = renderTrialJob(input()).spec.template.spec;
    expect(plain.nodeSelector).toBeUndefined();
    expect(plain.initContainers?.flatMap((c) => c.args ?? [])).not.toContain('--allow-file-urls');
  });
});
