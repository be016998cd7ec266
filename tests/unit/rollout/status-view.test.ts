import { expect, test } from 'vitest';
import type { DeploymentSpec, DeploymentStatus } from '../../../src/api/kinds/deployment.js';
import { rolloutStatusLines } from '../../../src/rollout/status-view.js';

const spec: DeploymentSpec = {
  model: 'eta',
  version: { policy: 'latestReady' },
  strategy: { type: 'Canary', canary: { steps: [{ setWeight: 20 }, { pause: { duration: '1m' } }, { analysis: {} }, { pause: {} }, { setWeight: 80 }] } },
  traffic: { router: 'replicas' },
};

test('a canary paused at its fourth step', () => {
  const status: DeploymentStatus = {
    phase: 'Paused',
    stable: { version: 6, weight: 80 },
    canary: { version: 7, weight: 20, step: 3 },
    message: 'step 4 of 5: paused at 20% until cairn.dev/promote',
    url: 'http://eta.ml.svc:80',
    rollout: { analysis: { passed: 2, failed: 1, inconclusive: 0, lastAt: '2026-11-29T12:01:00Z', lastFailure: 'error-rate = 0.02, above the max 0.01' } },
  };
  expect(rolloutStatusLines({ metadata: { name: 'eta', namespace: 'ml' }, spec, status }).join('\n')).toBe(
    [
      'Name:        eta',
      'Namespace:   ml',
      'Model:       eta (latestReady)',
      'Status:      ॥ Paused: step 4 of 5: paused at 20% until cairn.dev/promote',
      'Strategy:    Canary, router replicas',
      'Stable:      version 6 (80%)',
      'Canary:      version 7 (20%)',
      'Analysis:    2 passed, 1 failed, 0 inconclusive (last at 2026-11-29T12:01:00Z)',
      '             last failure: error-rate = 0.02, above the max 0.01',
      'URL:         http://eta.ml.svc:80',
      '',
      'Steps:',
      '  ✔  1. setWeight 20%',
      '  ✔  2. pause 1m',
      '  ✔  3. analysis',
      '  ►  4. pause (until promoted)',
      '     5. setWeight 80%',
    ].join('\n'),
  );
});

test('healthy, no rollout: no step marked; before any status: Progressing with dashes', () => {
  const healthy = rolloutStatusLines({ spec, status: { phase: 'Healthy', stable: { version: 7, weight: 100 } } });
  expect(healthy).toContain('Status:      ✔ Healthy');
  expect(healthy).toContain('Canary:      -');
  expect(healthy.filter((l) => /[✔►]\s+\d+\./.test(l))).toEqual([]);
  const fresh = rolloutStatusLines({ spec: { model: 'eta', version: { pinned: 3 } } });
  expect(fresh).toContain('Status:      ◌ Progressing');
  expect(fresh).toContain('Model:       eta (pinned version 3)');
  expect(fresh).toContain('Strategy:    Immediate');
});
