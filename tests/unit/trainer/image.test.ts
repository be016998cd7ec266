/**
 * The local node's image cairn-example-trainer (src/localnode/images.ts): the Experiment's `command: [python3,
 * train.py]` and the image's ENTRYPOINT both run examples/trainer/train.py in the trainer's Python environment,
 * from the pod's own working directory (which the node needs to keep: its termination message file lives there).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerArgv } from '../../../src/localnode/command.js';
import { defaultImages } from '../../../src/localnode/images.js';
import { root, trainerPython } from './run-trainer.js';

function run(argv: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } }, (error, _stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stderr }));
  });
}

describe('image cairn-example-trainer on the local node', () => {
  it.each([
    ['command: [python3, train.py]', { name: 'trainer', image: 'registry.example.com/cairn-example-trainer:0.1.0', command: ['python3', 'train.py'] }],
    ['the image ENTRYPOINT', { name: 'trainer', image: 'cairn-example-trainer:0.1.0' }],
  ] as Array<[string, { name: string; image: string; command?: string[] }]>)('%s trains from the pod folder with the pinned interpreter', async (_name, container) => {
    const image = defaultImages(root, { trainerPython: await trainerPython() }).get('cairn-example-trainer')!;
    const argv = containerArgv(container, image, {});
    expect(argv[0]).toBe(await trainerPython());
    const pod = await mkdtemp(join(tmpdir(), 'cairn-trainer-pod-'));
    await mkdir(join(pod, 'output'));
    const result = await run(argv, pod, {
      CAIRN_DATA_PATH: join(root, 'examples', 'data', 'driver_stats.csv'),
      CAIRN_OUTPUT_DIR: join(pod, 'output'),
      CAIRN_TERMINATION_LOG: join(pod, 'trainer.termination-log'),
      CAIRN_PARAMS: '{"alpha":0.001}',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(JSON.parse(await readFile(join(pod, 'trainer.termination-log'), 'utf8')).metrics).sort()).toEqual(['mae', 'r2', 'rmse']);
  }, 180_000);
});
