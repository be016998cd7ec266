import { defineConfig } from 'vitest/config';

// Two tiers (docs/testing.md): unit = pure code and the serving runtime over real HTTP;
// integration = against the real control plane that tests/harness starts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          // provision.ts (shared, once per run): installs what the tests need from the machine (openssh-server).
          // serving/global-setup.ts: builds the Python environment of scripts/models (cached) and generates the
          // test ONNX models when missing. Either fails the run loudly, naming the step, when it cannot be done.
          globalSetup: ['tests/setup/provision.ts', 'tests/unit/serving/global-setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          // provision.ts as above (a no-op when the unit tier already ran it); then builds the binaries when
          // missing, starts the control plane and the local node agent (tests/harness).
          globalSetup: ['tests/setup/provision.ts', 'tests/harness/global-setup.ts'],
          // Lets @kubernetes/client-node 2.x load on Node 20 in the test workers (see the file).
          setupFiles: ['src/testenv/node-compat.ts'],
          // The files mostly wait on the cluster: run a few at once even on 2 cores (each uses its own namespace).
          // A project with its own maxWorkers needs its own group: it runs after the unit tier.
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
          // Waits on a real cluster: the test timeout is the bound, never a timed assertion.
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
