/**
 * Pure: the trials of one run, from an Experiment's `parameters` and `search` (docs/api.md, Experiment).
 *
 * - grid: every combination, parameters in name order, values in the order written (a range walks min, min +
 *   step, ... up to max), the first combinations first; at most maxTrials of them.
 * - random: maxTrials samples from a PRNG seeded by `search.seed` (0 when absent, so a run is reproducible),
 *   uniform over values and choices, uniform or log-uniform over a range; a finite space gives each
 *   combination at most once.
 *
 * A spec the schema accepts but that cannot be expanded (a grid over a range without a step, a step that gives
 * more than the limit of values) is a {@link SearchSpecError}: the controller stalls on it.
 */
import type { ExperimentSpec } from '../api/kinds/experiment.js';

export type ParameterValue = number | string;
export type TrialParameters = Readonly<Record<string, ParameterValue>>;

export interface SearchPlan {
  trials: TrialParameters[];
  /** Combinations a grid has in all (the run takes the first maxTrials). Infinite for random over a range. */
  spaceSize: number;
}

export class SearchSpecError extends Error {
  override readonly name = 'SearchSpecError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

type Parameter = NonNullable<ExperimentSpec['parameters']>[string];

export const defaultMaxTrials = 10;
/** A range of a grid is refused beyond this many values: a typo in `step` must not make a million trials. */
const maxRangeValues = 1000;

/** A float as people write it: 0.1 + 2 * 0.4 is 0.9, not 0.9000000000000001. */
export function tidy(value: number): number {
  return Number.isFinite(value) ? Number.parseFloat(value.toPrecision(12)) : value;
}

/** The values of one parameter in a grid. */
export function gridValues(name: string, p: Parameter): ParameterValue[] {
  if (p.values) return [...p.values];
  if (p.choices) return [...p.choices];
  if (p.min === undefined || p.max === undefined) throw new SearchSpecError(`spec.parameters.${name}`, 'set exactly one of values, choices, or min and max');
  if (p.step === undefined) throw new SearchSpecError(`spec.parameters.${name}.step`, 'a grid over a range needs a step (or use values, or search.algorithm: random)');
  const count = Math.floor((p.max - p.min) / p.step + 1e-9) + 1;
  if (!Number.isFinite(count) || count > maxRangeValues) throw new SearchSpecError(`spec.parameters.${name}.step`, `gives ${count} values from ${p.min} to ${p.max}; at most ${maxRangeValues}`);
  return Array.from({ length: count }, (_, i) => tidy(p.min! + i * p.step!));
}

/** The trials of one run. Throws {@link SearchSpecError} on a spec that cannot be expanded. */
export function planSearch(spec: Pick<ExperimentSpec, 'parameters' | 'search'>): SearchPlan {
  const names = Object.keys(spec.parameters ?? {}).sort();
  const params = names.map((name) => [name, spec.parameters![name]!] as const);
  const maxTrials = spec.search?.maxTrials ?? defaultMaxTrials;
  if (names.length === 0) return { trials: [{}], spaceSize: 1 };
  if ((spec.search?.algorithm ?? 'grid') === 'grid') {
    const axes = params.map(([name, p]) => [name, gridValues(name, p)] as const);
    const spaceSize = axes.reduce((n, [, values]) => n * values.length, 1);
    const trials: TrialParameters[] = [];
    for (let i = 0; i < Math.min(spaceSize, maxTrials); i++) {
      // The i-th combination, the last parameter varying fastest.
      let rest = i;
      const trial: Record<string, ParameterValue> = {};
      for (let a = axes.length - 1; a >= 0; a--) {
        const [name, values] = axes[a]!;
        trial[name] = values[rest % values.length]!;
        rest = Math.floor(rest / values.length);
      }
      trials.push(Object.fromEntries(names.map((n) => [n, trial[n]!])));
    }
    return { trials, spaceSize };
  }
  return randomTrials(params, maxTrials, spec.search?.seed ?? 0);
}

function randomTrials(params: ReadonlyArray<readonly [string, Parameter]>, maxTrials: number, seed: number): SearchPlan {
  const random = prng(seed);
  const finite = params.every(([, p]) => p.values || p.choices);
  const spaceSize = finite ? params.reduce((n, [, p]) => n * (p.values ?? p.choices)!.length, 1) : Number.POSITIVE_INFINITY;
  const wanted = Math.min(maxTrials, spaceSize);
  const seen = new Set<string>();
  const trials: TrialParameters[] = [];
  // A finite space is sampled without repeats; the attempts are bounded so a tiny space cannot spin.
  for (let attempt = 0; trials.length < wanted && attempt < wanted * 100; attempt++) {
    const trial: Record<string, ParameterValue> = {};
    for (const [name, p] of params) trial[name] = sample(p, random);
    const key = JSON.stringify(trial);
    if (finite && seen.has(key)) continue;
    seen.add(key);
    trials.push(trial);
  }
  return { trials, spaceSize };
}

function sample(p: Parameter, random: () => number): ParameterValue {
  const pick = <T>(list: readonly T[]): T => list[Math.min(list.length - 1, Math.floor(random() * list.length))]!;
  if (p.values) return pick(p.values);
  if (p.choices) return pick(p.choices);
  const min = p.min!;
  const max = p.max!;
  if (p.scale === 'log') return tidy(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min))));
  return tidy(min + random() * (max - min));
}

/**
 * A small seeded PRNG (splitmix64 folded to 53 bits): the same seed gives the same trials on every machine and
 * Node version, which Math.random cannot promise. Seeds are int64 (the schema allows up to 2^63-1).
 */
export function prng(seed: number): () => number {
  let state = BigInt.asUintN(64, BigInt(Math.trunc(seed)));
  return () => {
    state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n);
    let z = state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z = z ^ (z >> 31n);
    return Number(z >> 11n) / 2 ** 53;
  };
}

/**
 * The environment of a trial (docs/contracts.md §1): CAIRN_PARAMS, and CAIRN_PARAM_<NAME> for each parameter
 * whose variable name no other parameter maps to (`a-b` and `a_b` both give A_B: neither is set).
 */
export function parameterEnv(params: TrialParameters): Array<{ name: string; value: string }> {
  const byVariable = new Map<string, ParameterValue[]>();
  for (const [name, value] of Object.entries(params)) {
    const variable = `CAIRN_PARAM_${parameterEnvName(name)}`;
    byVariable.set(variable, [...(byVariable.get(variable) ?? []), value]);
  }
  const single = [...byVariable].filter(([, values]) => values.length === 1).map(([name, [value]]) => ({ name, value: String(value) }));
  return [{ name: 'CAIRN_PARAMS', value: JSON.stringify(params) }, ...single];
}

/** `learning-rate` -> `LEARNING_RATE`: upper case, every character outside [A-Z0-9_] becomes `_`. */
export function parameterEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
