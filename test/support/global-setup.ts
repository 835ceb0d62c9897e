// Starts the real infrastructure once per test run (see infra.ts). Nothing is mocked.
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { createFreshDatabase, startTemporalDevServer, temporalCli, temporalTestServer } from './infra.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    temporalCli: string;
    temporalTestServer: string;
  }
}

export default async function setup(project: TestProject) {
  if (!existsSync(temporalTestServer)) throw new Error(`Temporal test server not found at ${temporalTestServer}; run: bash scripts/ensure-tools.sh`);
  const database = await createFreshDatabase('l2l_test');
  const env = await startTemporalDevServer();

  project.provide('temporalAddress', env.address);
  project.provide('databaseUrl', database.databaseUrl);
  project.provide('temporalCli', temporalCli);
  project.provide('temporalTestServer', temporalTestServer);

  return async () => {
    await env.teardown();
    await database.drop();
  };
}
