import { describe, expect, it } from 'vitest';
import { gridValues, parameterEnv, parameterEnvName, planSearch, prng, SearchSpecError, tidy } from '../../../src/training/search.js';
import type { ExperimentSpec } from '../../../src/api/kinds/experiment.js';

type Search = Pick<ExperimentSpec, 'parameters' | 'search'>;

describe('grid search', () => {
  const cases: Array<{ name: string; spec: Search; trials: Array<Record<string, number | string>>; space: number }> = [
    { name: 'no parameters: one trial', spec: {}, trials: [{}], space: 1 },
    {
      name: 'values x range (the driver POC: 3 alphas x 3 l1_ratios), last parameter fastest, names sorted',
      spec: { parameters: { l1_ratio: { min: 0.1, max: 0.9, step: 0.4 }, alpha: { values: [0.001, 0.01, 0.1] } }, search: { maxTrials: 9 } },
      trials: [
        { alpha: 0.001, l1_ratio: 0.1 },
        { alpha: 0.001, l1_ratio: 0.5 },
        { alpha: 0.001, l1_ratio: 0.9 },
        { alpha: 0.01, l1_ratio: 0.1 },
        { alpha: 0.01, l1_ratio: 0.5 },
        { alpha: 0.01, l1_ratio: 0.9 },
        { alpha: 0.1, l1_ratio: 0.1 },
        { alpha: 0.1, l1_ratio: 0.5 },
        { alpha: 0.1, l1_ratio: 0.9 },
      ],
      space: 9,
    },
    {
      name: 'maxTrials takes the first combinations',
      spec: { parameters: { a: { values: [1, 2, 3] }, b: { choices: ['x', 'y'] } }, search: { maxTrials: 4 } },
      trials: [
        { a: 1, b: 'x' },
        { a: 1, b: 'y' },
        { a: 2, b: 'x' },
        { a: 2, b: 'y' },
      ],
      space: 6,
    },
    { name: 'default maxTrials is 10', spec: { parameters: { a: { min: 0, max: 20, step: 1 } } }, trials: Array.from({ length: 10 }, (_, i) => ({ a: i })), space: 21 },
    { name: 'a range whose step does not land on max stops below it', spec: { parameters: { a: { min: 0, max: 1, step: 0.3 } } }, trials: [{ a: 0 }, { a: 0.3 }, { a: 0.6 }, { a: 0.9 }], space: 4 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planSearch(c.spec);
      expect(plan.trials).toEqual(c.trials);
      expect(plan.spaceSize).toBe(c.space);
    });
  }

  it('steps land on the values people write (0.1 + 2 x 0.4 = 0.9 exactly)', () => {
    expect(gridValues('x', { min: 0.1, max: 0.9, step: 0.4 })).toEqual([0.1, 0.5, 0.9]);
    expect(gridValues('x', { min: 0, max: 0.3, step: 0.1 })).toEqual([0, 0.1, 0.2, 0.3]);
    expect(tidy(0.1 + 0.2)).toBe(0.3);
  });

  const refused: Array<{ name: string; spec: Search; field: string }> = [
    { name: 'a grid over a range without a step', spec: { parameters: { alpha: { min: 0.1, max: 1 } } }, field: 'spec.parameters.alpha.step' },
    { name: 'a step that gives more than 1000 values', spec: { parameters: { alpha: { min: 0, max: 1, step: 0.0001 } } }, field: 'spec.parameters.alpha.step' },
    { name: 'a parameter with nothing to try', spec: { parameters: { alpha: {} } }, field: 'spec.parameters.alpha' },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}`, () => {
      let error: unknown;
      try {
        planSearch(c.spec);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SearchSpecError);
      expect((error as SearchSpecError).field).toBe(c.field);
      expect((error as Error).message.startsWith(`${c.field}: `)).toBe(true);
    });
  }
});

describe('random search', () => {
  it('the PRNG is splitmix64 (reference values from its author: seed 1234567)', () => {
    const random = prng(1234567);
    const expected = [6457827717110365317n, 3203168211198807973n, 9817491932198370423n];
    for (const raw of expected) expect(random()).toBe(Number(raw >> 11n) / 2 ** 53);
  });

  it('is reproducible from the seed and differs between seeds', () => {
    const spec = (seed?: number): Search => ({ parameters: { alpha: { min: 0.0001, max: 1, scale: 'log' }, l1: { min: 0, max: 1 } }, search: { algorithm: 'random', maxTrials: 5, ...(seed !== undefined ? { seed } : {}) } });
    expect(planSearch(spec(7)).trials).toEqual(planSearch(spec(7)).trials);
    expect(planSearch(spec()).trials).toEqual(planSearch(spec(0)).trials);
    expect(planSearch(spec(7)).trials).not.toEqual(planSearch(spec(8)).trials);
    expect(planSearch(spec(7)).spaceSize).toBe(Number.POSITIVE_INFINITY);
  });

  it('samples within the range; a log scale spreads over the decades', () => {
    const { trials } = planSearch({ parameters: { alpha: { min: 0.0001, max: 1, scale: 'log' } }, search: { algorithm: 'random', maxTrials: 1000, seed: 3 } });
    const values = trials.map((t) => t.alpha as number);
    expect(values.every((v) => v >= 0.0001 && v <= 1)).toBe(true);
    // Log-uniform over 4 decades: about a quarter below 0.001; uniform would put 0.1% there.
    const below = values.filter((v) => v < 0.001).length;
    expect(below).toBeGreaterThan(150);
    expect(below).toBeLessThan(350);
  });

  it('never repeats a combination of a finite space, and stops at its size', () => {
    const { trials, spaceSize } = planSearch({ parameters: { a: { values: [1, 2] }, b: { choices: ['x', 'y', 'z'] } }, search: { algorithm: 'random', maxTrials: 50, seed: 1 } });
    expect(spaceSize).toBe(6);
    expect(trials).toHaveLength(6);
    expect(new Set(trials.map((t) => JSON.stringify(t))).size).toBe(6);
  });
});

describe('trial environment', () => {
  it('CAIRN_PARAMS carries numbers as numbers, choices as strings; each parameter alone as text', () => {
    expect(parameterEnv({ alpha: 0.1, solver: 'cyclic' })).toEqual([
      { name: 'CAIRN_PARAMS', value: '{"alpha":0.1,"solver":"cyclic"}' },
      { name: 'CAIRN_PARAM_ALPHA', value: '0.1' },
      { name: 'CAIRN_PARAM_SOLVER', value: 'cyclic' },
    ]);
  });

  it('two names that map to one variable set neither (read CAIRN_PARAMS)', () => {
    expect(parameterEnv({ 'a-b': 1, a_b: 2, c: 3 }).map((e) => e.name)).toEqual(['CAIRN_PARAMS', 'CAIRN_PARAM_C']);
  });

  it.each([
    ['alpha', 'ALPHA'],
    ['learning-rate', 'LEARNING_RATE'],
    ['l1.ratio', 'L1_RATIO'],
    ['Already_UP', 'ALREADY_UP'],
  ])('%s -> CAIRN_PARAM_%s', (name, variable) => {
    expect(parameterEnvName(name)).toBe(variable);
  });
});
