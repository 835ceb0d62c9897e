// Starts the real infrastructure once per test run (see infra.ts). Nothing is mocked.
import { bundleWorkflowCode } from '@temporalio/worker';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { workflowBundleOptions } from '../../workers/journey-worker.js';
import { createFreshDatabase, startTemporalDevServer, temporalCli, temporalTestServer } from './infra.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    /** A migrated database no one connects to: files that need a database of their own copy it. */
    databaseTemplate: string;
    temporalCli: string;
    temporalTestServer: string;
    /** The workflows bundled once for the whole run (test/support/system.ts's workers use it). */
    workflowBundle: string;
  }
}

export default async function setup(project: TestProject) {
  if (!existsSync(temporalTestServer)) throw new Error(`Temporal test server not found at ${temporalTestServer}; run: bash scripts/ensure-tools.sh`);
  // The workflow code, bundled once for every file's workers (each bundling its own cost seconds a file).
  const [template, env, bundle] = await Promise.all([
    createFreshDatabase('l2l_test_template'),
    startTemporalDevServer(),
    bundleWorkflowCode({ ...workflowBundleOptions(), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } }),
  ]);
  const database = await createFreshDatabase('l2l_test', template.database);
  const dataDir = new URL('../../.data/', import.meta.url);
  mkdirSync(dataDir, { recursive: true });
  const bundlePath = new URL('test-workflow-bundle.js', dataDir);
  writeFileSync(bundlePath, bundle.code);

  project.provide('temporalAddress', env.address);
  project.provide('databaseUrl', database.databaseUrl);
  project.provide('databaseTemplate', template.database);
  project.provide('temporalCli', temporalCli);
  project.provide('temporalTestServer', temporalTestServer);
  project.provide('workflowBundle', bundlePath.pathname);

  return async () => {
    await env.teardown();
    await database.drop();
    await template.drop();
  };
}
