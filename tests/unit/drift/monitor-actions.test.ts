/**
 * The DriftMonitor's status for each verdict and its actions per drift episode (src/controllers/driftmonitor/
 * status.ts, actions.ts), on the kit's real condition set: Drifted True/False/Unknown with messages, Ready
 * summarised from it, one retrain per episode (a thin window does not end an episode, a clean one does), and
 * the pause request while drifted.
 */
import { describe, expect, it } from 'vitest';
import type { DriftMonitorSpec, DriftMonitorStatus } from '../../../src/api/kinds/driftmonitor.js';
import { countsOnBaseline, type ServingPod } from '../../../src/controllers/driftmonitor/scrape.js';
import { endEpisode, episodeStep, holdsCanary, recordPause, recordRetrain, rerunPatch, rerunValue } from '../../../src/controllers/driftmonitor/actions.js';
import { driftMonitorConditions } from '../../../src/controllers/driftmonitor/reasons.js';
import { describeResult, recordVerdict } from '../../../src/controllers/driftmonitor/status.js';
import { ConditionSet, type Condition } from '../../../src/controllers/kit/index.js';
import type { ColumnResult, WindowVerdict } from '../../../src/drift/index.js';

const result = (name: string, method: ColumnResult['method'], score: number, threshold: number, drifted: boolean): ColumnResult => ({ name, method, score, threshold, drifted, test: {} as ColumnResult['test'] });
const scored = (...results: ColumnResult[]): WindowVerdict => ({ kind: 'scored', samples: 1200, results, problems: [] });
const context = { at: '2026-11-29T10:00:00.000Z', minSamples: 500, window: '1h' };

function evaluate(previous: Condition[] | undefined, verdict: WindowVerdict, spec: Pick<DriftMonitorSpec, 'onDrift' | 'deploymentRef'>): { status: DriftMonitorStatus; conditions: Condition[]; retrain: string[] } {
  const status: DriftMonitorStatus = {};
  const conditions = new ConditionSet(previous, driftMonitorConditions, context.at, 1);
  recordVerdict(status, conditions, verdict, context);
  const step = episodeStep(spec, conditions);
  let retrain: string[] = [];
  if (step.kind === 'ended') endEpisode(conditions);
  if (step.kind === 'drifted') {
    recordPause(conditions, spec, step.pause);
    retrain = step.retrain;
    if (retrain.length > 0) recordRetrain(conditions, retrain, rerunValue('eta-drift', context.at));
  }
  return { status, conditions: conditions.result(), retrain };
}

const spec = { deploymentRef: { name: 'eta' }, onDrift: [{ retrain: { experimentRef: { name: 'eta-train' } } }, { pauseRollout: true }] };
const get = (conditions: Condition[], type: string) => conditions.find((c) => c.type === type);

describe('DriftMonitor status', () => {
  it('describes scores and p-values against their thresholds', () => {
    expect(describeResult(result('conv_rate', 'psi', 0.3123456789, 0.2, true))).toBe('conv_rate: psi 0.312346 >= 0.2');
    expect(describeResult(result('city', 'chi2', 0.001, 0.01, true))).toBe('city: chi2 p-value 0.001 < 0.01');
    expect(describeResult(result('city', 'chi2', 0.5, 0.01, false))).toBe('city: chi2 p-value 0.5 >= 0.01');
  });

  it('a drifted window: status per feature, Drifted=True naming the feature, Ready=False with its reason', () => {
    const { status, conditions } = evaluate(undefined, scored(result('conv_rate', 'psi', 0.31, 0.2, true), result('city', 'chi2', 0.42, 0.01, false)), spec);
    expect(status).toEqual({
      lastEvaluation: context.at,
      samples: 1200,
      drifted: true,
      features: [
        { name: 'conv_rate', method: 'psi', score: 0.31, threshold: 0.2, drifted: true },
        { name: 'city', method: 'chi2', score: 0.42, threshold: 0.01, drifted: false },
      ],
    });
    expect(get(conditions, 'Drifted')).toMatchObject({ status: 'True', reason: 'DriftDetected', message: 'conv_rate: psi 0.31 >= 0.2' });
    expect(get(conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'DriftDetected' });
    expect(get(conditions, 'RolloutPauseRequested')).toMatchObject({ status: 'True', message: 'The rollout of Deployment eta holds while drifted' });
  });

  it('too few samples: Drifted=Unknown NotEnoughSamples, no per-feature verdict', () => {
    const { status, conditions } = evaluate(undefined, { kind: 'notEnoughSamples', samples: 120 }, spec);
    expect(status).toEqual({ lastEvaluation: context.at, samples: 120 });
    expect(get(conditions, 'Drifted')).toMatchObject({ status: 'Unknown', reason: 'NotEnoughSamples', message: '120 samples in the last 1h, fewer than minSamples 500: no verdict' });
    expect(get(conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'NotEnoughSamples' });
  });
});

describe('DriftMonitor actions: one retrain per drift episode', () => {
  const drift = scored(result('conv_rate', 'psi', 0.31, 0.2, true));
  const clean = scored(result('conv_rate', 'psi', 0.01, 0.1, false));
  const thin: WindowVerdict = { kind: 'notEnoughSamples', samples: 3 };

  it('retrains once while drifted, through thin windows, and again only after a clean window', () => {
    const asked: string[][] = [];
    let conditions: Condition[] | undefined;
    for (const verdict of [drift, drift, thin, drift, clean, clean, drift]) {
      const out = evaluate(conditions, verdict, spec);
      asked.push(out.retrain);
      conditions = out.conditions;
    }
    expect(asked).toEqual([['eta-train'], [], [], [], [], [], ['eta-train']]);
  });

  it('a clean window removes the pause and retrain records', () => {
    const first = evaluate(undefined, drift, spec);
    expect(get(first.conditions, 'RetrainRequested')).toMatchObject({ status: 'True', reason: 'RetrainRequested' });
    const after = evaluate(first.conditions, clean, spec);
    expect(after.conditions.map((c) => c.type)).toEqual(['Ready', 'Drifted']);
    expect(get(after.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Evaluated' });
  });

  it('without onDrift nothing is asked; the rerun value is new per episode and only touches the annotation', () => {
    const out = evaluate(undefined, drift, { deploymentRef: { name: 'eta' } });
    expect(out.retrain).toEqual([]);
    expect(out.conditions.map((c) => c.type)).toEqual(['Ready', 'Drifted']);
    expect(rerunValue('m', '2026-11-29T10:00:00.000Z')).not.toBe(rerunValue('m', '2026-11-29T11:00:00.000Z'));
    expect(rerunPatch('v')).toEqual({ metadata: { annotations: { 'cairn.dev/rerun': 'v' } } });
  });
});

describe('the retrain request and the rollout hold against the baseline data', () => {
  const v1 = `sha256:${'1'.repeat(64)}`;
  const v2 = `sha256:${'2'.repeat(64)}`;
  it('the rerun value names the data the drifted model was trained on, when known', () => {
    expect(rerunValue('m', '2026-11-29T10:00:00.000Z', v1)).toBe(`driftmonitor/m@2026-11-29T10:00:00.000Z drifted-from=${v1}`);
    expect(rerunValue('m', '2026-11-29T10:00:00.000Z')).toBe('driftmonitor/m@2026-11-29T10:00:00.000Z');
  });
  it.each([
    ['a canary trained on the baseline data is held', v1, v1, true],
    ['a canary trained on other data (the retrained model) goes on', v1, v2, false],
    ['a canary of unknown lineage is held', v1, undefined, true],
    ['no baseline version: held', undefined, v2, true],
  ])('%s', (_name, baseline, canary, held) => {
    expect(holdsCanary(baseline, canary)).toBe(held);
  });
});

describe('DriftMonitor Ready between evaluations', () => {
  it('a reconcile that evaluates nothing keeps the Ready of the last verdict, so it writes nothing', async () => {
    const { summarise } = await import('../../../src/controllers/driftmonitor/status.js');
    const first = evaluate(undefined, scored(result('conv_rate', 'psi', 0.01, 0.1, false)), spec);
    const again = new ConditionSet(first.conditions, driftMonitorConditions, '2026-11-29T10:00:05.000Z', 1);
    summarise(first.status, again);
    expect(again.result()).toEqual(first.conditions);
    const thin = evaluate(undefined, { kind: 'notEnoughSamples', samples: 3 }, spec);
    const thinAgain = new ConditionSet(thin.conditions, driftMonitorConditions, '2026-11-29T10:00:05.000Z', 1);
    summarise(thin.status, thinAgain);
    expect(thinAgain.result()).toEqual(thin.conditions);
  });
});

describe('which serving pods count toward the window', () => {
  const pod = (profile?: string) => ({ metadata: { name: 'p' }, spec: { volumes: [{ name: 'models', emptyDir: {} }, ...(profile ? [{ name: 'profile', configMap: { name: profile } }] : [])] } }) as unknown as ServingPod;
  it.each([
    ['a pod counting on the baseline profile', pod('rides-profile-111111111111'), true],
    ['a pod started before the baseline moved (another profile\'s bins)', pod('rides-profile-000000000000'), false],
    ['a pod without a profile (it counts no features)', pod(), true],
  ])('%s', (_name, p, counted) => {
    expect(countsOnBaseline(p, 'rides-profile-111111111111')).toBe(counted);
  });
});
