import { defineConfig } from 'vitest/config';
import HeavyFirst from './test/support/heavy-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One Temporal dev server and one fresh database for the whole run.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Three files at a time on two cores: most of a file's time is waiting on Temporal, PostgreSQL
    // or a browser. Files never share a task queue, a territory or a customer; those that run the
    // outbox relay over a whole database, or change what every journey reads, bring their own.
    maxWorkers: 3,
    // A worker keeps the modules it loaded for the next file (a file's imports cost 2–4 s of CPU
    // each, 120 s in all). Nothing here keeps state in a module between files but the workflow
    // bundle's path and the SDK's runtime, both the same for every file; tracing unregisters its
    // globals when it shuts down.
    isolate: false,
    // The longest files first (test/support/heavy-first.ts).
    sequence: { sequencer: HeavyFirst },
    // As the dev stack: dev secrets, loopback webhooks (platform/config.ts); processes the tests start inherit it.
    env: { L2L_DEVELOPMENT: 'true' },
  },
});
