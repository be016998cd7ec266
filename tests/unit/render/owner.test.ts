import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../../src/runtime/kube/object.js';
import { isRenderError, ownerReference, RenderError } from '../../../src/render/index.js';
import { expectGolden } from './golden.js';
import { experiment, unsaved } from './owners.js';

describe('ownerReference', () => {
  it('is a controller reference that blocks the owner’s foreground deletion', () => {
    expectGolden('owner-reference', ownerReference(experiment));
  });

  it('reads a frozen object from an informer cache', () => {
    expect(ownerReference(deepFreeze(structuredClone(experiment)))).toEqual(ownerReference(experiment));
  });

  it('refuses an owner without uid with a typed error', () => {
    const err = (() => {
      try {
        ownerReference(unsaved);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RenderError);
    expect(isRenderError(err)).toBe(true);
    expect(err).toMatchObject({ reason: 'OwnerNotCreated', field: 'owner.metadata.uid', message: 'owner.metadata.uid: Experiment/eta-elasticnet has no uid: an object not yet created cannot own children' });
  });

  it.each([
    ['no apiVersion', { ...experiment, apiVersion: undefined }, 'owner.apiVersion'],
    ['no kind', { ...experiment, kind: '' }, 'owner.kind'],
    ['no name', { ...experiment, metadata: { ...experiment.metadata, name: undefined } }, 'owner.metadata.name'],
    ['no metadata', { apiVersion: 'cairn.dev/v1alpha1', kind: 'Experiment' }, 'owner.metadata.name'],
  ])('refuses an owner with %s', (_, owner, field) => {
    expect(() => ownerReference(owner)).toThrow(expect.objectContaining({ reason: 'InvalidOwner', field }));
  });
});
