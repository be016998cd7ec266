/**
 * Whether requests for a model may be merged into one run, decided by running it on two distinct rows, in one
 * batch and each alone. Every output must scale with the first dimension only (a [N,N] output does not), and
 * each row's outputs must be the same in the batch as alone (a model that normalizes over the batch mixes its
 * rows). Otherwise merged requests would get each other's data.
 */
import { isFloat, type TensorMap, type TensorValue } from './datatypes.js';
import { show } from './errors.js';
import { mayBatch, syntheticFeeds, type ModelSignature } from './signature.js';

/** Runs one inference (the session of the model being loaded). */
export type RunFn = (feeds: TensorMap) => Promise<TensorMap>;

/** A batch may sum in another order than a single row (other kernels): floats match within this, relative above 1. */
const FLOAT_TOLERANCE = 1e-5;

/** Whether two output elements match: floats within FLOAT_TOLERANCE (NaN matches NaN), anything else exactly. */
export function sameElement(a: unknown, b: unknown, float: boolean): boolean {
  if (a === b) return true;
  if (!float || typeof a !== 'number' || typeof b !== 'number') return false;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= FLOAT_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

const shapeOf = (dims: readonly number[]) => `[${dims.join(',')}]`;

/**
 * Why output `name` of the 2-row batch does not split into the outputs of its rows run alone, or undefined
 * when it does.
 */
export function splitDifference(name: string, batch: TensorValue | undefined, alone: readonly (TensorValue | undefined)[]): string | undefined {
  const runs: [TensorValue | undefined, number][] = [[batch, alone.length], ...alone.map((a): [TensorValue | undefined, number] => [a, 1])];
  for (const [value, rows] of runs) {
    const got = value?.dims[0];
    if (got !== rows) return `output "${name}" has ${got} rows for ${rows} input rows`;
  }
  const b = batch!;
  const trailing = shapeOf(b.dims.slice(1));
  for (const a of alone as TensorValue[]) {
    if (shapeOf(a.dims.slice(1)) !== trailing) {
      return `output "${name}" has shape ${shapeOf(b.dims)} for ${alone.length} input rows but ${shapeOf(a.dims)} for 1: its dimensions after the first depend on the batch`;
    }
  }
  const float = isFloat(b.type);
  for (let r = 0; r < alone.length; r++) {
    const a = alone[r]!.data;
    for (let i = 0; i < a.length; i++) {
      const inBatch = b.data[r * a.length + i];
      if (!sameElement(inBatch, a[i], float)) {
        return `output "${name}" of row ${r} is ${show(inBatch)} in a batch of ${alone.length} but ${show(a[i])} alone: the rows of a batch influence each other`;
      }
    }
  }
  return undefined;
}

/** Why requests for the model must not be merged, or undefined when they may. */
export async function probeBatching(signature: ModelSignature, run: RunFn): Promise<string | undefined> {
  if (!mayBatch(signature)) return 'not every input and output has a dynamic first dimension';
  let batch: TensorMap;
  const alone: TensorMap[] = [];
  try {
    for (const firstRow of [0, 1]) alone.push(await run(syntheticFeeds(signature, 1, { firstRow })));
    batch = await run(syntheticFeeds(signature, 2, { firstRow: 0 }));
  } catch (err) {
    return `the probe run with distinct rows failed: ${(err as Error).message}`;
  }
  for (const spec of signature.outputs) {
    const reason = splitDifference(
      spec.name,
      batch[spec.name],
      alone.map((outputs) => outputs[spec.name]),
    );
    if (reason) return reason;
  }
  return undefined;
}
