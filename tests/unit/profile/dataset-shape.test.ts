import { describe, expect, it } from 'vitest';
import { profiledDataset } from '../../../src/profile/dataset-shape.js';

const feature = { name: 'conv_rate', type: 'number', min: 0, max: 1 };
const dataset = (spec: object, metadata: object = { name: 'driver-stats' }) => ({ apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata, spec });
const schema = { features: [feature], target: { name: 'trip_minutes', type: 'number' } };

describe('profiledDataset: the shape of the Dataset the profile reads', () => {
  it.each([
    ['a whole Dataset', dataset({ source: {}, schema, validation: { maxNullFraction: 0.1 }, profile: { bins: 20 } })],
    ['no target, validation or profile', dataset({ schema: { features: [{ name: 'city', type: 'categorical' }] } })],
  ])('takes %s', (_, document) => {
    expect(profiledDataset(document)).toEqual({ name: 'driver-stats', spec: document.spec });
  });

  it.each([
    ['not an object', 'Dataset'],
    ['no name', dataset({ schema }, {})],
    ['no schema', dataset({})],
    ['no features', dataset({ schema: { features: [] } })],
    ['features not a list', dataset({ schema: { features: feature } })],
    ['an unknown column type', dataset({ schema: { features: [{ name: 'x', type: 'float' }] } })],
    ['a column without a name', dataset({ schema: { features: [{ type: 'number' }] } })],
    ['a min that is not a number', dataset({ schema: { features: [{ ...feature, min: '0' }] } })],
    ['a target of the wrong shape', dataset({ schema: { ...schema, target: 'trip_minutes' } })],
    ['a fraction over 1', dataset({ schema, validation: { maxOutOfRangeFraction: 2 } })],
    ['bins not an integer', dataset({ schema, profile: { bins: 2.5 } })],
  ])('refuses %s', (_, document) => {
    expect(profiledDataset(document)).toBeUndefined();
  });
});
