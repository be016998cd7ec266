import { describe, expect, it } from 'vitest';
import { fetchTimeoutMs, syncIntervalMs } from '../../../src/controllers/gitsource/controller.js';

describe('GitSource fetch interval', () => {
  it.each([
    [undefined, 60_000],
    ['5m', 300_000],
    ['1s', 1_000],
    ['0s', 1_000], // a requeue after 0 would be no requeue at all: polling would stop
    ['100ms', 1_000],
  ])('%s -> %i ms', (interval, ms) => {
    expect(syncIntervalMs(interval)).toBe(ms);
  });

  it.each([
    [undefined, 60_000],
    ['2m', 120_000],
    ['0s', 1_000],
  ])('timeout %s -> %i ms', (timeout, ms) => {
    expect(fetchTimeoutMs(timeout)).toBe(ms);
  });
});
