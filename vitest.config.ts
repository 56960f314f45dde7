import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A throwaway PostgreSQL cluster for the PostgreSQL side of the store tests.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // A poll's timeout only stops a test that hangs; on a busy machine 1 s (the default) is
    // not that. No assertion in this suite is about speed (that is npm run bench).
    expect: { poll: { timeout: 20_000 } },
    // Two cores: more workers only make the socket tests fight for CPU.
    maxWorkers: 2,
  },
});
