// How long a fair file takes to import, against the floor: the same number of bare
// signal-with-starts on the same Temporal server, at the same concurrency, from this
// process. Prints the ratio; no threshold is asserted (machines differ, ratios less so).
//   npm run bench:import             # 10,000 rows
//   BENCH_ROWS=2000 npm run bench:import
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { pino } from 'pino';
import { buildApp } from '../api/app.js';
import { createLeadIntake } from '../intake/lead-intake.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { createDb } from '../platform/db.js';
import { fairCsv } from '../test/support/fair-file.js';
import { createFreshDatabase, startTemporalDevServer } from '../test/support/infra.js';
import { leadCapturedSignal } from '../workflows/definitions.js';
import { createWorkers } from '../workers/journey-worker.js';

const rows = Number(process.env.BENCH_ROWS ?? 10_000);
/** The import takes 8 rows at once (activities/lead-import.ts); the baseline does the same. */
const CONCURRENCY = 8;
const log = pino({ level: 'silent' });
Runtime.install({ logger: new DefaultLogger('ERROR') });

const database = await createFreshDatabase('l2l_bench');
const env = await startTemporalDevServer();
const db = createDb(database.databaseUrl);
const temporal = env.client as Client;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

try {
  // Journeys wait on a queue nobody polls in both runs: we measure delivery, not qualification.
  const journeyQueue = `bench-journeys-${randomUUID()}`;

  // Half the baseline before the import and half after: the dev server slows as its history
  // grows (about a tenth per few thousand workflows here), which both are charged alike.
  const baseline = async (count: number, prefix: string) => {
    const start = performance.now();
    const limit = pLimit(CONCURRENCY);
    await Promise.all(Array.from({ length: count }, (_, i) => limit(() => temporal.workflow.signalWithStart('journey', {
      workflowId: `bench-baseline-${prefix}-${i}-${randomUUID()}`,
      taskQueue: journeyQueue,
      args: [{ customerId: randomUUID() }],
      signal: leadCapturedSignal,
      signalArgs: [{ leadId: randomUUID(), source: 'FAIR', receivedAt: new Date().toISOString(), hasEmail: true, hasPhone: false, hasPostalCode: true, consentRegime: 'OPT_IN', consents: [] }],
    }))));
    return (performance.now() - start) / 1000;
  };
  let baselineS = await baseline(Math.floor(rows / 2), 'before');

  const importQueue = `bench-imports-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: env.address });
  const intake = createLeadIntake({ db, temporal, taskQueue: journeyQueue, defaultCountry: 'DE', log });
  const worker = await createWorkers(connection, { db, intake }, { taskQueue: importQueue, kinds: ['bulk'] });
  const app = await buildApp({ db, temporal, log, taskQueue: importQueue, rateLimit: { max: 1_000_000, windowMs: 60_000 } });
  const key = (await createApiKeyStore(db).create({ name: 'bench', role: 'OEM' })).key;
  const headers = { authorization: `Bearer ${key}` };

  const csv = fairCsv(rows, randomUUID().slice(0, 8));
  const importStart = performance.now();
  // The worker runs before the file arrives, as in production.
  const result = await worker.runUntil(async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/imports?event=Bench%20fair&date=2026-09-10', payload: csv, headers: { ...headers, 'content-type': 'text/csv' } });
    if (res.statusCode !== 202) throw new Error(`upload refused: ${res.body}`);
    const importId = res.json().import.importId as string;
    for (;;) {
      const view = (await app.inject({ method: 'GET', url: `/v1/imports/${importId}`, headers })).json();
      if (view.status === 'COMPLETED') return view;
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  const importS = (performance.now() - importStart) / 1000;
  await app.close();
  await connection.close();
  baselineS += await baseline(rows - Math.floor(rows / 2), 'after');

  console.log(JSON.stringify({ rows, concurrency: CONCURRENCY, ok: result.ok, rejected: result.rejected }));
  console.log(`baseline: ${rows} bare signal-with-starts   ${baselineS.toFixed(1)} s  (${Math.round(rows / baselineS)}/s)`);
  console.log(`import:   ${rows}-row CSV, stored + leads   ${importS.toFixed(1)} s  (${Math.round(rows / importS)} rows/s)`);
  console.log(`ratio import / baseline: ${(importS / baselineS).toFixed(2)}   peak RSS of this process (API + worker): ${Math.round(peakRss / 2 ** 20)} MiB`);
} finally {
  clearInterval(sampler);
  await db.$disconnect();
  await env.teardown();
  await database.drop();
}
