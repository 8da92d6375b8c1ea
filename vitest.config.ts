import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // Generous: the suite runs real browsers, builds and several gateways on a 2-core machine.
    // A limit only bounds a hang; every wait inside a test has its own, tighter deadline.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
