// Worker memory per cached journey, and what holds it (issue 31). Three workers in child
// processes (nothing else in them), each caching every workflow it is fed, measured in the same run:
//   floor       workflows that wait and do nothing (bench/support/no-op-workflow.ts): what the SDK
//               keeps per cached workflow (its activator, Core's run state, the sandbox's globals)
//   unshared    journeys (leads whose journeys stay open, qualifying) with no module preloaded:
//               each workflow evaluates and keeps its own copy of the domain rules and luxon
//   product     journeys as the workers run them: the domain modules preloaded once per thread
//               (workflowPreloadedModules in workers/journey-worker.ts)
// Prints each worker's RSS before and after, KiB per cached workflow, and the product against
// the others. RSS, not the heap: workflows live in the workflow thread's V8 heap and in Core's
// cache, neither of which the main thread's heap statistics see. No threshold asserted.
//   npm run bench:memory                 # 2,000 workflows per worker
//   BENCH_JOURNEYS=4000 npm run bench:memory
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { pino } from 'pino';
import { createLeadIntake } from '../intake/lead-intake.js';
import { createDb } from '../platform/db.js';
import { createFreshDatabase, startTemporalDevServer } from '../test/support/infra.js';
import { createWorkers } from '../workers/journey-worker.js';
import { pingUpdate } from './support/no-op-workflow.js';

type Variant = 'floor' | 'unshared' | 'product';
interface Sample { rss: number }
const KiB = 1024;
const MiB = 2 ** 20;
Runtime.install({ logger: new DefaultLogger('ERROR') });

if (process.env.BENCH_CHILD) {
  // The worker under test: reports its memory (after a full GC) whenever the parent asks.
  const { address, databaseUrl, taskQueue, maxCached, variant } = JSON.parse(process.env.BENCH_CHILD) as { address: string; databaseUrl: string; taskQueue: string; maxCached: number; variant: Variant };
  const db = createDb(databaseUrl);
  const connection = await NativeConnection.connect({ address });
  const worker = variant === 'floor'
    ? await Worker.create({ connection, taskQueue, maxCachedWorkflows: maxCached, workflowsPath: fileURLToPath(new URL('./support/no-op-workflow.ts', import.meta.url)) })
    : await createWorkers(connection, { db }, {
      taskQueue, kinds: ['journeys'], maxCachedWorkflows: maxCached,
      ...(variant === 'unshared' ? { bundlerOptions: { preloadModules: [] } } : {}),
    });
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

const count = Number(process.env.BENCH_JOURNEYS ?? 2_000);
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

/** `n` open workflows of the variant; resolves when each has finished its first task (and so is cached). */
async function openWorkflows(variant: Variant, taskQueue: string, n: number, tag: string) {
  const limit = pLimit(16);
  if (variant === 'floor') {
    await Promise.all(Array.from({ length: n }, (_, i) => limit(async () => {
      const handle = await temporal.workflow.start('noOp', { taskQueue, workflowId: `memory-floor-${tag}-${i}` });
      await handle.executeUpdate(pingUpdate, { args: [i] });
    })));
    return;
  }
  const intake = createLeadIntake({ db, temporal, taskQueue, defaultCountry: 'DE', log });
  const before = await db.journey.count();
  await Promise.all(Array.from({ length: n }, (_, i) => limit(() => intake.accept({
    source: 'WEB_FORM', contact: { email: `memory.${tag}.${i}@example.com`, postalCode: '10115' },
  }))));
  while ((await db.journey.count()) < before + n) await new Promise((r) => setTimeout(r, 250));
  await new Promise((r) => setTimeout(r, 2_000)); // the last tasks finish
}

/** KiB per cached workflow of the variant, from the worker's RSS before and after. */
async function run(variant: Variant): Promise<number> {
  const taskQueue = `bench-memory-${variant}-${randomUUID()}`;
  const child = fork(fileURLToPath(import.meta.url), {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, BENCH_CHILD: JSON.stringify({ address: env.address, databaseUrl: database.databaseUrl, taskQueue, maxCached: count + 1_000, variant }) },
  });
  const tag = randomUUID().slice(0, 8);
  await openWorkflows(variant, taskQueue, 20, `warm-${tag}`); // the bundle loaded, the first workflows cached
  const before = await ask(child, 'measure');
  await openWorkflows(variant, taskQueue, count, tag);
  const after = await ask(child, 'measure');
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  const perWorkflow = (after.rss - before.rss) / count / KiB;
  console.log(`${variant.padEnd(9)} worker RSS ${Math.round(before.rss / MiB)} → ${Math.round(after.rss / MiB)} MiB   per cached workflow: ${perWorkflow.toFixed(0)} KiB`);
  return perWorkflow;
}

try {
  console.log(JSON.stringify({ workflowsPerWorker: count }));
  const floor = await run('floor');
  const unshared = await run('unshared');
  const product = await run('product');
  console.log(`the journey over the SDK's floor: ${(product - floor).toFixed(0)} KiB; the domain modules each journey no longer copies: ${(unshared - product).toFixed(0)} KiB`);
  console.log(`product / unshared: ${(product / unshared).toFixed(2)}×   product / floor: ${(product / floor).toFixed(2)}×   (goal: ≤ 64 KiB per cached journey)`);
} finally {
  await db.$disconnect();
  await env.teardown();
  await database.drop();
}
