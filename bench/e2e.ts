// Leads end to end against the floor (issue 31, goal 3), on the same dev server in the same run:
//  - the floor: a minimal per-customer workflow (bench/support/minimal-journey.ts: signal-with-start,
//    one row by a local activity, one search attribute, a timer) on a worker process of its own,
//    signalled from here;
//  - the product: the same number of leads over HTTP to the compiled API (dist/api/server.js) until
//    every journey has qualified on the compiled worker (dist/workers/main.js).
// Prints leads/s of each and their ratio (goal ≥ 0.85), and the CPU milliseconds per lead of each
// process from /proc: the API (goal ≤ 1.5 ms), the worker, the Temporal server, PostgreSQL (its
// processes alive at the end of the phase) and this process (the HTTP or Temporal client).
// Nothing is asserted.
//   npm run bench:e2e                 # 1,000 leads each, 16 in flight
//   BENCH_LEADS=3000 npm run bench:e2e
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { Pool } from 'undici';
import { createApiKeyStore } from '../platform/api-keys.js';
import { createDb, sqlPoolOf } from '../platform/db.js';
import { createFreshDatabase, freePort, runCompiled, startTemporalDevServer } from '../test/support/infra.js';
import { minimalLeadSignal, type minimalJourney } from './support/minimal-journey.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const root = new URL('../', import.meta.url).pathname;
const LEADS = Number(process.env.BENCH_LEADS ?? 1_000);
const WARM_UP = 100;
const CONCURRENCY = 16;
const TICK_MS = 10; // /proc counts CPU in clock ticks of 10 ms (USER_HZ 100)

if (!existsSync(`${root}dist/workflow-bundle.js`)) execFileSync('bash', ['scripts/build.sh'], { cwd: root, stdio: 'inherit' });

/** CPU milliseconds a process has used so far (all its threads), or 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}
/** The processes whose command line matches. */
function pidsOf(match: (cmdline: string) => boolean): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      return false;
    }
  });
}
/** CPU used by each named group of processes while `work` runs. */
async function cpuDuring<T>(groups: Record<string, () => number[]>, work: () => Promise<T>) {
  const before = new Map<number, number>();
  for (const pids of Object.values(groups)) for (const pid of pids()) before.set(pid, cpuMs(pid));
  const self0 = process.cpuUsage();
  const result = await work();
  const self = process.cpuUsage(self0);
  const used: Record<string, number> = { 'this process (client)': (self.user + self.system) / 1000 };
  for (const [name, pids] of Object.entries(groups)) used[name] = pids().reduce((sum, pid) => sum + cpuMs(pid) - (before.get(pid) ?? 0), 0);
  return { result, used };
}

const database = await createFreshDatabase('l2l_bench_e2e');
const db = createDb(database.databaseUrl);
await sqlPoolOf(db).query('CREATE TABLE bench_minimal_lead (lead_id text PRIMARY KEY, customer_id text NOT NULL)');
const { key } = await createApiKeyStore(db).create({ name: 'bench', role: 'OEM', dealerId: null });
const env = await startTemporalDevServer();
const temporal = env.client as Client;
const port = env.address.split(':').pop()!;
const server = () => pidsOf((c) => c.includes('start-dev') && c.includes(`--port ${port}`));
const postgres = () => pidsOf((c) => c.startsWith('postgres: '));
const children: ChildProcess[] = [];
const limit = pLimit(CONCURRENCY);
const tag = randomUUID().slice(0, 8);

try {
  // The floor.
  const floorQueue = `bench-e2e-floor-${tag}`;
  const floorWorker = spawn(process.execPath, ['--import', 'tsx', `${root}bench/support/minimal-worker.ts`], {
    env: { ...process.env, DATABASE_URL: database.databaseUrl, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: floorQueue }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(floorWorker);
  await new Promise<void>((resolve) => floorWorker.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('worker ready') && resolve()));
  const minimal = async (from: number, count: number) => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: count }, (_, i) => limit(() => temporal.workflow.signalWithStart<typeof minimalJourney, [{ leadId: string }]>('minimalJourney', {
      workflowId: `minimal-${tag}-${from + i}`, taskQueue: floorQueue, args: [`${tag}-${from + i}`],
      signal: minimalLeadSignal, signalArgs: [{ leadId: `lead-${tag}-${from + i}` }],
    }))));
    while (Number((await sqlPoolOf(db).query('SELECT count(*) FROM bench_minimal_lead')).rows[0].count) < from + count) await new Promise((r) => setTimeout(r, 50));
    return count / ((performance.now() - t0) / 1000);
  };
  await minimal(0, WARM_UP);
  const floor = await cpuDuring({ 'worker': () => [floorWorker.pid!], 'Temporal server': server, 'PostgreSQL': postgres }, () => minimal(WARM_UP, LEADS));
  floorWorker.kill('SIGTERM');

  // The product.
  const taskQueue = `bench-e2e-${tag}`;
  const apiPort = await freePort();
  const worker = runCompiled('workers/main.js', { DATABASE_URL: database.databaseUrl, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue });
  const api = runCompiled('api/server.js', { DATABASE_URL: database.databaseUrl, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, API_PORT: String(apiPort) });
  children.push(worker, api);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  for (let i = 0; !(await fetch(`${apiUrl}/healthz`).catch(() => null))?.ok; i++) {
    if (i > 120) throw new Error('the API did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  const http = new Pool(apiUrl, { connections: CONCURRENCY });
  const leads = async (from: number, count: number) => {
    const t0 = performance.now();
    const ids = await Promise.all(Array.from({ length: count }, (_, i) => limit(async () => {
      const res = await http.request({
        method: 'POST', path: '/v1/leads', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'FAIR', event: `E2E ${tag}`, contact: { email: `e2e.${tag}.${from + i}@example.com`, postalCode: '10115' } }),
      });
      const body = (await res.body.json()) as { customerId: string };
      if (res.statusCode !== 202) throw new Error(`lead ${from + i}: ${res.statusCode} ${JSON.stringify(body)}`);
      return body.customerId;
    })));
    while ((await db.journey.count({ where: { customerId: { in: ids }, stage: { not: 'CAPTURED' } } })) < count) await new Promise((r) => setTimeout(r, 50));
    return count / ((performance.now() - t0) / 1000);
  };
  await leads(0, WARM_UP);
  const product = await cpuDuring({ 'API': () => [api.pid!], 'worker': () => [worker.pid!], 'Temporal server': server, 'PostgreSQL': postgres }, () => leads(WARM_UP, LEADS));
  await http.close();

  console.log(JSON.stringify({ leads: LEADS, concurrency: CONCURRENCY }));
  console.log(`minimal journey (floor)       ${floor.result.toFixed(0).padStart(5)} leads/s`);
  console.log(`leads over HTTP to qualified  ${product.result.toFixed(0).padStart(5)} leads/s   ${(product.result / floor.result).toFixed(2)}× the floor (goal ≥ 0.85)`);
  const perLead = (used: Record<string, number>) => Object.entries(used).map(([name, ms]) => `${name} ${(ms / LEADS).toFixed(2)}`).join(', ');
  console.log(`CPU ms per lead, floor:   ${perLead(floor.used)}`);
  console.log(`CPU ms per lead, product: ${perLead(product.used)}   (the API's goal ≤ 1.5)`);
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  await db.$disconnect();
  await env.teardown();
  await database.drop();
}
