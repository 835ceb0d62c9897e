// Dealer actions through the API against the floor: a trivial Update round trip to a no-op
// workflow (bench/support/no-op-workflow.ts) on the same server, polled by a worker in this
// process like the journeys. Prints the median latency of accept, sale and decline and their
// ratios to that floor (issue 15's goal: ≤ 2× at the median). No threshold asserted.
//   npm run bench:actions            # 30 of each
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { buildApp } from '../api/app.js';
import { createLeadIntake, type IncomingLead } from '../intake/lead-intake.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { createDb } from '../platform/db.js';
import { createFreshDatabase, startTemporalDevServer } from '../test/support/infra.js';
import { createWorkers } from '../workers/journey-worker.js';
import { pingUpdate } from './support/no-op-workflow.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const log = pino({ level: 'silent' });
Runtime.install({ logger: new DefaultLogger('ERROR') });

const freshTerritory = () => `9${Math.floor(1000 + Math.random() * 8999)}`;
/** A lead hot enough for a hand-off under the default threshold. */
const hotLead = (territory: string): IncomingLead => ({
  source: 'WEB_FORM', interest: { model: 'ID.7', timeframe: 'NOW' },
  contact: { email: `buyer.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territory}1` },
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function timed(call: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await call();
  return performance.now() - t;
}

const database = await createFreshDatabase('l2l_bench_actions');
const env = await startTemporalDevServer();
const db = createDb(database.databaseUrl);
const temporal = env.client as Client;
const taskQueue = `bench-actions-${randomUUID()}`;
const connection = await NativeConnection.connect({ address: env.address });
const intake = createLeadIntake({ db, temporal, taskQueue, defaultCountry: 'DE', log });
const worker = await createWorkers(connection, { db, intake, temporal, taskQueue }, { taskQueue });
const app = await buildApp({ db, temporal, log, taskQueue, rateLimit: { max: 10_000_000, windowMs: 60_000 } });
const floorQueue = `bench-floor-${randomUUID()}`;
const floorWorker = await Worker.create({ connection, taskQueue: floorQueue, workflowsPath: fileURLToPath(new URL('./support/no-op-workflow.ts', import.meta.url)) });

try {
  await Promise.all([floorWorker.run(), worker.runUntil(async () => {
    const territory = freshTerritory();
    const dealers = ['a', 'b'].map((x) => `DLR-BENCH-${territory}-${x}`);
    await db.dealer.createMany({ data: dealers.map((id) => ({ id, name: `Autohaus ${id}`, territory: [territory], brands: ['VW'], capacity: 100_000 })) });
    const keyOf = Object.fromEntries(await Promise.all(dealers.map(async (id) => [id, (await createApiKeyStore(db).create({ name: id, role: 'DEALER', dealerId: id })).key] as const)));
    const as = (dealerId: string, method: 'POST', url: string, payload?: object) =>
      app.inject({ method, url, payload, headers: { authorization: `Bearer ${keyOf[dealerId]}` } }).then((res) => {
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      });

    /** A journey whose hand-off is offered to a dealer, once the read model shows it. */
    async function offered() {
      const { journeyId } = await intake.accept(hotLead(territory));
      for (;;) {
        const row = await db.journey.findUnique({ where: { id: journeyId } });
        if (row?.offeredDealerId) return { journeyId, dealerId: row.offeredDealerId };
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    // The floor: a no-op workflow answering an Update from memory.
    const handle = await temporal.workflow.start('noOp', { workflowId: `bench-floor-${randomUUID()}`, taskQueue: floorQueue });
    await handle.executeUpdate(pingUpdate, { args: [0] });
    const floor: number[] = [];
    for (let i = 0; i < rounds; i++) floor.push(await timed(() => handle.executeUpdate(pingUpdate, { args: [i] })));
    await handle.terminate('benchmark done');

    const accept: number[] = [];
    const sale: number[] = [];
    const decline: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const a = await offered();
      accept.push(await timed(() => as(a.dealerId, 'POST', `/v1/journeys/${a.journeyId}/accept`)));
      sale.push(await timed(() => as(a.dealerId, 'POST', `/v1/journeys/${a.journeyId}/sale`, { vehicle: { vin: `WVWZZZE1ZPP${String(100000 + i)}`, model: 'ID.7', soldOn: '2026-11-20' } })));
      const d = await offered();
      decline.push(await timed(() => as(d.dealerId, 'POST', `/v1/journeys/${d.journeyId}/decline`, { reason: 'no stock' })));
    }

    const m = median(floor);
    console.log(JSON.stringify({ rounds }));
    console.log(`trivial Update (floor)   median ${m.toFixed(0).padStart(4)} ms`);
    for (const [name, xs] of [['accept', accept], ['sale', sale], ['decline', decline]] as const) {
      console.log(`${name.padEnd(24)} median ${median(xs).toFixed(0).padStart(4)} ms   ratio ${(median(xs) / m).toFixed(2)}   (goal ≤ 2)`);
    }
  }).finally(() => floorWorker.shutdown())]);
} finally {
  await app.close();
  await connection.close();
  await db.$disconnect();
  await env.teardown();
  await database.drop();
}
