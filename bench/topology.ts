// The production topology measured (issue 16), with compiled processes under node (npm run build):
//  1. lead intake end to end — the same leads over HTTP until every journey has qualified —
//     on the dev server with one API+worker pair (the baseline), on the production server on
//     PostgreSQL with one pair, and with two pairs (leads split over both APIs); ratios against
//     the baseline of this run;
//  2. worker memory: one worker holding BENCH_OPEN open journeys (20,000) in its sticky cache on
//     the production server; its RSS before and after, per journey.
// Nothing is asserted (machines differ, ratios less so).
//   npm run bench:topology                      # 2,000 leads per run, 20,000 open journeys
//   BENCH_LEADS=500 BENCH_OPEN=2000 npm run bench:topology
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { Pool } from 'undici';
import { createApiKeyStore } from '../platform/api-keys.js';
import { createDb } from '../platform/db.js';
import { createFreshDatabase, freePort, runCompiled, startTemporalCluster, startTemporalDevServer } from '../test/support/infra.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const root = new URL('../', import.meta.url).pathname;
const LEADS = Number(process.env.BENCH_LEADS ?? 2_000);
const OPEN = Number(process.env.BENCH_OPEN ?? 20_000); // ≈ 40 minutes on the 2-core machine
const CONCURRENCY = 16;
const MiB = 2 ** 20;

if (!existsSync(`${root}dist/workflow-bundle.js`)) execFileSync('bash', ['scripts/build.sh'], { cwd: root, stdio: 'inherit' });

const database = await createFreshDatabase('l2l_bench_topology');
const db = createDb(database.databaseUrl);
const { key } = await createApiKeyStore(db).create({ name: 'bench', role: 'OEM', dealerId: null });
const children: ChildProcess[] = [];
let dev: Awaited<ReturnType<typeof startTemporalDevServer>> | undefined;
let cluster: Awaited<ReturnType<typeof startTemporalCluster>> | undefined;

function run(entry: 'workers/main.js' | 'api/server.js', env: Record<string, string>): ChildProcess {
  const child = runCompiled(entry, { DATABASE_URL: database.databaseUrl, ...env });
  children.push(child);
  return child;
}

/** `pairs` API+worker pairs on one task queue of their own; resolves when the APIs answer. */
async function start(address: string, pairs: number, workerEnv: Record<string, string> = {}) {
  const taskQueue = `bench-topology-${randomUUID()}`;
  const workers = Array.from({ length: pairs }, () => run('workers/main.js', { TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue, ...workerEnv }));
  const apis: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const port = await freePort();
    run('api/server.js', { TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue, API_PORT: String(port) });
    apis.push(`http://127.0.0.1:${port}`);
  }
  for (const api of apis) {
    for (let i = 0; ; i++) {
      if ((await fetch(`${api}/healthz`).catch(() => null))?.ok) break;
      if (i > 120) throw new Error(`${api} did not start`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const stop = async () => {
    const mine = [...workers, ...children.filter((c) => !workers.includes(c))].filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of mine) c.kill('SIGTERM');
    await Promise.all(mine.map((c) => new Promise((r) => c.once('exit', r))));
  };
  return { apis, workers, stop };
}

/** `count` new people's leads over HTTP (split over the APIs), then until each journey has qualified. */
async function load(apis: string[], count: number, tag: string) {
  const pools = apis.map((api) => new Pool(api, { connections: CONCURRENCY }));
  const limit = pLimit(CONCURRENCY);
  const latencies: number[] = [];
  const ids: string[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => limit(async () => {
    const t = performance.now();
    const res = await pools[i % pools.length]!.request({
      method: 'POST', path: '/v1/leads', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'FAIR', event: tag, contact: { email: `${tag}.${i}@example.com`, postalCode: '10115' } }),
    });
    const body = (await res.body.json()) as { customerId: string };
    if (res.statusCode !== 202) throw new Error(`lead ${i}: ${res.statusCode} ${JSON.stringify(body)}`);
    ids.push(body.customerId);
    latencies.push(performance.now() - t);
  })));
  const accepted = performance.now();
  while ((await db.journey.count({ where: { customerId: { in: ids }, stage: { not: 'CAPTURED' } } })) < count) await new Promise((r) => setTimeout(r, 100));
  const done = performance.now();
  await Promise.all(pools.map((p) => p.close()));
  latencies.sort((a, b) => a - b);
  return {
    httpPerSecond: count / ((accepted - t0) / 1000),
    p99: latencies[Math.floor(0.99 * (latencies.length - 1))]!,
    endToEndPerSecond: count / ((done - t0) / 1000),
  };
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

try {
  dev = await startTemporalDevServer();
  cluster = await startTemporalCluster(20_000 + Math.floor(Math.random() * 12_000));
  console.log(JSON.stringify({ leads: LEADS, concurrency: CONCURRENCY, open: OPEN }));
  const results: [string, Awaited<ReturnType<typeof load>>][] = [];
  for (const [label, address, pairs] of [
    ['dev server, 1 API + 1 worker', dev.address, 1],
    ['production server, 1 API + 1 worker', cluster.address, 1],
    ['production server, 2 APIs + 2 workers', cluster.address, 2],
  ] as const) {
    const topology = await start(address, pairs);
    await load(topology.apis, 100, `warm-${randomUUID().slice(0, 8)}`); // bundles loaded, connections open
    const r = await load(topology.apis, LEADS, `run-${randomUUID().slice(0, 8)}`);
    results.push([label, r]);
    await topology.stop();
  }
  const [, base] = results[0]!;
  for (const [label, r] of results) {
    console.log(`${label.padEnd(40)} HTTP ${r.httpPerSecond.toFixed(0).padStart(5)}/s (p99 ${r.p99.toFixed(0).padStart(4)} ms)   `
      + `qualified ${r.endToEndPerSecond.toFixed(0).padStart(5)}/s   ${(r.endToEndPerSecond / base.endToEndPerSecond).toFixed(2)}× the dev server's`);
  }
  const [, one] = results[1]!;
  const [, two] = results[2]!;
  console.log(`two pairs vs one on the production server: ${(two.endToEndPerSecond / one.endToEndPerSecond).toFixed(2)}× (qualified leads/s)`);

  // Memory: every open journey stays in the one worker's cache.
  const holder = await start(cluster.address, 1, { WORKER_MAX_CACHED_WORKFLOWS: String(OPEN + 1_000) });
  await load(holder.apis, 100, `mem-warm-${randomUUID().slice(0, 8)}`);
  const pid = holder.workers[0]!.pid!;
  const before = rssOf(pid);
  const opened = await load(holder.apis, OPEN, `mem-${randomUUID().slice(0, 8)}`);
  await new Promise((r) => setTimeout(r, 3_000));
  const after = rssOf(pid);
  console.log(`worker RSS with ${OPEN} open journeys cached: ${(before / MiB).toFixed(0)} → ${(after / MiB).toFixed(0)} MiB, `
    + `${((after - before) / OPEN / 1024).toFixed(1)} KiB per cached journey (${(((after - before) / OPEN) * 1000 / MiB).toFixed(0)} MiB per 1,000); `
    + `opened at ${opened.endToEndPerSecond.toFixed(0)}/s`);
  await holder.stop();
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await db.$disconnect();
  await dev?.teardown();
  await cluster?.stop();
  await database.drop();
}
