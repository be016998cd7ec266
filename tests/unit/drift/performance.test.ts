/**
 * Live performance in a DriftMonitor's window: the feedback sums read with the drift counters, their increases
 * over the window across pods and a restart, and the rmse, mae and accuracy of them against hand-computed values.
 */
import { describe, expect, it } from 'vitest';
import type { DriftMonitorStatus } from '../../../src/api/kinds/driftmonitor.js';
import { recordPerformance } from '../../../src/controllers/driftmonitor/status.js';
import { advanceWindow, driftCounters, emptyWindow, livePerformance } from '../../../src/drift/index.js';
import { parseExposition } from '../../../src/metrics/exposition.js';

const feedback = (model: string, version: string, rows: number, squared: number, absolute: number) =>
  [
    `cairn_feedback_rows_total{model="${model}",version="${version}"} ${rows}`,
    `cairn_feedback_squared_error_sum{model="${model}",version="${version}"} ${squared}`,
    `cairn_feedback_absolute_error_sum{model="${model}",version="${version}"} ${absolute}`,
  ].join('\n');

const scrape = (pod: string, text: string, processStartedAt = -1e9) => ({ pod, processStartedAt, ...driftCounters(parseExposition(text), 'eta') });

describe('live performance over the window', () => {
  it('adds every version and pod of the model, counts the increase, and survives a restart', () => {
    const start = [scrape('a', `${feedback('eta', '1', 10, 30, 10)}\n${feedback('other', '1', 99, 99, 99)}`), scrape('b', feedback('eta', '2', 4, 4, 4))];
    const first = advanceWindow(emptyWindow(), start, 1000, 60_000);
    expect(livePerformance(first.counts)).toBeUndefined(); // the starting point of the next increase only
    const { counts } = advanceWindow(first.state, [scrape('a', feedback('eta', '1', 16, 48, 16)), scrape('b', feedback('eta', '2', 2, 50, 10), 5000)], 6000, 60_000);
    // a: +6 rows, +18, +6; b restarted (its process started within the window): 2 rows, 50, 10 whole.
    expect(livePerformance(counts)).toEqual({ labelledRows: 8, rmse: Math.sqrt(68 / 8), mae: 16 / 8 });
  });

  it('accuracy for a classification model; nothing without labels', () => {
    const counts = new Map([
      ['performance\u001frows', 40],
      ['performance\u001fcorrect', 30],
    ]);
    expect(livePerformance(counts)).toEqual({ labelledRows: 40, accuracy: 0.75 });
    expect(livePerformance(new Map([['performance\u001frows', 0]]))).toBeUndefined();
    expect(livePerformance(new Map())).toBeUndefined();
  });

  it('status.performance is rounded to six significant digits and removed when no label arrived', () => {
    const status: DriftMonitorStatus = {};
    recordPerformance(status, { labelledRows: 3, rmse: Math.sqrt(2), mae: 1 / 3 });
    expect(status.performance).toEqual({ labelledRows: 3, rmse: 1.41421, mae: 0.333333 });
    recordPerformance(status, undefined);
    expect(status).not.toHaveProperty('performance');
  });
});
