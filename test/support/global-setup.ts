// Starts the real infrastructure once per test run: a Temporal dev server (the CLI
// built by scripts/ensure-tools.sh, with our search attributes) and a fresh
// PostgreSQL database migrated with the repo's migrations. Nothing is mocked.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { JOURNEY_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    temporalCli: string;
    temporalTestServer: string;
  }
}

const root = new URL('../../', import.meta.url).pathname;
const baseUrl = process.env.DATABASE_URL ?? 'postgresql://l2l:l2l@127.0.0.1:5432/l2l';
// Tool paths come from scripts/env.sh, the one place their versions are pinned.
const [temporalCli, temporalTestServer] = execFileSync('bash', ['-c', 'source scripts/env.sh && echo "$TEMPORAL_CLI" && echo "$TEMPORAL_TEST_SERVER"'], { cwd: root, encoding: 'utf8' })
  .trim()
  .split('\n') as [string, string];

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  if (!existsSync(temporalCli)) throw new Error(`Temporal CLI not found at ${temporalCli}; run: bash scripts/ensure-tools.sh`);
  if (!existsSync(temporalTestServer)) throw new Error(`Temporal test server not found at ${temporalTestServer}; run: bash scripts/ensure-tools.sh`);

  const database = `l2l_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const databaseUrl = withDatabase(baseUrl, database);
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'pipe' });

  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli },
      searchAttributes: JOURNEY_SEARCH_ATTRIBUTES,
      extraArgs: ['--log-level', 'error'],
    },
  });

  project.provide('temporalAddress', env.address);
  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalCli', temporalCli);
  project.provide('temporalTestServer', temporalTestServer);

  return async () => {
    await env.teardown();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  };
}
