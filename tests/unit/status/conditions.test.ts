import { describe, expect, it } from 'vitest';
import { markReady, markStalled, setCondition, type Condition } from '../../../src/status/conditions.js';

const t0 = '2026-11-23T10:00:00Z';
const t1 = '2026-11-23T10:05:00Z';

describe('setCondition', () => {
  it('adds a condition with the current time', () => {
    expect(setCondition([], { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' }, t0, 3)).toEqual([
      { type: 'Ready', status: 'True', observedGeneration: 3, lastTransitionTime: t0, reason: 'Succeeded', message: 'ok' },
    ]);
  });

  it('keeps lastTransitionTime when only reason or message change', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'GitOperationFailed', message: 'a' }, t0);
    const after = setCondition(before, { type: 'Ready', status: 'False', reason: 'AuthenticationFailed', message: 'b' }, t1);
    expect(after[0]).toMatchObject({ lastTransitionTime: t0, reason: 'AuthenticationFailed', message: 'b' });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'X', message: 'a' }, t0);
    expect(setCondition(before, { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' }, t1)[0]!.lastTransitionTime).toBe(t1);
  });

  it('does not modify the list it is given and keeps other conditions in order', () => {
    const list: Condition[] = [
      { type: 'Ready', status: 'True', lastTransitionTime: t0, reason: 'A', message: '' },
      { type: 'FetchFailed', status: 'True', lastTransitionTime: t0, reason: 'B', message: '' },
    ];
    const copy = structuredClone(list);
    const next = setCondition(list, { type: 'Ready', status: 'False', reason: 'C', message: 'm' }, t1);
    expect(list).toEqual(copy);
    expect(next.map((c) => c.type)).toEqual(['Ready', 'FetchFailed']);
  });

  it('truncates very long messages', () => {
    const [c] = setCondition([], { type: 'Ready', status: 'False', reason: 'X', message: 'x'.repeat(10_000) }, t0);
    expect(c!.message.length).toBe(4096);
    expect(c!.message.endsWith('... (truncated)')).toBe(true);
  });
});

describe('kstatus helpers', () => {
  it('markStalled sets Ready=False and Stalled=True; markReady clears Stalled and Reconciling', () => {
    const stalled = markStalled([{ type: 'Reconciling', status: 'True', lastTransitionTime: t0, reason: 'Progressing', message: '' }], 'InvalidSpec', 'bad url', t0);
    expect(stalled.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=False', 'Stalled=True']);
    const ready = markReady(stalled, 'Succeeded', 'applied', t1);
    expect(ready.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=True']);
    expect(ready[0]!.lastTransitionTime).toBe(t1);
  });
});
