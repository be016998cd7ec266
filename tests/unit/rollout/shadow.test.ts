/** A Shadow's agreement from the stable pods' counters (src/rollout/shadow.ts): parsing, summing, status. */
import { describe, expect, test } from 'vitest';
import { parseExposition } from '../../../src/metrics/exposition.js';
import { emptyShadowCounters, shadowCounters, shadowStatus, sumShadowCounters } from '../../../src/rollout/shadow.js';

const exposition = (agree: number, disagree: number, difference: number, elements: number) => `
cairn_shadow_requests_total{model="eta",version="1",result="ok"} ${agree + disagree}
cairn_shadow_requests_total{model="eta",version="1",result="error"} 2
cairn_shadow_comparisons_total{model="eta",version="1",result="agree"} ${agree}
cairn_shadow_comparisons_total{model="eta",version="1",result="disagree"} ${disagree}
cairn_shadow_comparisons_total{model="eta",version="1",result="incomparable"} 1
cairn_shadow_comparisons_total{model="eta",version="2",result="agree"} 1000
cairn_shadow_comparisons_total{model="other",version="1",result="agree"} 1000
cairn_shadow_abs_difference_total{model="eta",version="1"} ${difference}
cairn_shadow_compared_elements_total{model="eta",version="1"} ${elements}
`;

describe('shadow agreement', () => {
  test("one pod's counters: only the model and version named (the stable pods' own)", () => {
    expect(shadowCounters(parseExposition(exposition(90, 10, 5, 100)), 'eta', '1')).toEqual({ agree: 90, disagree: 10, incomparable: 1, failed: 2, absDifference: 5, comparedElements: 100 });
  });

  test('summed over pods, then the status', () => {
    const pods = [exposition(90, 10, 5, 100), exposition(9, 1, 1, 10)].map((text) => shadowCounters(parseExposition(text), 'eta', '1'));
    expect(shadowStatus(2, sumShadowCounters(pods))).toEqual({ version: 2, compared: 110, agreed: 99, agreement: '90.0%', meanAbsoluteDifference: 0.0545455, incomparable: 2, failed: 4 });
  });

  test.each([
    // agree, disagree -> agreement (rounded down: a single disagreement never shows as 100.0%)
    [1, 0, '100.0%'],
    [9999, 1, '99.9%'],
    [2, 1, '66.6%'],
    [0, 5, '0.0%'],
  ])('%i agreed and %i disagreed: %s', (agree, disagree, agreement) => {
    expect(shadowStatus(2, { ...emptyShadowCounters(), agree, disagree }).agreement).toBe(agreement);
  });

  test('nothing compared yet: counts of zero, no agreement and no mean', () => {
    expect(shadowStatus(3, emptyShadowCounters())).toEqual({ version: 3, compared: 0, agreed: 0 });
  });
});
