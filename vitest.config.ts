import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One Temporal dev server and one fresh database for the whole run.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run one after another, each with its own worker.
    fileParallelism: false,
    // As the dev stack: dev secrets, loopback webhooks (platform/config.ts); processes the tests start inherit it.
    env: { L2L_DEVELOPMENT: 'true' },
  },
});
