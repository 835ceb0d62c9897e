// Dealer actions through the API against the floor: a trivial Update round trip to a no-op
// workflow (bench/support/no-op-workflow.ts) on the same server, polled by a worker in this
// process like the journeys. Prints the median latency of accept, sale and decline and their
// ratios to that floor (issue 15's goal: ≤ 2× at the median). With BENCH_IMPORT_ROWS, then the
// accept's median while a fair file of that many rows is imported, against the idle accept's
// (issue 31's goal: ≤ 1.5×; the import on the bulk queue, its journeys on the journeys' queue,
// all in this one process as a single worker process would run them). No threshold asserted.
//   npm run bench:actions                  # 30 of each
//   npm run bench:actions:during-import    # and an accept a second during a 10,000-row import
//   BENCH_IMPORT_ROWS=2000 BENCH_BULK_LEADS_PER_SECOND=50 npx tsx bench/actions.ts   # another size and pace
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { buildApp } from '../api/app.js';
import type { IncomingLead } from '../intake/lead-intake.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { DEFAULT_BULK_LEADS_PER_SECOND } from '../platform/config.js';
import { fairCsv } from '../test/support/fair-file.js';
import { createWorkers } from '../workers/journey-worker.js';
import { pingUpdate } from './support/no-op-workflow.js';
import { customerCsv } from './support/customer-file.js';
import { median, startBenchStack, timed } from './support/stack.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const importRows = Number(process.env.BENCH_IMPORT_ROWS ?? 0);
/** BENCH_IMPORT_KIND=customers: the import is an onboarding of the OEM's customer base (issue 32), not a fair file. */
const customerFile = process.env.BENCH_IMPORT_KIND === 'customers';
Runtime.install({ logger: new DefaultLogger('ERROR') });

const freshTerritory = () => `9${Math.floor(1000 + Math.random() * 8999)}`;
/** A lead hot enough for a hand-off under the default threshold. */
const hotLead = (territory: string): IncomingLead => ({
  source: 'WEB_FORM', interest: { model: 'ID.7', timeframe: 'NOW' },
  contact: { email: `buyer.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territory}1` },
});
const { log, db, temporal, taskQueue, connection, intake, teardown } = await startBenchStack('actions');
// The worker process's default pace for bulk work unless the run names another (0: unpaced).
const bulkLeadsPerSecond = Number(process.env.BENCH_BULK_LEADS_PER_SECOND ?? DEFAULT_BULK_LEADS_PER_SECOND) || undefined;
const worker = await createWorkers(connection, { db, intake, temporal, taskQueue, bulkLeadsPerSecond }, { taskQueue });
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
    if (importRows > 0) await acceptsDuringImport(median(accept));

    /** Accepts while a fair file is imported; only those that began and ended while it ran count. */
    async function acceptsDuringImport(idle: number) {
      const oemKey = (await createApiKeyStore(db).create({ name: 'bench OEM', role: 'OEM' })).key;
      const asOem = (method: 'GET' | 'POST', url: string, payload?: string) => app.inject({
        method, url, payload, headers: { authorization: `Bearer ${oemKey}`, ...(payload ? { 'content-type': 'text/csv' } : {}) },
      });
      let upload;
      if (customerFile) {
        // The OEM's customer base instead of a fair file: owners of a few dealers of their own, one in ten a prospect.
        const owners = Array.from({ length: 5 }, (_, i) => `DLR-BENCH-OWN-${territory}-${i}`);
        await db.dealer.createMany({ data: owners.map((id) => ({ id, name: id, territory: [`8${territory}`], brands: ['VW'] })) });
        upload = await asOem('POST', '/v1/customer-imports?source=CRM&spreadDays=30', customerCsv(importRows, territory.slice(-4).padStart(6, 'B'), owners));
      } else {
        upload = await asOem('POST', `/v1/imports?event=Bench%20fair%20${territory}&date=2026-09-10`, fairCsv(importRows, territory));
      }
      if (upload.statusCode !== 202) throw new Error(`import: ${upload.statusCode} ${upload.body}`);
      const importId = upload.json().import.importId as string;
      const progress = async () => (await asOem('GET', customerFile ? `/v1/customer-imports/${importId}` : `/v1/imports/${importId}`)).json() as { status: string; doneRows: number };
      const started = performance.now();
      const during: number[] = [];
      const floorDuring: number[] = [];
      const ping = await temporal.workflow.start('noOp', { workflowId: `bench-floor-${randomUUID()}`, taskQueue: floorQueue });
      // An accept (and a trivial Update) every second from start to end: the import's whole run, not its first seconds.
      while ((await progress()).status === 'RUNNING') {
        const a = await offered();
        const f = await timed(() => ping.executeUpdate(pingUpdate, { args: [during.length] }));
        const t = await timed(() => as(a.dealerId, 'POST', `/v1/journeys/${a.journeyId}/accept`));
        if ((await progress()).status !== 'RUNNING') break;
        during.push(t);
        floorDuring.push(f);
        await new Promise((r) => setTimeout(r, 1_000));
      }
      await ping.terminate('benchmark done');
      const seconds = (performance.now() - started) / 1000;
      console.log(`${importRows}-row ${customerFile ? 'customer file (onboarding)' : 'fair import'} at ${bulkLeadsPerSecond ?? 'unpaced'} leads/s: ${seconds.toFixed(0)} s; ${during.length} accepts measured while it ran`);
      if (during.length === 0) return console.log('the import ended before an accept could be measured: raise BENCH_IMPORT_ROWS');
      console.log(`accept during the import   median ${median(during).toFixed(0).padStart(4)} ms   ratio to idle accept ${(median(during) / idle).toFixed(2)}   (goal ≤ 1.5)`);
      console.log(`trivial Update during it   median ${median(floorDuring).toFixed(0).padStart(4)} ms   (the server and this process's event loop, busy with the import)`);
    }
  }).finally(() => floorWorker.shutdown())]);
} finally {
  await app.close();
  await teardown();
}
