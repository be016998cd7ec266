import { describe, expect, it } from 'vitest';
import { isValidLabelValue } from '../../../src/api/names.js';
import { childLabels, labelValue, managedBySelector, recommendedLabels, shortHash } from '../../../src/render/index.js';
import { expectGolden } from './golden.js';
import { dataset, experiment, longName, unsaved } from './owners.js';

const long54 = 'x'.repeat(54);

describe('labelValue', () => {
  it.each([
    ['empty', '', ''],
    ['a DNS name', 'eta-elasticnet', 'eta-elasticnet'],
    ['upper case, _ and . inside', 'Eta_Model.v2', 'Eta_Model.v2'],
    ['a semantic version with build metadata', '1.4.0+build.7', '1.4.0-build.7'],
    ['an image reference', 'ghcr.io/acme/eta-trainer:1.4.0', 'ghcr.io-acme-eta-trainer-1.4.0'],
    ['separators at the ends', '-_.eta._-', 'eta'],
    ['nothing alphanumeric', '._-/', ''],
    ['white space', ' eta v2 ', 'eta-v2'],
    ['non-ASCII letters', 'modèle', 'mod-le'],
    ['an emoji (one code point, one dash)', 'eta🚀v2', 'eta-v2'],
    ['63 characters', 'a'.repeat(63), 'a'.repeat(63)],
  ])('%s', (_, input, expected) => {
    expect(labelValue(input)).toBe(expected);
  });

  it.each([
    ['64 characters', 'a'.repeat(64), `${'a'.repeat(54)}-${shortHash('a'.repeat(64))}`],
    ['a 253-character name', longName, `eta-${'a'.repeat(50)}-${shortHash(longName)}`],
    ['a cut that ends on a separator', `${'a'.repeat(53)}.${'b'.repeat(20)}`, `${'a'.repeat(53)}-${shortHash(`${'a'.repeat(53)}.${'b'.repeat(20)}`)}`],
    ['invalid characters, then too long', `${'a'.repeat(60)}/${'b'.repeat(10)}`, `${'a'.repeat(54)}-${shortHash(`${'a'.repeat(60)}/${'b'.repeat(10)}`)}`],
  ])('cuts %s to at most 63 with a stable hash', (_, input, expected) => {
    expect(labelValue(input)).toBe(expected);
    expect(labelValue(input).length).toBeLessThanOrEqual(63);
  });

  it('keeps long names that share their first 54 characters apart', () => {
    const a = labelValue(`${long54}-trial-0`);
    const b = labelValue(`${long54}-trial-1`);
    expect(a).not.toBe(b);
    expect(a.slice(0, 54)).toBe(b.slice(0, 54));
  });

  it('is stable: the hash is the first 8 hex digits of the SHA-256 of the original value', () => {
    expect(shortHash('')).toBe('e3b0c442');
    expect(labelValue('a'.repeat(64))).toBe(`${'a'.repeat(54)}-ffe054fe`);
  });

  it('always returns a valid label value, and is idempotent', () => {
    // A deterministic spread of awkward strings: every printable ASCII character, some beyond, many lengths.
    const alphabet = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~é€🚀\n\t';
    const chars = [...alphabet];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 2000; i++) {
      const length = next() % 140;
      const value = Array.from({ length }, () => chars[next() % chars.length]).join('');
      const label = labelValue(value);
      expect(isValidLabelValue(label), JSON.stringify(value)).toEqual([]);
      expect(labelValue(label)).toBe(label);
    }
  });
});

describe('recommendedLabels', () => {
  it('sets the six app.kubernetes.io labels', () => {
    expectGolden('labels-recommended', recommendedLabels({ name: 'model-server', instance: 'eta', component: 'serving', version: '7' }));
  });

  it('leaves out the version when there is none, and sanitises every value', () => {
    expectGolden('labels-recommended-sanitised', recommendedLabels({ name: 'Model Server', instance: longName, component: 'serving/canary' }));
  });
});

describe('childLabels', () => {
  it('names the owner: kind in lower case as name, its name as instance, plus cairn.dev/owner-*', () => {
    expectGolden('labels-child', childLabels(experiment, 'trial'));
  });

  it('hashes a long owner name the same way in instance and owner-name', () => {
    const labels = childLabels({ ...dataset, metadata: { ...dataset.metadata, name: longName } }, 'profile');
    expectGolden('labels-child-long-name', labels);
    expect(labels['cairn.dev/owner-name']).toBe(labels['app.kubernetes.io/instance']);
  });

  it('needs no uid, but a kind and a name', () => {
    expect(childLabels(unsaved, 'trial')).toEqual(childLabels(experiment, 'trial'));
    expect(() => childLabels({ kind: 'Experiment', metadata: {} }, 'trial')).toThrow(expect.objectContaining({ reason: 'InvalidOwner' }));
  });

  it('carries the label the child informers select on', () => {
    const [key, value] = managedBySelector.split('=');
    expect(managedBySelector).toBe('app.kubernetes.io/managed-by=cairn');
    expect(childLabels(experiment, 'trial')[key as string]).toBe(value);
  });
});
