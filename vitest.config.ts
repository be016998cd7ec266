import { defineConfig } from 'vitest/config';

// Two tiers (shared/design/TESTING.md): unit = pure code and the serving runtime over real HTTP;
// integration = against the real control plane that tests/harness starts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
