/**
 * The simulated null of small windows (src/drift/simulated-null.ts): when it applies, that it is deterministic,
 * that its p-value and critical value agree, and that it keeps PSI's and Jensen-Shannon's false alarms at or below
 * alpha on windows of 100 in 10 bins, where the chi-square approximation ran at about 2% (seeded).
 */
import { describe, expect, it } from 'vitest';
import { jensenShannonTest, psiTest } from '../../../src/drift/index.js';
import { needsSimulation, simulatedCriticalValue, simulatedPValue } from '../../../src/drift/simulated-null.js';
import { drawWindow, mulberry32 } from './simulation.js';

const baseline = [5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000];

describe('simulated null', () => {
  it.each([
    [100, true],
    [499, true],
    [500, false],
    [10_000, false],
  ])('a window of %i in 10 even bins is simulated: %s', (m, simulated) => {
    expect(needsSimulation(baseline, 50_000, m)).toBe(simulated);
    const live = drawWindow(mulberry32(m), baseline, m);
    expect(psiTest(baseline, live).pValueKind).toBe(simulated ? 'simulated' : 'asymptotic');
  });

  it('the same counts give the same p-value; the critical value is where the p-value falls below alpha', () => {
    const live = [14, 6, 12, 9, 8, 11, 10, 9, 13, 8];
    const first = psiTest(baseline, live);
    expect(psiTest(baseline, live)).toEqual(first);
    const sorted = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
    expect(simulatedPValue(sorted, 0.25)).toBeCloseTo(3 / 5, 15);
    expect(simulatedPValue(sorted, 0.5)).toBeCloseTo(1 / 5, 15);
    expect(simulatedPValue(sorted, 0)).toBe(1);
    // 2,000 draws at alpha 1%: at most 19 of them may reach the statistic
    const many = Float64Array.from({ length: 2000 }, (_, i) => i);
    expect(simulatedCriticalValue(many, 0.01)).toBe(1980);
    expect(simulatedPValue(many, 1980.5)).toBeLessThan(0.01);
    expect(simulatedPValue(many, 1980)).toBeGreaterThanOrEqual(0.01);
    expect(simulatedCriticalValue(many, 0.0001)).toBeNull();
  });

  it('keeps false alarms of windows of 100 at or below alpha (2,000 seeded windows)', () => {
    const random = mulberry32(11);
    let psi = 0;
    let js = 0;
    for (let w = 0; w < 2000; w++) {
      const live = drawWindow(random, baseline, 100);
      if (psiTest(baseline, live).drifted) psi++;
      if (jensenShannonTest(baseline, live).drifted) js++;
    }
    expect(psi / 2000).toBeLessThanOrEqual(0.012);
    expect(js / 2000).toBeLessThanOrEqual(0.012);
  });
});
