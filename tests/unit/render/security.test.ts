import { describe, expect, it } from 'vitest';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../../src/render/index.js';
import { expectGolden } from './golden.js';

describe('restricted security contexts', () => {
  it('container: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    expectGolden('security-container', restrictedContainerSecurityContext());
  });

  it('pod: user, group and fsGroup 65532, non-root, RuntimeDefault seccomp', () => {
    expectGolden('security-pod', restrictedPodSecurityContext());
  });

  it('returns a new object on each call', () => {
    const a = restrictedContainerSecurityContext();
    a.capabilities.drop.push('NET_RAW');
    expect(restrictedContainerSecurityContext().capabilities.drop).toEqual(['ALL']);
    expect(restrictedPodSecurityContext()).not.toBe(restrictedPodSecurityContext());
  });
});
