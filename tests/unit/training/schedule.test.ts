/** The run's pure parts: a trial's outcome from its two termination messages, the scheduler, the run trigger, the table. */
import { describe, expect, it } from 'vitest';
import type { JobObservation } from '../../../src/render/index.js';
import { trialOutcome, uploadedModel } from '../../../src/training/outcome.js';
import { newRunReason } from '../../../src/training/run.js';
import { countTrials, schedule, type JobState, type ScheduleInput } from '../../../src/training/schedule.js';
import { parseTable, tableJsonl, type TrialRecord } from '../../../src/training/table.js';
import { statusTrials, maxStatusTrials } from '../../../src/controllers/experiment/status.js';

const hex = 'a'.repeat(64);
const trainer = (value: unknown): JobObservation => ({ phase: 'Succeeded', exitCode: 0, container: 'trainer', termination: { state: 'ok', value } });
const upload = (termination: JobObservation['termination']): JobObservation => ({ phase: 'Succeeded', exitCode: 0, container: 'upload', termination });
const uploaded = (files: unknown) => upload({ state: 'ok', value: { uploaded: { uri: 's3://b/r/', files, bytes: 3 } } });

describe('trialOutcome: metrics from the trainer, the model from the upload', () => {
  it('metrics and an uploaded model.onnx: the model URI is the trial folder, its sha256 the upload`s', () => {
    expect(trialOutcome(trainer({ metrics: { rmse: 0.4 } }), uploaded([{ path: 'model.onnx', size: 3, sha256: hex }]), 's3://b/e/1/t0/')).toEqual({
      ok: true,
      metrics: { rmse: 0.4 },
      model: { uri: 's3://b/e/1/t0/model.onnx', sha256: hex },
    });
  });
  const cases: Array<{ name: string; upload: JobObservation; want: ReturnType<typeof uploadedModel> }> = [
    { name: 'a truncated record keeps the model', upload: upload({ state: 'ok', value: { uploaded: { files: 900, truncated: true, model: { path: 'model.onnx', size: 1, sha256: hex } } } }), want: { sha256: hex } },
    { name: 'no model.onnx', upload: uploaded([{ path: 'notes.txt', size: 1, sha256: hex }]), want: { reason: 'NoModel', message: 'the trainer wrote no model.onnx to $CAIRN_OUTPUT_DIR' } },
    { name: 'a model in a sub-folder is not the model', upload: uploaded([{ path: 'sub/model.onnx', size: 1, sha256: hex }]), want: { reason: 'NoModel', message: 'the trainer wrote no model.onnx to $CAIRN_OUTPUT_DIR' } },
    { name: 'a sha256 that is not hex', upload: uploaded([{ path: 'model.onnx', size: 1, sha256: 'xyz' }]), want: { reason: 'NoModel', message: 'the trainer wrote no model.onnx to $CAIRN_OUTPUT_DIR' } },
    { name: 'the upload failed', upload: upload({ state: 'ok', value: { reason: 'AccessDenied', message: 'no write to s3://b', uploaded: 0 } }), want: { reason: 'UploadFailed', message: 'uploading $CAIRN_OUTPUT_DIR failed: AccessDenied: no write to s3://b' } },
    { name: 'the sidecar said nothing', upload: upload({ state: 'missing' }), want: { reason: 'UploadFailed', message: 'the upload sidecar reported nothing (it did not finish before the pod ended)' } },
    { name: 'the sidecar said garbage', upload: upload({ state: 'malformed', error: 'x' }), want: { reason: 'UploadFailed', message: "the upload sidecar's report is not JSON" } },
  ];
  for (const c of cases) it(c.name, () => expect(uploadedModel(c.upload)).toEqual(c.want));

  it('a trainer failure wins over the upload', () => {
    expect(trialOutcome({ phase: 'Failed', exitCode: 1, reason: 'Error', container: 'trainer', termination: { state: 'missing' } }, uploaded([]), 's3://b/')).toMatchObject({ ok: false, reason: 'TrainerFailed' });
  });
});

describe('schedule', () => {
  const names = ['e-1-t0', 'e-1-t1', 'e-1-t2', 'e-1-t3'];
  const base = (over: Partial<ScheduleInput> = {}): ScheduleInput => ({
    names,
    parameters: names.map((_, i) => ({ alpha: i })),
    recorded: new Map(),
    jobs: new Map(),
    spec: { objective: { metric: 'rmse', goal: 'minimize' }, successCriteria: [{ metric: 'rmse', op: '<', value: 0.5 }] },
    parallelism: 2,
    maxFailedTrials: 1,
    ...over,
  });
  const ok = (rmse: number): JobState => ({ phase: 'Finished', outcome: { ok: true, metrics: { rmse }, model: { uri: 's3://b/m', sha256: hex } } });
  const failed: JobState = { phase: 'Finished', outcome: { ok: false, reason: 'TrainerFailed', message: 'exit code 1' } };

  it('starts the first trials up to parallelism', () => {
    expect(schedule(base())).toMatchObject({ start: [0, 1], phase: 'Running' });
  });
  it('a running trial holds its slot; a finished one frees it for the next by index', () => {
    const s = schedule(base({ jobs: new Map<string, JobState>([['e-1-t0', ok(0.1)], ['e-1-t1', { phase: 'Running' }]]) }));
    expect(s.start).toEqual([2]);
    expect(s.records[0]).toMatchObject({ phase: 'Succeeded', passed: true, metrics: { rmse: 0.1 } });
    expect(s.newlyFinished.map((r) => r.name)).toEqual(['e-1-t0']);
  });
  it('a trial over the gate is Succeeded but not passed, with why', () => {
    const s = schedule(base({ jobs: new Map([['e-1-t0', ok(0.9)]]) }));
    expect(s.records[0]).toMatchObject({ phase: 'Succeeded', passed: false, message: 'did not pass: rmse = 0.9, needs < 0.5' });
  });
  it('a recorded trial is not read again from its Job', () => {
    const recorded: TrialRecord = { index: 0, name: 'e-1-t0', parameters: { alpha: 0 }, phase: 'Succeeded', metrics: { rmse: 0.2 }, passed: true };
    const s = schedule(base({ recorded: new Map([['e-1-t0', recorded]]), jobs: new Map([['e-1-t0', failed]]) }));
    expect(s.records[0]).toBe(recorded);
    expect(s.newlyFinished).toEqual([]);
  });
  it('more than maxFailedTrials failures fail the run: nothing starts, the running trials are stopped', () => {
    const s = schedule(base({ jobs: new Map<string, JobState>([['e-1-t0', failed], ['e-1-t1', failed], ['e-1-t2', { phase: 'Running' }]]) }));
    expect(s).toMatchObject({ start: [], phase: 'Failed', failure: '2 trials failed, more than maxFailedTrials (1)' });
    expect(s.records[2]).toMatchObject({ phase: 'Failed', reason: 'Stopped' });
    expect(s.records[3]).toBeUndefined();
  });
  it('maxFailedTrials failures are still allowed', () => {
    expect(schedule(base({ jobs: new Map([['e-1-t0', failed]]) }))).toMatchObject({ phase: 'Running', start: [1, 2] });
  });
  it('every trial finished: Succeeded', () => {
    const s = schedule(base({ jobs: new Map(names.map((n, i) => [n, i === 3 ? failed : ok(0.1 * i)])) }));
    expect(s).toMatchObject({ phase: 'Succeeded', start: [] });
    expect(countTrials(s.records)).toEqual({ total: 4, pending: 0, running: 0, succeeded: 3, failed: 1, passed: 3 });
  });
});

describe('newRunReason', () => {
  const facts = { current: { run: 2, runGeneration: 3, rerunRequest: 'a', datasetVersion: 'sha256:1' }, generation: 3, rerun: 'a', rerunOnDatasetChange: true, datasetVersion: 'sha256:1' };
  it('nothing new: the run goes on', () => expect(newRunReason(facts)).toBeUndefined());
  it('first run', () => expect(newRunReason({ ...facts, current: {} })).toBe('first run'));
  it('a spec change', () => expect(newRunReason({ ...facts, generation: 4 })).toBe('the spec changed (generation 4)'));
  it('a new cairn.dev/rerun value', () => expect(newRunReason({ ...facts, rerun: 'b' })).toBe('cairn.dev/rerun="b"'));
  it('a new Dataset version with rerunOnDatasetChange', () => expect(newRunReason({ ...facts, datasetVersion: 'sha256:2' })).toBe('the Dataset has a new version sha256:2'));
  it('a new Dataset version without it', () => expect(newRunReason({ ...facts, datasetVersion: 'sha256:2', rerunOnDatasetChange: false })).toBeUndefined());
  it('a Dataset not verified yet starts nothing', () => expect(newRunReason({ ...facts, datasetVersion: undefined })).toBeUndefined());
});

describe('the trial table and status', () => {
  const record = (index: number, over: Partial<TrialRecord> = {}): TrialRecord => ({ index, name: `e-1-t${index}`, parameters: { a: index }, phase: 'Succeeded', metrics: { rmse: 1 / (index + 1) }, passed: true, model: { uri: 's3://m', sha256: hex }, ...over });
  it('jsonl keeps finished records and round-trips; a bad line is skipped', () => {
    const records = [record(0), record(1, { phase: 'Running', metrics: undefined }), record(2, { phase: 'Failed', reason: 'TrainerFailed', message: 'x'.repeat(2000) })];
    const text = tableJsonl(records);
    const parsed = parseTable(`${text}\nnot json\n{"name":"e-1-t9"}`);
    expect([...parsed.keys()]).toEqual(['e-1-t0', 'e-1-t2']);
    expect(parsed.get('e-1-t0')).toEqual(records[0]);
    expect(parsed.get('e-1-t2')?.message?.length).toBeLessThanOrEqual(512);
  });
  it('jsonl of the same records again (each line kept by its record) is the same text; a new record adds its line', () => {
    const records = [record(0), record(1, { phase: 'Failed', reason: 'TrainerFailed', message: 'x'.repeat(2000) })];
    const first = tableJsonl(records);
    expect(tableJsonl(records)).toBe(first);
    expect(tableJsonl([...records, record(2)])).toBe(`${first}\n${JSON.stringify(record(2))}`);
  });
  it('1,000 trials: status shows the most recent and the best, and the whole status stays small', () => {
    const records = Array.from({ length: 1000 }, (_, i) => record(i, { metrics: { rmse: i === 7 ? 0.001 : 1 + i }, parameters: { alpha: i / 1000, l1_ratio: 0.5, solver: 'cyclic' } }));
    const shown = statusTrials(records, { metric: 'rmse', goal: 'minimize' });
    expect(shown).toHaveLength(maxStatusTrials + 1);
    expect(shown[0]?.name).toBe('e-1-t7');
    expect(shown.at(-1)?.name).toBe('e-1-t999');
    expect(Buffer.byteLength(JSON.stringify(shown))).toBeLessThan(64 * 1024);
    expect(Buffer.byteLength(tableJsonl(records))).toBeLessThan(512 * 1024);
  });
});
