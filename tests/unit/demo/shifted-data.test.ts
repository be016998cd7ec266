/** The demo's shifted data version (src/demo/shifted-data.ts) and what it watches for the timeline (src/demo/observe.ts). */
import { describe, expect, it } from 'vitest';
import { canaryStepIntervals, containerRun } from '../../../src/demo/observe.js';
import { sha256Hex, shiftDriverData } from '../../../src/demo/shifted-data.js';
import { canaryLine } from '../../../src/demo/stages.js';

const csv = 'conv_rate,acc_rate,avg_daily_trips,city,trip_minutes\n0.7548,0.8975,31,hanoi,13.996\n0.0000,0.3774,11,hanoi,13.802\n';

describe('shiftDriverData', () => {
  it('moves conv_rate to 0.6 + 0.4 x and trip_minutes by 4 per unit of it; the rest stays', () => {
    expect(shiftDriverData(csv)).toBe('conv_rate,acc_rate,avg_daily_trips,city,trip_minutes\n0.9019,0.8975,31,hanoi,14.584\n0.6000,0.3774,11,hanoi,16.202\n');
  });
  it('is deterministic: the same file, the same bytes and sha256', () => {
    expect(sha256Hex(shiftDriverData(csv))).toBe(sha256Hex(shiftDriverData(csv)));
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it.each([
    ['no conv_rate column', 'acc_rate,trip_minutes\n0.1,2\n', 'the driver data needs columns conv_rate and trip_minutes (columns: acc_rate, trip_minutes)'],
    ['a row that is not a number', 'conv_rate,trip_minutes\nx,2\n', 'row 2 is not a driver row: "x,2"'],
    ['a short row', 'conv_rate,trip_minutes\n0.5\n', 'row 2 is not a driver row'],
  ])('refuses %s', (_name, text, message) => {
    expect(() => shiftDriverData(text)).toThrow(message);
  });
});

describe('the timeline facts from the objects', () => {
  it.each([
    ['a finished container', { terminated: { startedAt: '2026-11-30T02:00:01Z', finishedAt: '2026-11-30T02:00:05Z' } }, { start: Date.parse('2026-11-30T02:00:01Z'), end: Date.parse('2026-11-30T02:00:05Z') }],
    ['a running one', { running: { startedAt: '2026-11-30T02:00:01Z' } }, { start: Date.parse('2026-11-30T02:00:01Z') }],
    ['a waiting one', {}, undefined],
  ])('containerRun: %s', (_name, state, expected) => {
    expect(containerRun(state)).toEqual(expected);
  });

  it('canary pause and analysis steps last until the next step starts (the last until promotion); other versions and steps do not count', () => {
    const kinds = ['setWeight', 'pause', 'analysis', 'setWeight', 'pause', 'setWeight'] as const;
    const steps = [
      { version: 2, step: 0, startedAt: 100 },
      { version: 2, step: 1, startedAt: 110 },
      { version: 2, step: 2, startedAt: 120 },
      { version: 2, step: 3, startedAt: 127 },
      { version: 2, step: 4, startedAt: 130 },
      { version: 2, step: 5, startedAt: 140 },
      { version: 3, step: 1, startedAt: 200 },
    ];
    expect(canaryStepIntervals(steps, 2, kinds, 145)).toEqual([
      { start: 110, end: 120 },
      { start: 120, end: 127 },
      { start: 130, end: 140 },
    ]);
    expect(canaryStepIntervals([{ version: 2, step: 1, startedAt: 110 }], 2, kinds, undefined)).toEqual([]);
  });

  it('canaryLine: nothing before the rollout, the weight and step during it, promoted at the end', () => {
    expect(canaryLine({ metadata: { name: 'eta' }, status: { stable: { version: 1 } } }, 2)).toBe('');
    expect(canaryLine({ metadata: { name: 'eta' }, status: { stable: { version: 1 }, canary: { version: 2, weight: 10 }, phase: 'Progressing', message: 'step 2 of 6: pausing 10s at 10%' } }, 2)).toBe(
      'Deployment eta: canary version 2 at 10%, stable version 1 (Progressing: step 2 of 6: pausing 10s at 10%)',
    );
    expect(canaryLine({ metadata: { name: 'eta' }, status: { stable: { version: 2 }, message: 'version 2 serves all traffic' } }, 2)).toBe('Deployment eta: version 2 promoted, serves all traffic (version 2 serves all traffic)');
  });
});
