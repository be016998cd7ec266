import { describe, expect, it } from 'vitest';
import { driftPointOf, eventRowOf, sameWeights, weightPointOf } from '../../../src/console/history.js';
import { applyEvent, emptyState, HISTORY_LIMIT } from '../../../src/console/model.js';

const at = '2026-11-29T10:00:00.000Z';

describe('weightPointOf', () => {
  it.each([
    ['a canary', { phase: 'Progressing', stable: { version: 2, weight: 80 }, canary: { version: 3, weight: 20, step: 0 } }, { at, phase: 'Progressing', stable: { version: 2, weight: 80 }, canary: { version: 3, weight: 20, step: 0 } }],
    ['stable only', { phase: 'Healthy', stable: { version: 3, weight: 100 } }, { at, phase: 'Healthy', stable: { version: 3, weight: 100 } }],
    ['no status yet', {}, undefined],
    ['a track without its weight is left out', { phase: 'Degraded', stable: { version: 3 } }, { at, phase: 'Degraded' }],
  ])('%s', (_name, status, expected) => {
    expect(weightPointOf({ status }, at)).toEqual(expected);
  });

  it('counts a change of phase or of a track as a new point, not a new time', () => {
    const a = weightPointOf({ status: { phase: 'Paused', stable: { version: 2, weight: 80 }, canary: { version: 3, weight: 20, step: 1 } } }, at)!;
    expect(sameWeights(a, { ...a, at: 'later' })).toBe(true);
    expect(sameWeights(a, { ...a, phase: 'Progressing' })).toBe(false);
    expect(sameWeights(a, { ...a, canary: { version: 3, weight: 50, step: 3 } })).toBe(false);
    expect(sameWeights(undefined, a)).toBe(false);
  });
});

describe('driftPointOf', () => {
  it('keeps the scores of one evaluation, and skips a feature without a score', () => {
    const status = { lastEvaluation: at, samples: 900, features: [{ name: 'x', method: 'psi', score: 0.3, threshold: 0.2, drifted: true }, { name: 'y', method: 'ks', threshold: 0.01 }] };
    expect(driftPointOf({ status })).toEqual({ at, samples: 900, features: [{ name: 'x', method: 'psi', score: 0.3, threshold: 0.2, drifted: true }] });
    expect(driftPointOf({ status: { features: [] } })).toBeUndefined();
  });
});

describe('applyEvent', () => {
  it('keeps at most HISTORY_LIMIT points, dropping the oldest', () => {
    let state = emptyState(false);
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) state = applyEvent(state, { type: 'weight', key: 'ml/fare', point: { at: String(i) } });
    expect(state.weights['ml/fare']).toHaveLength(HISTORY_LIMIT);
    expect(state.weights['ml/fare']![0]!.at).toBe('5');
  });

  it('replaces an object on upsert, removes it on delete, and empties a kind that became forbidden', () => {
    const object = { kind: 'Deployment', metadata: { namespace: 'ml', name: 'fare', resourceVersion: '1' } };
    let state = applyEvent(emptyState(false), { type: 'upsert', kind: 'Deployment', object });
    state = applyEvent(state, { type: 'upsert', kind: 'Deployment', object: { ...object, metadata: { ...object.metadata, resourceVersion: '2' } } });
    expect(state.kinds.Deployment.items.map((o) => o.metadata?.resourceVersion)).toEqual(['2']);
    state = applyEvent(state, { type: 'access', kind: 'Deployment', access: 'forbidden', message: 'no' });
    expect(state.kinds.Deployment).toEqual({ access: 'forbidden', message: 'no', items: [] });
    state = applyEvent(applyEvent(emptyState(false), { type: 'upsert', kind: 'Deployment', object }), { type: 'delete', kind: 'Deployment', namespace: 'ml', name: 'fare' });
    expect(state.kinds.Deployment.items).toEqual([]);
  });
});

describe('eventRowOf', () => {
  const about = { apiVersion: 'cairn.dev/v1alpha1', kind: 'Deployment', namespace: 'ml', name: 'fare' };
  it.each([
    ['an events.k8s.io Event seen as core v1', { metadata: { name: 'fare.1' }, involvedObject: about, type: 'Warning', reason: 'AnalysisFailed', message: 'error-rate 0.03 > 0.01', eventTime: at }, { key: 'Deployment:ml/fare', event: { name: 'fare.1', at, type: 'Warning', reason: 'AnalysisFailed', message: 'error-rate 0.03 > 0.01', count: 1 } }],
    ['a series: its last observation and count', { metadata: { name: 'fare.2' }, involvedObject: about, reason: 'WeightSet', eventTime: at, series: { count: 4, lastObservedTime: 'later' } }, { key: 'Deployment:ml/fare', event: { name: 'fare.2', at: 'later', type: 'Normal', reason: 'WeightSet', message: '', count: 4 } }],
    ['about a Pod', { metadata: { name: 'p.1' }, involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'ml', name: 'p' }, reason: 'Pulled' }, undefined],
  ])('%s', (_name, event, expected) => {
    expect(eventRowOf(event)).toEqual(expected);
  });
});
