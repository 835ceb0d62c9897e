// Single leads over real HTTP against the floor: the same number of bare signal-with-starts
// from this process to the same Temporal server, at the same concurrency. The load comes from
// undici's Pool (keep-alive, one connection per concurrent caller): fetch's web streams cost
// about as much CPU as the API under test, on a machine the API shares with Temporal. Prints throughput,
// p50/p99 and the ratios (issue 15's goals: throughput ≥ 0.85×, p99 ≤ 2× the bare p99); no
// threshold is asserted (machines differ, ratios less so). Then the users' reality: the same
// leads with journeys qualifying on one worker in this process.
//   npm run bench:ingest                 # 2,000 leads, concurrency 16
//   BENCH_LEADS=500 npm run bench:ingest
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { pino } from 'pino';
import { Pool } from 'undici';
import { buildApp } from '../api/app.js';
import { createLeadIntake } from '../intake/lead-intake.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { createDb } from '../platform/db.js';
import { createFreshDatabase, startTemporalDevServer } from '../test/support/infra.js';
import { leadCapturedSignal } from '../workflows/definitions.js';
import { createWorkers } from '../workers/journey-worker.js';

const leads = Number(process.env.BENCH_LEADS ?? 2_000);
const CONCURRENCY = 16;
const log = pino({ level: 'silent' });
Runtime.install({ logger: new DefaultLogger('ERROR') });

interface Run { seconds: number; perSecond: number; p50: number; p99: number; latencies: number[] }

/** Runs `count` calls at CONCURRENCY, timing each. */
async function measure(count: number, call: (i: number) => Promise<void>): Promise<Run> {
  const limit = pLimit(CONCURRENCY);
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => limit(async () => {
    const t = performance.now();
    await call(i);
    latencies.push(performance.now() - t);
  })));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { seconds, perSecond: count / seconds, p50: at(0.5), p99: at(0.99), latencies };
}
/** Two runs of the same calls as one. */
function combine(a: Run, b: Run): Run {
  const latencies = [...a.latencies, ...b.latencies].sort((x, y) => x - y);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  const seconds = a.seconds + b.seconds;
  return { seconds, perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99), latencies };
}
const show = (label: string, r: Run) =>
  console.log(`${label.padEnd(44)} ${r.perSecond.toFixed(0).padStart(5)}/s   p50 ${r.p50.toFixed(0).padStart(4)} ms   p99 ${r.p99.toFixed(0).padStart(4)} ms`);

const database = await createFreshDatabase('l2l_bench_ingest');
const env = await startTemporalDevServer();
const db = createDb(database.databaseUrl);
const temporal = env.client as Client;

try {
  // Journeys wait on a queue nobody polls in the first two runs: we measure intake, not qualification.
  const idleQueue = `bench-idle-${randomUUID()}`;
  const warm = (n: number, prefix: string) => Promise.all(Array.from({ length: n }, (_, i) => temporal.workflow.signalWithStart('journey', {
    workflowId: `${prefix}-${i}-${randomUUID()}`, taskQueue: idleQueue, args: [{ customerId: randomUUID() }],
    signal: leadCapturedSignal, signalArgs: [{ leadId: randomUUID(), source: 'WEB_FORM', receivedAt: new Date().toISOString(), hasEmail: true, hasPhone: false, hasPostalCode: true, consentRegime: 'OPT_IN', consents: [] }],
  })));
  await warm(50, 'bench-warm');

  // Half the floor before the API run and half after: the dev server slows as its history
  // grows (about a tenth per few thousand workflows here), which both are charged alike.
  const bareCall = (i: number) => temporal.workflow.signalWithStart('journey', {
    workflowId: `bench-bare-${i}-${randomUUID()}`, taskQueue: idleQueue, args: [{ customerId: randomUUID() }],
    signal: leadCapturedSignal,
    signalArgs: [{ leadId: randomUUID(), source: 'WEB_FORM', receivedAt: new Date().toISOString(), hasEmail: true, hasPhone: false, hasPostalCode: true, consentRegime: 'OPT_IN', consents: [] }],
  }).then(() => undefined);
  const bareBefore = await measure(Math.floor(leads / 2), bareCall);

  const app = await buildApp({ db, temporal, log, taskQueue: idleQueue, rateLimit: { max: 10_000_000, windowMs: 60_000 } });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const key = (await createApiKeyStore(db).create({ name: 'bench', role: 'OEM' })).key;
  const tag = randomUUID().slice(0, 8);
  const client = new Pool(url, { connections: CONCURRENCY });
  const post = async (i: number, prefix: string) => {
    const res = await client.request({
      method: 'POST', path: '/v1/leads',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'WEB_FORM', interest: { model: 'ID.7' }, contact: { firstName: 'Bench', email: `${prefix}.${i}.${tag}@example.com`, postalCode: '10115' } }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 202) throw new Error(`lead refused: ${res.statusCode} ${text}`);
  };
  for (let i = 0; i < 50; i++) await post(i, 'warm');
  const api = await measure(leads, (i) => post(i, 'api'));
  await client.close();
  await app.close();
  const bare = combine(bareBefore, await measure(leads - Math.floor(leads / 2), (i) => bareCall(leads + i)));

  // Users' reality: the journeys qualify on one worker in this process while leads arrive.
  const liveQueue = `bench-live-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: env.address });
  const intake = createLeadIntake({ db, temporal, taskQueue: liveQueue, defaultCountry: 'DE', log });
  const worker = await createWorkers(connection, { db, intake }, { taskQueue: liveQueue, kinds: ['journeys'] });
  const liveApp = await buildApp({ db, temporal, log, taskQueue: liveQueue, rateLimit: { max: 10_000_000, windowMs: 60_000 } });
  const liveUrl = await liveApp.listen({ host: '127.0.0.1', port: 0 });
  const liveClient = new Pool(liveUrl, { connections: CONCURRENCY });
  const live = await worker.runUntil(() => measure(leads, async (i) => {
    const res = await liveClient.request({
      method: 'POST', path: '/v1/leads', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'WEB_FORM', contact: { email: `live.${i}.${tag}@example.com`, postalCode: '10115' } }),
    });
    await res.body.text();
    if (res.statusCode !== 202) throw new Error(`lead refused: ${res.statusCode}`);
  }));
  await liveClient.close();
  await liveApp.close();
  await connection.close();

  console.log(JSON.stringify({ leads, concurrency: CONCURRENCY }));
  show('bare signal-with-start (floor)', bare);
  show('POST /v1/leads over HTTP', api);
  show('POST /v1/leads, journeys on one worker', live);
  console.log(`ratio throughput API / bare: ${(api.perSecond / bare.perSecond).toFixed(2)}   (goal ≥ 0.85)`);
  console.log(`ratio p99 API / bare:        ${(api.p99 / bare.p99).toFixed(2)}   (goal ≤ 2)`);
} finally {
  await db.$disconnect();
  await env.teardown();
  await database.drop();
}
