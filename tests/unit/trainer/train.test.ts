/**
 * The example trainer against the trainer contract (docs/contracts.md §1), run as a real Python process of its
 * pinned environment: metrics in the termination message, a model ONNX Runtime loads and whose predictions are
 * the fitted line, the same result from csv, parquet and jsonl, and a clear {reason, message} with exit 1 for
 * every bad input.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { generator, root, runPython, runTrial, trainerPython } from './run-trainer.js';

let dir = '';
const data = { csv: '', parquet: '', jsonl: '' };

beforeAll(async () => {
  await trainerPython();
  dir = await mkdtemp(join(tmpdir(), 'cairn-trainer-data-'));
  for (const format of ['csv', 'parquet', 'jsonl'] as const) {
    data[format] = join(dir, `driver.${format}`);
    const made = await runPython([generator, data[format], '--rows', '1500'], {});
    expect(made.code, made.stderr).toBe(0);
  }
}, 900_000);

/** Each training run imports scikit-learn (seconds on a busy machine): a deadline for a stuck process, not a speed goal. */
const TRAINING_TIMEOUT_MS = 180_000;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('example trainer: a trial that trains', () => {
  it('reports rmse, mae and r2 on the held-out rows and writes a model ONNX Runtime runs as the fitted line', async () => {
    const trial = await runTrial(data.csv, { CAIRN_PARAMS: '{"alpha":0.001,"l1_ratio":0.5}', CAIRN_DATA_FORMAT: 'csv' });
    expect(trial.code, trial.stderr).toBe(0);
    expect(trial.outputs).toEqual(['metrics.json', 'model.onnx']);
    const metrics = (trial.message as { metrics: { rmse: number; mae: number; r2: number } }).metrics;
    expect(Object.keys(trial.message!)).toEqual(['metrics']);
    expect(Object.keys(metrics).sort()).toEqual(['mae', 'r2', 'rmse']);
    // The data's noise has a standard deviation of 0.2 (examples/data/generate.py): the fit reaches it, no better.
    expect(metrics.rmse).toBeGreaterThan(0.15);
    expect(metrics.rmse).toBeLessThan(0.25);
    expect(metrics.mae).toBeLessThan(metrics.rmse);
    expect(metrics.r2).toBeGreaterThan(0.95);

    const summary = JSON.parse(await readFile(join(trial.outputDir, 'metrics.json'), 'utf8')) as { coefficients: number[]; intercept: number; rows: { train: number; test: number }; metrics: unknown };
    expect(summary.rows).toEqual({ train: 1200, test: 300 });
    expect(summary.metrics).toEqual(metrics);
    // The generator's line: 12 + 4 conv - 3 acc + 0.05 trips.
    expect(summary.coefficients[0]).toBeCloseTo(4, 1);
    expect(summary.coefficients[1]).toBeCloseTo(-3, 1);
    expect(summary.coefficients[2]).toBeCloseTo(0.05, 2);

    const session = await ort.InferenceSession.create(await readFile(join(trial.outputDir, 'model.onnx')));
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['variable']);
    const rows = [
      [0.5, 0.9, 28],
      [0.12, 0.33, 15],
      [1, 0, 40],
    ];
    const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(rows.flat()), [3, 3]) });
    const predicted = Array.from(out.variable!.data as Float32Array);
    expect(out.variable!.dims).toEqual([3, 1]);
    rows.forEach((row, i) => {
      const line = summary.intercept + row.reduce((sum, v, j) => sum + v * summary.coefficients[j]!, 0);
      expect(predicted[i]).toBeCloseTo(line, 4);
    });
    await session.release();
  }, TRAINING_TIMEOUT_MS);

  it('gives the same model and metrics from csv, parquet and jsonl of the same values, and on every run', async () => {
    const params = { CAIRN_PARAMS: '{"alpha":0.01,"l1_ratio":0.9,"seed":3}' };
    const [csv, again, parquet, jsonl] = await Promise.all([runTrial(data.csv, params), runTrial(data.csv, params), runTrial(data.parquet, params), runTrial(data.jsonl, params)]);
    for (const trial of [csv, again, parquet, jsonl]) expect(trial.code, trial.stderr).toBe(0);
    const model = async (t: { outputDir: string }) => sha256(await readFile(join(t.outputDir, 'model.onnx')));
    expect(await model(again)).toBe(await model(csv));
    expect(await model(parquet)).toBe(await model(csv));
    expect(await model(jsonl)).toBe(await model(csv));
    expect(parquet.message).toEqual(csv.message);
    expect(jsonl.message).toEqual(csv.message);
  }, TRAINING_TIMEOUT_MS);

  it('reads CAIRN_PARAM_<NAME> when CAIRN_PARAMS is not set, and CAIRN_PARAMS wins when both are', async () => {
    const [fromJson, fromVariables, both, defaults] = await Promise.all([
      runTrial(data.csv, { CAIRN_PARAMS: '{"alpha":0.5,"l1_ratio":0.2}' }),
      runTrial(data.csv, { CAIRN_PARAM_ALPHA: '0.5', CAIRN_PARAM_L1_RATIO: '0.2' }),
      runTrial(data.csv, { CAIRN_PARAMS: '{"alpha":0.5,"l1_ratio":0.2}', CAIRN_PARAM_ALPHA: '0.001' }),
      runTrial(data.csv),
    ]);
    for (const trial of [fromJson, fromVariables, both, defaults]) expect(trial.code, trial.stderr).toBe(0);
    expect(fromVariables.message).toEqual(fromJson.message);
    expect(both.message).toEqual(fromJson.message);
    expect(defaults.message).not.toEqual(fromJson.message); // alpha 0.5 shrinks the fit
  }, TRAINING_TIMEOUT_MS);
});

describe('example trainer: bad input fails the trial with a reason', () => {
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  const header = 'conv_rate,acc_rate,avg_daily_trips,city,trip_minutes\n';
  const goodRows = (n: number) => Array.from({ length: n }, (_, i) => `0.${i % 10}1,0.5,${i},hanoi,${12 + i * 0.1}`).join('\n');

  const cases: Array<{ name: string; data?: () => Promise<string>; env?: Record<string, string>; reason: string; message: RegExp }> = [
    { name: 'no data file', data: async () => join(dir, 'missing.csv'), reason: 'DataNotFound', message: /no data file at .*missing\.csv/ },
    { name: 'CAIRN_DATA_PATH unset', env: { CAIRN_DATA_PATH: '' }, reason: 'MissingEnvironment', message: /CAIRN_DATA_PATH is not set/ },
    { name: 'CAIRN_PARAMS not JSON', env: { CAIRN_PARAMS: '{alpha: 0.1' }, reason: 'InvalidParameters', message: /CAIRN_PARAMS is not JSON/ },
    { name: 'CAIRN_PARAMS an array', env: { CAIRN_PARAMS: '[0.1]' }, reason: 'InvalidParameters', message: /must be a JSON object, not list/ },
    { name: 'negative alpha', env: { CAIRN_PARAMS: '{"alpha":-1}' }, reason: 'InvalidParameters', message: /alpha must be > 0, not -1/ },
    { name: 'alpha as text', env: { CAIRN_PARAM_ALPHA: 'fast' }, reason: 'InvalidParameters', message: /alpha must be a number, not 'fast'/ },
    { name: 'alpha NaN', env: { CAIRN_PARAMS: '{"alpha":"NaN"}' }, reason: 'InvalidParameters', message: /alpha must be a finite number, not 'NaN'/ },
    { name: 'l1_ratio out of range', env: { CAIRN_PARAMS: '{"l1_ratio":2}' }, reason: 'InvalidParameters', message: /l1_ratio must be between 0 and 1, not 2/ },
    { name: 'max_iter not whole', env: { CAIRN_PARAMS: '{"max_iter":10.5}' }, reason: 'InvalidParameters', message: /max_iter must be a whole number/ },
    { name: 'a misspelt parameter', env: { CAIRN_PARAMS: '{"alhpa":0.1}' }, reason: 'InvalidParameters', message: /unknown parameter alhpa; this trainer takes alpha, l1_ratio/ },
    { name: 'an unknown format', env: { CAIRN_DATA_FORMAT: 'xlsx' }, reason: 'InvalidData', message: /data format 'xlsx' is not one of csv, parquet, jsonl/ },
    { name: 'an empty cell (NaN)', data: () => write('nan-cell.csv', `${header}${goodRows(20)}\n0.5,,3,hcm,14\n`), reason: 'InvalidData', message: /column acc_rate has 1 missing or non-finite values \(first in data row 21\)/ },
    { name: 'NaN written out', data: () => write('nan-text.csv', `${header}${goodRows(20)}\n0.5,0.2,3,hcm,nan\n`), reason: 'InvalidData', message: /column trip_minutes has 1 missing or non-finite/ },
    { name: 'infinity', data: () => write('inf.csv', `${header}inf,0.2,3,hcm,12\n${goodRows(20)}\n`), reason: 'InvalidData', message: /column conv_rate has 1 missing or non-finite values \(first in data row 1\)/ },
    { name: 'text for a number', data: () => write('text.csv', `${header}${goodRows(5)}\n0.5,fast,3,hcm,12\n`), reason: 'InvalidData', message: /line 7, column acc_rate: 'fast' is not a number/ },
    { name: 'a missing column', data: () => write('no-target.csv', 'conv_rate,acc_rate,avg_daily_trips\n0.1,0.2,3\n'), reason: 'InvalidData', message: /column trip_minutes not in the header/ },
    { name: 'a short row', data: () => write('short.csv', `${header}0.1,0.2,3\n`), reason: 'InvalidData', message: /line 2: 3 fields, the header has 5/ },
    { name: 'too few rows', data: () => write('few.csv', `${header}${goodRows(4)}\n`), reason: 'InvalidData', message: /4 rows: at least 10 are needed/ },
    { name: 'an empty file', data: () => write('empty.csv', ''), reason: 'InvalidData', message: /is empty: no header line/ },
    { name: 'not parquet', data: () => write('garbage.parquet', 'PAR1 not really'), reason: 'InvalidData', message: /is not a parquet file/ },
    { name: 'malformed jsonl', data: () => write('bad.jsonl', '{"conv_rate": 0.1}\n{oops\n'), reason: 'InvalidData', message: /line 2: not JSON/ },
    { name: 'a constant target (R² undefined)', data: () => write('constant.csv', `${header}${Array.from({ length: 30 }, (_, i) => `0.${i % 9},0.5,${i},hcm,12`).join('\n')}\n`), reason: 'NonFiniteMetric', message: /metric r2 is nan/ },
    { name: 'FEATURES holding the target', env: { FEATURES: 'conv_rate,trip_minutes' }, reason: 'InvalidParameters', message: /must be distinct and not hold TARGET/ },
  ];

  it.concurrent.each(cases)('$name -> exit 1, $reason', async ({ data: make, env, reason, message }) => {
    const trial = await runTrial(make ? await make() : data.csv, env);
    expect(trial.code).toBe(1);
    expect(trial.message).toEqual({ reason, message: expect.stringMatching(message) });
    expect(trial.stderr).toContain(`train.py: ${reason}: `);
    expect(Buffer.byteLength(JSON.stringify(trial.message))).toBeLessThanOrEqual(4096);
    if (reason !== 'NonFiniteMetric') expect(trial.outputs).toEqual([]); // nothing half-trained is left to upload
  }, TRAINING_TIMEOUT_MS);

  it('an output folder that does not exist -> OutputFailed', async () => {
    const trial = await runTrial(data.csv, { CAIRN_OUTPUT_DIR: join(dir, 'nowhere') });
    expect(trial.code).toBe(1);
    expect(trial.message).toEqual({ reason: 'OutputFailed', message: expect.stringMatching(/CAIRN_OUTPUT_DIR .*nowhere is not a folder/) });
  });
});

describe('examples/data/generate.py', () => {
  it('writes the committed driver_stats.csv byte for byte, and the same parquet on every run', async () => {
    const csv = join(dir, 'again.csv');
    expect((await runPython([generator, csv], {})).code).toBe(0);
    expect(sha256(await readFile(csv))).toBe(sha256(await readFile(join(root, 'examples', 'data', 'driver_stats.csv'))));
    const second = join(dir, 'second.parquet');
    expect((await runPython([generator, second, '--rows', '1500'], {})).code).toBe(0);
    expect(sha256(await readFile(second))).toBe(sha256(await readFile(data.parquet)));
  });

  it('refuses an unknown extension and a negative row count', async () => {
    const bad = await runPython([generator, join(dir, 'x.xlsx')], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the extension must be one of .csv, .parquet, .jsonl');
    const negative = await runPython([generator, join(dir, 'x.csv'), '--rows', '-1'], {});
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('--rows must be >= 0');
  });
});
