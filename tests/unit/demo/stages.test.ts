/** The demo's lines for each stage of the lifecycle (src/demo/stages.ts) and its prediction client's rows. */
import { describe, expect, it } from 'vitest';
import { featureRows } from '../../../src/demo/predict.js';
import { datasetLine, driftLine, lineageLines, trialLines } from '../../../src/demo/stages.js';

describe('the demo stage lines', () => {
  it('the Dataset: rows, columns, the short version, the profile ConfigMap', () => {
    expect(datasetLine({ metadata: { name: 'driver-stats' }, status: { rows: 2000, version: `sha256:${'b9683f1be97c'}${'0'.repeat(52)}`, profile: { configMapRef: { name: 'driver-stats-profile' }, features: 3 } } })).toBe(
      'Dataset driver-stats: 2000 rows profiled (3 columns), version sha256:b9683f1be97c, profile in ConfigMap driver-stats-profile',
    );
  });

  it('the trials: the gate, one line each sorted by name, the best marked, failures and refusals with their reason', () => {
    const lines = trialLines({
      metadata: { name: 'eta' },
      spec: { objective: { metric: 'rmse', goal: 'minimize' }, successCriteria: [{ metric: 'rmse', op: '<', value: 0.5 }] },
      status: {
        run: 2,
        bestTrial: 'eta-2-t0',
        trials: [
          { name: 'eta-2-t2', parameters: { alpha: '1' }, phase: 'Failed', message: 'TrainerFailed: exit code 1' },
          { name: 'eta-2-t1', parameters: { alpha: '0.1' }, phase: 'Succeeded', metrics: { rmse: 0.7627939, r2: 0.76 }, passed: false, message: 'did not pass: rmse = 0.76, needs < 0.5' },
          { name: 'eta-2-t0', parameters: { alpha: '0.001' }, phase: 'Succeeded', metrics: { rmse: 0.2083, r2: 0.98 }, passed: true },
        ],
      },
    });
    expect(lines).toEqual([
      'Experiment eta run 2: 3 trials, objective minimize rmse, gate rmse < 0.5',
      '  * eta-2-t0  alpha=0.001  r2 0.9800, rmse 0.2083  passed the gate',
      '    eta-2-t1  alpha=0.1  r2 0.7600, rmse 0.7628  refused: did not pass: rmse = 0.76, needs < 0.5',
      '    eta-2-t2  alpha=1  -  Failed: TrainerFailed: exit code 1',
    ]);
  });

  it('the registered model and its lineage', () => {
    expect(
      lineageLines({
        metadata: { name: 'eta-1' },
        spec: { model: 'eta', version: 1, artifact: { uri: 'pvc://ml-artifacts/eta/model.onnx', sha256: '94671d4eb969'.padEnd(64, 'f') }, lineage: { experiment: 'eta', run: 1, trial: 'eta-1-t2', parameters: { alpha: '0.001' }, dataset: { name: 'driver-stats', version: `sha256:${'b'.repeat(64)}` }, trainerImage: 'trainer:0.1.0' } },
      }),
    ).toEqual([
      'ModelVersion eta-1: model eta version 1, pvc://ml-artifacts/eta/model.onnx (sha256 94671d4eb969)',
      '  lineage: experiment eta run 1 trial eta-1-t2 (alpha=0.001), dataset driver-stats sha256:bbbbbbbbbbbb, trainer trainer:0.1.0',
    ]);
  });

  it('the drift check: the verdict, the samples and each score beside its threshold', () => {
    const line = driftLine('eta-drift', {
      status: {
        samples: 400,
        conditions: [{ type: 'Drifted', status: 'True', reason: 'Drifted', message: 'conv_rate drifted' }],
        features: [
          { name: 'conv_rate', method: 'psi', score: 0.41234, threshold: 0.2, drifted: true },
          { name: 'acc_rate', method: 'psi', score: 0.01, threshold: 0.2, drifted: false },
        ],
      },
    });
    expect(line).toBe('DriftMonitor eta-drift: Drifted=True (Drifted: conv_rate drifted) over 400 samples; conv_rate psi 0.4123/0.2000 DRIFTED, acc_rate psi 0.01000/0.2000');
    expect(driftLine('m', {})).toBe('DriftMonitor m: Ready=- ()');
  });
});

describe('featureRows', () => {
  const csv = 'conv_rate,acc_rate,avg_daily_trips,city,trip_minutes\n0.75,0.89,31,hanoi,13.9\n0.53,0.37,11,hue,13.8\n';
  it('picks the named columns in order, from the top', () => {
    expect(featureRows(csv, ['avg_daily_trips', 'conv_rate'], 5)).toEqual([
      [31, 0.75],
      [11, 0.53],
    ]);
    expect(featureRows(csv, ['conv_rate'], 1)).toEqual([[0.75]]);
  });
  it('a missing column is an error naming it', () => {
    expect(() => featureRows(csv, ['speed'], 1)).toThrow('the data has no column speed (columns: conv_rate, acc_rate, avg_daily_trips, city, trip_minutes)');
  });
});
