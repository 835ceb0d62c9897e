// Worker memory per 1,000 open journeys: a journey worker in a child process (nothing else in
// it), fed leads whose journeys stay open (qualifying, escalated: waiting for news), once with
// Temporal's sticky cache at the SDK's default size and once at a set size
// (WORKER_MAX_CACHED_WORKFLOWS). Prints the worker's RSS before and after, and the growth
// per 1,000 journeys. A journey out of the cache costs no worker memory; its next
// task replays its history instead. No threshold asserted.
//   npm run bench:memory                 # 2,000 journeys per run, cache of 200 for the set size
//   BENCH_JOURNEYS=4000 BENCH_CACHE=500 npm run bench:memory
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { pino } from 'pino';
import { createLeadIntake } from '../intake/lead-intake.js';
import { createDb } from '../platform/db.js';
import { createFreshDatabase, startTemporalDevServer } from '../test/support/infra.js';
import { createWorkers } from '../workers/journey-worker.js';

interface Sample { rss: number }
const MiB = 2 ** 20;
Runtime.install({ logger: new DefaultLogger('ERROR') });

if (process.env.BENCH_CHILD) {
  // The worker under test: reports its memory (after a full GC) whenever the parent asks.
  const { address, databaseUrl, taskQueue, maxCached } = JSON.parse(process.env.BENCH_CHILD) as { address: string; databaseUrl: string; taskQueue: string; maxCached: number | null };
  const db = createDb(databaseUrl);
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorkers(connection, { db }, { taskQueue, kinds: ['journeys'], ...(maxCached !== null ? { maxCachedWorkflows: maxCached } : {}) });
  const sample = (): Sample => {
    (globalThis as { gc?: () => void }).gc?.();
    return { rss: process.memoryUsage().rss };
  };
  process.on('message', (m) => {
    if (m === 'measure') process.send!(sample());
    if (m === 'stop') worker.shutdown();
  });
  await worker.run();
  await connection.close();
  await db.$disconnect();
  process.exit(0);
}

const journeys = Number(process.env.BENCH_JOURNEYS ?? 2_000);
const setCache = Number(process.env.BENCH_CACHE ?? 200);
const database = await createFreshDatabase('l2l_bench_memory');
const env = await startTemporalDevServer();
const db = createDb(database.databaseUrl);
const temporal = env.client as Client;
const log = pino({ level: 'silent' });

function ask(child: ChildProcess, message: 'measure'): Promise<Sample> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Sample));
    child.send(message);
  });
}

/** `count` leads on their own journeys; resolves when every journey has taken its first lead. */
async function openJourneys(taskQueue: string, count: number, tag: string) {
  const intake = createLeadIntake({ db, temporal, taskQueue, defaultCountry: 'DE', log });
  const before = await db.journey.count();
  const limit = pLimit(16);
  await Promise.all(Array.from({ length: count }, (_, i) => limit(() => intake.accept({
    source: 'WEB_FORM', contact: { email: `memory.${tag}.${i}@example.com`, postalCode: '10115' },
  }))));
  while ((await db.journey.count()) < before + count) await new Promise((r) => setTimeout(r, 250));
  await new Promise((r) => setTimeout(r, 2_000)); // the last tasks finish
}

async function run(maxCached: number | null) {
  const taskQueue = `bench-memory-${randomUUID()}`;
  const child = fork(fileURLToPath(import.meta.url), {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, BENCH_CHILD: JSON.stringify({ address: env.address, databaseUrl: database.databaseUrl, taskQueue, maxCached }) },
  });
  const tag = randomUUID().slice(0, 8);
  await openJourneys(taskQueue, 20, `warm-${tag}`); // the bundle loaded, the first journeys cached
  const before = await ask(child, 'measure');
  await openJourneys(taskQueue, journeys, tag);
  const after = await ask(child, 'measure');
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  const per1000 = (x: number) => ((x / journeys) * 1000) / MiB;
  const label = maxCached === null ? 'cache at the SDK default' : `cache of ${maxCached}`;
  // RSS, not the heap: journeys live in the workflow thread's V8 heap and in Core's cache,
  // neither of which the main thread's heap statistics see.
  console.log(`${label.padEnd(26)} worker RSS ${Math.round(before.rss / MiB)} → ${Math.round(after.rss / MiB)} MiB   `
    + `per 1,000 open journeys: ${per1000(after.rss - before.rss).toFixed(0)} MiB`);
}

try {
  console.log(JSON.stringify({ journeys, setCache }));
  await run(null);
  await run(setCache);
} finally {
  await db.$disconnect();
  await env.teardown();
  await database.drop();
}
