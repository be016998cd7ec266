/**
 * `npm run demo` runs the examples' whole loop (data profiled, trials gated, the best model registered with its
 * lineage, served with predictions answered, the drift check; a change applied through the webhook; then new data
 * committed, drift found against the stable model's data, the retraining run, the new version's canary to 100%),
 * reaches its table with every object, ends with the loop's timeline, and leaves nothing behind. It starts a local cluster of its own, next to
 * the test environment's.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPortClosed } from '../../src/testenv/index.js';
import { testenv } from '../harness/kube.js';

function runDemo(root: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'demo.ts'), '--once'], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run demo', () => {
  it('syncs examples/ from a local Git repository, runs their whole loop with the retraining round, and stops cleanly', { timeout: 1_800_000 }, async () => {
    const { code, stdout, stderr } = await runDemo(testenv().root);
    expect(stderr).not.toContain('demo failed');
    expect(code).toBe(0);
    const table = stdout.slice(stdout.lastIndexOf('KIND'));
    for (const row of [/GitSource\s+examples\s+True/, /Dataset\s+driver-stats\s+(True|False|Unknown)\s+examples/, /Experiment\s+eta-elasticnet\s+(True|False|Unknown)\s+examples/, /Deployment\s+eta\s+(True|False|Unknown)\s+examples/, /DriftMonitor\s+eta-drift\s+(True|False|Unknown)\s+examples/]) {
      expect(table).toMatch(row);
    }
    // The lifecycle, stage by stage: data profiled, trials gated, the best registered with lineage, served, checked.
    expect(stdout).toMatch(/Dataset driver-stats: 2000 rows profiled \(3 columns\), version sha256:b9683f1be97c/);
    expect(stdout).toMatch(/Experiment eta-elasticnet run 1: 9 trials, objective minimize rmse, gate rmse < 0\.5 and r2 >= 0\.8/);
    expect(stdout).toMatch(/\* eta-elasticnet-1-t\d .* passed the gate/);
    expect(stdout).toMatch(/refused: did not pass: rmse = /);
    expect(stdout).toMatch(/ModelVersion eta-1: model eta version 1, pvc:\/\/ml-artifacts\/eta\/eta-elasticnet\/1\//);
    expect(stdout).toMatch(/lineage: experiment eta-elasticnet run 1 trial eta-elasticnet-1-t\d .* dataset driver-stats sha256:b9683f1be97c, trainer cairn-example-trainer:0\.1\.0/);
    // Its ClusterIP is in the demo's own range (127.0.128.0/18), apart from the test environment's Services.
    expect(stdout).toMatch(/Deployment eta serves version 1 at http:\/\/127\.0\.(12[89]|1[3-8]\d|19[01])\.\d+; 400 of 400 predictions answered/);
    expect(stdout).toMatch(/DriftMonitor eta-drift: Drifted=/);
    expect(stdout).toMatch(/Webhook POST \/hooks\/git\/cairn-demo\/examples \(GitHub signature\): HTTP 202/);
    expect(stdout).toMatch(/Applied in \d+ ms through the webhook/);
    // The second half: new data, drift against the stable model's data, the retraining run (the drift's
    // request coalesced into it), the new version and its canary to 100%, the loop's timeline.
    expect(stdout).toMatch(/Committed [0-9a-f]{12}: Dataset driver-stats -> pvc:\/\/ml-data\/driver_stats\/2026-12\.csv/);
    expect(stdout).toMatch(/Dataset driver-stats: 2000 rows profiled \(3 columns\), version sha256:(?!b9683f1be97c)[0-9a-f]{12}/);
    expect(stdout).toMatch(/Experiment eta-elasticnet run 2 started on Dataset driver-stats/);
    expect(stdout).toMatch(/DriftMonitor eta-drift: Drifted=True \(DriftDetected: conv_rate: psi/);
    expect(stdout).toMatch(/baseline: Dataset driver-stats sha256:b9683f1be97c \(ConfigMap driver-stats-profile-b9683f1be97c\), the data the stable eta-1 was trained on/);
    expect(stdout).toMatch(/Experiment eta-elasticnet run 2: 9 trials/);
    expect(stdout).toMatch(/Retrain request driftmonitor\/eta-drift@\S+: coalesced into run 2, no second run on the same data/);
    expect(stdout).toMatch(/ModelVersion eta-2: model eta version 2/);
    expect(stdout).toMatch(/lineage: experiment eta-elasticnet run 2 trial .* dataset driver-stats sha256:(?!b9683f1be97c)[0-9a-f]{12}/);
    for (const weight of [10, 50, 100]) expect(stdout).toMatch(new RegExp(`Deployment eta: canary version 2 at ${weight}%`));
    expect(stdout).toMatch(/Deployment eta serves version 2 to all traffic; \d+ of \d+ live predictions answered/);
    expect(table).toMatch(/ModelVersion\s+eta-2\s+True/);
    expect(stdout).toMatch(/The loop's timeline, from the data commit to the retrained model at 100%/);
    expect(stdout).toMatch(/the whole loop\s+[\d.]+ s\s+[\d.]+ s\s+[\d.]+ s\s+[\d.]+ s\s+[\d.]+ s/);
    expect(stdout).toMatch(/Cairn's overhead over the whole loop: [\d.]+ s \(goal <= 10\.0 s: (met|missed)\)/);
    expect(stdout).toContain('Stopped; nothing left running');
    // The control plane it started is gone: its run directory and its API server port.
    const dir = /kubeconfig: (\/\S+)\/admin\.kubeconfig/.exec(stdout)?.[1];
    const port = Number(/Control plane up at https:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
    expect(dir && existsSync(dir)).toBe(false);
    expect(await isPortClosed(port)).toBe(true);
  });
});
