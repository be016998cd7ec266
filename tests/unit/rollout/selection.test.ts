import { describe, expect, test } from 'vitest';
import { selectVersion, signatureProblems, type Candidate } from '../../../src/rollout/selection.js';

const sha256 = 'b'.repeat(64);
function mv(version: number, isReady: boolean, model = 'eta'): Candidate {
  return {
    name: `${model}-v${version}`,
    spec: { model, version, artifact: { uri: `s3://m/${version}.onnx`, sha256 } },
    status: { conditions: [{ type: 'Ready', status: isReady ? 'True' : 'False', reason: isReady ? 'Succeeded' : 'Verifying', message: '', lastTransitionTime: '2026-11-29T00:00:00Z' }] },
  };
}
const all = [mv(1, true), mv(2, true), mv(3, false), mv(9, true, 'other'), { ...mv(4, true), status: undefined }];

describe('selectVersion', () => {
  test.each([
    [{ policy: 'latestReady' as const }, { version: 'eta-v2' }],
    [{ pinned: 1 }, { version: 'eta-v1' }],
    [{ pinned: 3 }, { waiting: 'ModelVersion eta-v3 (eta version 3) is not Ready' }],
    [{ pinned: 7 }, { waiting: 'ModelVersion eta version 7 does not exist' }],
  ])('%j', (version, expected) => {
    const selection = selectVersion({ model: 'eta', version }, all);
    expect('version' in selection ? { version: selection.version.name } : selection).toEqual(expected);
  });

  test('latestReady with nothing Ready waits', () => {
    expect(selectVersion({ model: 'eta', version: { policy: 'latestReady' } }, [mv(1, false)])).toEqual({ waiting: 'no Ready ModelVersion of model eta' });
  });
});

describe('signatureProblems', () => {
  const stable = {
    inputs: [{ name: 'input', datatype: 'FP32' as const, shape: [-1, 3] }],
    outputs: [{ name: 'variable', datatype: 'FP32' as const, shape: [-1, 1] }],
  };
  test.each([
    ['the same', stable, []],
    ['a fixed batch where it was dynamic still agrees', { ...stable, inputs: [{ name: 'input', datatype: 'FP32' as const, shape: [8, 3] }] }, []],
    ['an extra output is fine', { ...stable, outputs: [...stable.outputs, { name: 'proba', datatype: 'FP32' as const, shape: [-1, 2] }] }, []],
    ['a renamed input', { ...stable, inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1, 3] }] }, ['input input is missing', 'input x is new']],
    ['another datatype and width', { ...stable, inputs: [{ name: 'input', datatype: 'FP64' as const, shape: [-1, 4] }] }, ['input input is FP64, was FP32', 'input input has shape [-1, 4], was [-1, 3]']],
    ['an output removed', { ...stable, outputs: [] }, ['output variable is missing']],
  ])('%s', (_, candidate, expected) => {
    expect(signatureProblems(stable, candidate)).toEqual(expected);
  });

  test('an unknown signature is not a problem (the inspect Job has not run yet)', () => {
    expect(signatureProblems(undefined, stable)).toEqual([]);
    expect(signatureProblems(stable, undefined)).toEqual([]);
  });
});
