// The real infrastructure for tests and benchmarks: a fresh PostgreSQL database migrated
// with the repo's migrations, and a Temporal dev server (the CLI built by
// scripts/ensure-tools.sh) with our search attributes.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { JOURNEY_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

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

/**
 * A new, migrated database; drop() removes it. With `template` (a migrated database nobody is
 * connected to), a copy of it: a file copy in PostgreSQL, ~0.1 s where migrating takes seconds.
 */
export async function createFreshDatabase(prefix: string, template?: string) {
  const database = `${prefix}_${process.pid}_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  const databaseUrl = withDatabase(baseUrl, database);
  if (template) {
    await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${template}"`);
  } else {
    await admin.query(`CREATE DATABASE "${database}"`);
    execFileSync('npx', ['prisma', 'migrate', 'deploy'], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'pipe' });
  }
  return {
    database,
    databaseUrl,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** The Temporal CLI dev server on a free port, with our search attributes. */
export async function startTemporalDevServer() {
  if (!existsSync(temporalCli)) throw new Error(`Temporal CLI not found at ${temporalCli}; run: bash scripts/ensure-tools.sh`);
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli },
      searchAttributes: JOURNEY_SEARCH_ATTRIBUTES,
      // The server runs one batch operation per namespace at a time by default; every test file
      // shares this namespace, so the fuzzer's and the markets' roll-outs held up the journey-policy
      // file's five queued ones past two minutes. Each file's own roll-outs still go one at a time
      // (its policyRollouts workflow queues them); production keeps the default (docs/journey.md).
      extraArgs: ['--log-level', 'error', '--dynamic-config-value', 'frontend.MaxConcurrentBatchOperationPerNamespace=20'],
    },
  });
}

export { temporalCli, temporalTestServer };

/** Schemathesis, installed into its venv by scripts/ensure-tools.sh. */
export const schemathesis = execFileSync('bash', ['-c', 'source scripts/env.sh && echo "$SCHEMATHESIS"'], { cwd: root, encoding: 'utf8' }).trim();

/** promtool, built into .tools by scripts/ensure-tools.sh (the alert rules' unit tests). */
export const promtool = execFileSync('bash', ['-c', 'source scripts/env.sh && echo "$PROMTOOL"'], { cwd: root, encoding: 'utf8' }).trim();

/**
 * The production Temporal server on PostgreSQL (scripts/temporal-cluster.sh) at 127.0.0.1:`port`
 * (the services take the ports after it and 300 below it), with databases of its own; stop()
 * stops it and drops them.
 */
export async function startTemporalCluster(port: number) {
  const name = `l2l_cluster_${process.pid}_${Date.now()}`;
  const env = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, L2L_CLUSTER_DB: name, L2L_CLUSTER_DIR: `${root}.data/${name}` };
  const stop = async () => {
    execFileSync('bash', ['scripts/temporal-cluster.sh', 'stop'], { cwd: root, env, stdio: 'pipe' });
    const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
    await admin.connect();
    for (const db of [name, `${name}_visibility`]) await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await admin.end();
  };
  try {
    execFileSync('bash', ['scripts/temporal-cluster.sh', 'start'], { cwd: root, env, stdio: 'pipe' });
  } catch (error) {
    await stop();
    const { stderr } = error as { stderr?: Buffer };
    throw new Error(`the Temporal cluster did not start: ${stderr?.toString().trim() ?? String(error)} (server log: ${env.L2L_CLUSTER_DIR}/temporal-server.log)`, { cause: error });
  }
  return { address: env.TEMPORAL_ADDRESS, log: `${env.L2L_CLUSTER_DIR}/temporal-server.log`, stop };
}

/** A port nothing listens on right now (the OS's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A compiled process (`npm run build`) under node, as production runs it: its pid is the process
 * that does the work. Quiet (errors only, no metrics endpoints) unless `env` says otherwise.
 */
export function runCompiled(entry: 'workers/main.js' | 'api/server.js', env: Record<string, string>): ChildProcess & { logFile: string } {
  // Its log (pino writes to stdout) goes to a file, for the test to show when the process misbehaves.
  mkdirSync(`${root}.data`, { recursive: true });
  const logFile = `${root}.data/${entry.replace(/\W+/g, '-')}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}.log`;
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [`${root}dist/${entry}`], {
    env: { ...process.env, L2L_DEVELOPMENT: 'true', LOG_LEVEL: 'error', LOG_FORMAT: 'json', WORKER_METRICS_ADDRESS: '', API_METRICS_PORT: '0', RATE_LIMIT_PER_MINUTE: '1000000', ...env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  return Object.assign(child, { logFile });
}

/** The last lines of a process's log (runCompiled's file), for a failure message. */
export function logTail(logFile: string, lines = 20): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-lines).join('\n') : '(no log)';
}
