// How long the OEM's customer file takes to onboard, against the floor: the same number of bare
// signal-with-starts of a journey on the same Temporal server, at the same concurrency, from this
// process. Prints rows/s, the ratio and this process's peak RSS (API streaming the file in, and
// the bulk worker); no threshold is asserted (machines differ, ratios less so).
//   npm run bench:onboarding              # 100,000 rows
//   BENCH_ROWS=10000 npm run bench:onboarding
// As bench:import, the journeys wait on a queue nobody polls in both runs: this measures the
// onboarding (file in, rows read, customers, leads and consents written, each journey started
// with its record), not 100,000 journeys' first tasks on the same two cores (bench:e2e has those).
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { pino } from 'pino';
import { buildApp } from '../api/app.js';
import { createLeadIntake, BATCH_DELIVERY_CONCURRENCY } from '../intake/lead-intake.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { createDb } from '../platform/db.js';
import { createFreshDatabase, startTemporalDevServer } from '../test/support/infra.js';
import { customerImportedSignal } from '../workflows/definitions.js';
import { createWorkers } from '../workers/journey-worker.js';
import { customerCsv } from './support/customer-file.js';

const rows = Number(process.env.BENCH_ROWS ?? 100_000);
const DEALERS = 50;
const log = pino({ level: 'silent' });
Runtime.install({ logger: new DefaultLogger('ERROR') });

const database = await createFreshDatabase('l2l_bench');
const env = await startTemporalDevServer();
const db = createDb(database.databaseUrl);
const temporal = env.client as Client;
let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const { rss, heapUsed } = process.memoryUsage();
  peakRss = Math.max(peakRss, rss);
  peakHeap = Math.max(peakHeap, heapUsed);
}, 200);

try {
  const journeyQueue = `bench-journeys-${randomUUID()}`;
  await db.dealer.createMany({ data: Array.from({ length: DEALERS }, (_, i) => ({ id: `DLR-BENCH-${i}`, name: `Autohaus ${i}`, territory: [String(i)], brands: ['VW'] })) });

  // The floor: a journey started with a customer's record, nothing else (half before, half after:
  // the dev server slows as its history grows, which both are charged alike).
  const baseline = async (count: number, prefix: string) => {
    const start = performance.now();
    const limit = pLimit(BATCH_DELIVERY_CONCURRENCY);
    const at = new Date().toISOString();
    await Promise.all(Array.from({ length: count }, (_, i) => limit(() => temporal.workflow.signalWithStart('journey', {
      workflowId: `bench-baseline-${prefix}-${i}-${randomUUID()}`,
      taskQueue: journeyQueue,
      args: [{ customerId: randomUUID() }],
      signal: customerImportedSignal,
      signalArgs: [{
        lead: { leadId: randomUUID(), source: 'CUSTOMER_IMPORT', receivedAt: at, hasEmail: true, hasPhone: false, hasPostalCode: true, consentRegime: 'OPT_IN', consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }] },
        record: {
          importId: 'bench', row: i + 1, source: 'CRM', vehicles: [{ vin: 'WVWZZZ1JZXW000001', model: 'Golf', soldOn: '2024-03-01', dealerId: 'DLR-BENCH-0' }],
          dealerId: 'DLR-BENCH-0', dealerActive: true, lastServiceOn: '2026-09-01', openInterest: false, notBefore: at,
        },
      }],
    }))));
    return (performance.now() - start) / 1000;
  };
  let baselineS = await baseline(Math.floor(rows / 2), 'before');

  const bulkQueue = `bench-onboarding-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: env.address });
  const intake = createLeadIntake({ db, temporal, taskQueue: journeyQueue, defaultCountry: 'DE', log });
  const worker = await createWorkers(connection, { db, intake }, { taskQueue: bulkQueue, kinds: ['bulk'] });
  const app = await buildApp({ db, temporal, log, taskQueue: bulkQueue, rateLimit: { max: 1_000_000, windowMs: 60_000 } });
  const key = (await createApiKeyStore(db).create({ name: 'bench', role: 'OEM' })).key;
  const headers = { authorization: `Bearer ${key}` };

  // The onboarding's own peak, apart from the baseline's (its 50,000 queued starts are the client's, not ours).
  global.gc?.();
  const [rssBefore, heapBefore] = [process.memoryUsage().rss, process.memoryUsage().heapUsed];
  peakRss = rssBefore;
  peakHeap = heapBefore;
  const csv = customerCsv(rows, randomUUID().slice(0, 6).toUpperCase(), Array.from({ length: DEALERS }, (_, i) => `DLR-BENCH-${i}`));
  const start = performance.now();
  let receivedS = 0;
  const result = await worker.runUntil(async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/customer-imports?source=CRM&spreadDays=30', payload: csv, headers: { ...headers, 'content-type': 'text/csv' } });
    if (res.statusCode !== 202) throw new Error(`upload refused: ${res.body}`);
    receivedS = (performance.now() - start) / 1000;
    const importId = res.json().import.importId as string;
    for (;;) {
      const view = (await app.inject({ method: 'GET', url: `/v1/customer-imports/${importId}`, headers })).json();
      if (view.status === 'COMPLETED') return view;
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
  const onboardingS = (performance.now() - start) / 1000;
  const [onboardingRss, onboardingHeap] = [peakRss, peakHeap];
  await app.close();
  await connection.close();
  baselineS += await baseline(rows - Math.floor(rows / 2), 'after');

  console.log(JSON.stringify({ rows, imported: result.imported, merged: result.merged, rejected: result.rejected, byPlacement: result.byPlacement }));
  console.log(`baseline:   ${rows} journeys started with a record   ${baselineS.toFixed(1)} s  (${Math.round(rows / baselineS)}/s)`);
  console.log(`onboarding: ${rows}-row CSV (${(csv.length / 2 ** 20).toFixed(1)} MiB; stored in ${receivedS.toFixed(1)} s)   ${onboardingS.toFixed(1)} s  (${Math.round(rows / onboardingS)} rows/s)`);
  const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
  console.log(`rows/s onboarding / baseline: ${(baselineS / onboardingS).toFixed(2)} (goal ≥ 0.7)`);
  console.log(`this process (API + bulk worker) during the onboarding: peak RSS ${mib(onboardingRss)} (${mib(rssBefore)} before it; the file itself is ${mib(csv.length)} of it), peak heap ${mib(onboardingHeap)} (${mib(heapBefore)} before)`);
} finally {
  clearInterval(sampler);
  await db.$disconnect();
  await env.teardown();
  await database.drop();
}
