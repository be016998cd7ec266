/**
 * A drift's rerun request that the run in progress already answers is coalesced (src/training/run.ts,
 * coalescedRerun): a new Dataset version started a run, and the DriftMonitor then asks for a retrain of the model
 * trained on the older data. Two runs on the same data would only repeat each other.
 */
import { describe, expect, it } from 'vitest';
import { coalescedRerun, newRunReason, type RunFacts } from '../../../src/training/run.js';

const v1 = `sha256:${'1'.repeat(64)}`;
const v2 = `sha256:${'2'.repeat(64)}`;
const facts = (current: RunFacts['current'], rerun: string | undefined, datasetVersion = v2): RunFacts => ({ current, generation: 1, ...(rerun !== undefined ? { rerun } : {}), rerunOnDatasetChange: true, datasetVersion });
const drift = (from?: string) => `driftmonitor/eta-drift@2026-11-30T02:00:00.000Z${from ? ` drifted-from=${from}` : ''}`;

describe('coalescedRerun', () => {
  it.each([
    ['run 2 already trains on the new data: coalesced', { run: 2, runGeneration: 1, rerunRequest: '', datasetVersion: v2 }, drift(v1), `run 2 already trains on ${v2}, newer data than the drifted model's ${v1}`],
    ['the drifted model was trained on the data of the last run: a new run', { run: 1, runGeneration: 1, rerunRequest: '', datasetVersion: v1 }, drift(v1), undefined],
    ['a request that does not say what drifted (a person\'s): a new run', { run: 2, runGeneration: 1, rerunRequest: '', datasetVersion: v2 }, 'please', undefined],
    ['a drift request without the data version: a new run', { run: 2, runGeneration: 1, rerunRequest: '', datasetVersion: v2 }, drift(), undefined],
    ['the request already handled: nothing to coalesce', { run: 2, runGeneration: 1, rerunRequest: drift(v1), datasetVersion: v2 }, drift(v1), undefined],
    ['no run yet', {}, drift(v1), undefined],
    ['no request', { run: 2, runGeneration: 1, rerunRequest: '', datasetVersion: v2 }, undefined, undefined],
  ])('%s', (_name, current, rerun, expected) => {
    expect(coalescedRerun(facts(current, rerun))).toBe(expected);
  });

  it('once recorded as handled, the request starts no run; a newer Dataset version still does', () => {
    const current = { run: 2, runGeneration: 1, rerunRequest: drift(v1), datasetVersion: v2 };
    expect(newRunReason(facts(current, drift(v1)))).toBeUndefined();
    expect(newRunReason(facts(current, drift(v1), `sha256:${'3'.repeat(64)}`))).toMatch(/new version/);
  });
});
