// A campaign to a segment of real journeys against the floor: the same number of Updates to
// no-op workflows (bench/support/no-op-workflow.ts) at the same concurrency (the campaign's window),
// on the same server, from this process — unpaced, to measure what a decision costs. Then a second
// campaign to the same customers at the worker's default bulk pace (BULK_LEADS_PER_SECOND), with a
// dealer's accept every second against the idle accept (the campaign on the bulk queue, the journeys
// on theirs, one worker process as production runs it). Prints both ratios; nothing is asserted.
//   npm run bench:campaign                        # 100,000 customers (onboarding them takes a while)
//   BENCH_CUSTOMERS=5000 npm run bench:campaign
// The audience is made the way an OEM makes it: its customer file through onboarding (owners with a
// dealer and an e-mail consent, one in ten a prospect), then a segment of the owners.
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { buildApp } from '../api/app.js';
import { logTransport } from '../communications/transports.js';
import type { IncomingLead } from '../intake/lead-intake.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { DEFAULT_BULK_LEADS_PER_SECOND } from '../platform/config.js';
import { createWorkers } from '../workers/journey-worker.js';
import { customerCsv } from './support/customer-file.js';
import { pingUpdate } from './support/no-op-workflow.js';
import { median, startBenchStack, timed } from './support/stack.js';

const customers = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
/** The campaign's sliding window (CampaignDeps.campaignWindow's default): the floor's concurrency too. */
const WINDOW = 16;
const DEALERS = 50;
Runtime.install({ logger: new DefaultLogger('ERROR') });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { log, db, temporal, taskQueue, connection, intake, teardown } = await startBenchStack('campaign');
const workerDeps = { db, intake, temporal, taskQueue, campaignWindow: WINDOW, transports: { email: logTransport(log), other: logTransport(log) } };
/** The process's workers (journeys, bulk, deliveries) for one phase, at a bulk pace (none: unpaced). */
const withWorkers = async <T>(bulkLeadsPerSecond: number | undefined, work: () => Promise<T>) =>
  (await createWorkers(connection, { ...workerDeps, bulkLeadsPerSecond }, { taskQueue })).runUntil(work);
const app = await buildApp({ db, temporal, log, taskQueue, rateLimit: { max: 10_000_000, windowMs: 60_000 } });
const floorQueue = `bench-floor-${randomUUID()}`;
const floorWorker = await Worker.create({ connection, taskQueue: floorQueue, workflowsPath: fileURLToPath(new URL('./support/no-op-workflow.ts', import.meta.url)) });

const oemKey = (await createApiKeyStore(db).create({ name: 'bench OEM', role: 'OEM' })).key;
async function asOem(method: 'GET' | 'POST', url: string, payload?: string | object, contentType?: string) {
  const res = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${oemKey}`, ...(contentType ? { 'content-type': contentType } : {}) } });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Two dealers of their own and hot leads offered to them, each accepted: the dealer's click under test. */
const territory = `9${Math.floor(1000 + Math.random() * 8999)}`;
const dealers = ['a', 'b'].map((x) => `DLR-BENCH-${territory}-${x}`);
await db.dealer.createMany({ data: dealers.map((id) => ({ id, name: id, territory: [territory], brands: ['VW'], capacity: 100_000 })) });
const keyOf = Object.fromEntries(await Promise.all(dealers.map(async (id) => [id, (await createApiKeyStore(db).create({ name: id, role: 'DEALER', dealerId: id })).key] as const)));
const hotLead = (): IncomingLead => ({ source: 'WEB_FORM', interest: { model: 'ID.7', timeframe: 'NOW' }, contact: { email: `buyer.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territory}1` } });
async function accept(): Promise<number> {
  const { journeyId } = await intake.accept(hotLead());
  let row = await db.journey.findUnique({ where: { id: journeyId } });
  for (; !row?.offeredDealerId; row = await db.journey.findUnique({ where: { id: journeyId } })) await sleep(20);
  const dealerId = row.offeredDealerId;
  return timed(async () => {
    const res = await app.inject({ method: 'POST', url: `/v1/journeys/${journeyId}/accept`, headers: { authorization: `Bearer ${keyOf[dealerId]}` } });
    if (res.statusCode !== 200) throw new Error(`accept: ${res.statusCode} ${res.body}`);
  });
}

/** A campaign to the segment, run to its end; `during`: an accept a second meanwhile, kept when it ended before the campaign did. */
async function runCampaign(segmentId: string, body: object, during?: number[]) {
  const campaign = await asOem('POST', '/v1/campaigns', { segmentId, perHour: 1_000_000, channels: ['EMAIL'], defaultLanguage: 'en', ...body });
  const start = performance.now();
  await asOem('POST', `/v1/campaigns/${campaign.campaignId}/start`);
  for (;;) {
    const view = await asOem('GET', `/v1/campaigns/${campaign.campaignId}`);
    if (view.status === 'COMPLETED') return { view, seconds: (performance.now() - start) / 1000 };
    if (!during) {
      await sleep(500);
      continue;
    }
    const t = await accept();
    if ((await asOem('GET', `/v1/campaigns/${campaign.campaignId}`)).status !== 'COMPLETED') during.push(t);
    await sleep(1_000);
  }
}

try {
  // The audience: the OEM's customers through onboarding, unpaced, then the owners as a segment.
  const { segmentId, audience } = await withWorkers(undefined, async () => {
    const owners = Array.from({ length: DEALERS }, (_, i) => `DLR-BENCH-${i}`);
    await db.dealer.createMany({ data: owners.map((id, i) => ({ id, name: `Autohaus ${i}`, territory: [`7${i}`], brands: ['VW'] })) });
    const onboardingStart = performance.now();
    const { import: { importId } } = await asOem('POST', '/v1/customer-imports?source=CRM&spreadDays=0', customerCsv(customers, randomUUID().slice(0, 6).toUpperCase(), owners), 'text/csv');
    while ((await asOem('GET', `/v1/customer-imports/${importId}`)).status !== 'COMPLETED') await sleep(1_000);
    const filter = { stages: ['DEALER_OWNED'], dealerIds: owners };
    let count = 0;
    for (let last = -1; count !== last; await sleep(2_000)) {
      last = count;
      count = (await asOem('POST', '/v1/segments/preview', { filter })).count; // until every journey has started
    }
    console.log(`audience: ${count} owners of ${customers} customers onboarded in ${((performance.now() - onboardingStart) / 1000).toFixed(0)} s`);
    return { segmentId: (await asOem('POST', '/v1/segments', { name: 'owners', filter })).segmentId as string, audience: count };
  });

  // 1. What a decision costs: the floor, then the campaign unpaced (its per-hour limit far above what
  //    the machine does, the process's bulk pace off), 10 % held out.
  const floorS = await Promise.all([floorWorker.run(), (async () => {
    try {
      const handles = await Promise.all(Array.from({ length: 100 }, () => temporal.workflow.start('noOp', { workflowId: `bench-floor-${randomUUID()}`, taskQueue: floorQueue })));
      const limit = pLimit(WINDOW);
      const start = performance.now();
      await Promise.all(Array.from({ length: audience }, (_, i) => limit(() => handles[i % handles.length]!.executeUpdate(pingUpdate, { args: [i] }))));
      const seconds = (performance.now() - start) / 1000;
      await Promise.all(handles.map((h) => h.terminate('benchmark done')));
      return seconds;
    } finally {
      floorWorker.shutdown();
    }
  })()]).then(([, seconds]) => seconds);
  const { view, seconds, idle } = await withWorkers(undefined, async () => {
    const idleAccepts: number[] = [];
    for (let i = 0; i < 20; i++) idleAccepts.push(await accept());
    return {
      ...(await runCampaign(segmentId, {
        name: 'Bench launch', purpose: 'PROMOTION', holdoutPercent: 10, variables: { model: 'ID.2' },
        templates: { en: { subject: 'The new {{model}}', text: 'Hello {{firstName}}, the new {{model}} is here.' } },
      })),
      idle: idleAccepts,
    };
  });
  console.log(JSON.stringify({ customers, audience, results: { ...view.results, conversions: undefined } }));
  console.log(`floor:    ${audience} Updates to no-op workflows, ${WINDOW} at a time   ${floorS.toFixed(1)} s  (${Math.round(audience / floorS)}/s)`);
  console.log(`campaign: ${view.results.decided} targets decided (${view.results.decided - view.results.heldOut} asked of their journeys and sent, ${view.results.heldOut} held out)   ${seconds.toFixed(1)} s  (${Math.round(view.results.decided / seconds)}/s)`);
  console.log(`decisions/s campaign / floor: ${((view.results.decided / seconds) / (audience / floorS)).toFixed(2)} (goal ≥ 0.7)`);

  // 2. At the worker process's default bulk pace: a service wave to the same owners, a dealer's accept every second meanwhile.
  const pace = Number(process.env.BENCH_BULK_LEADS_PER_SECOND ?? DEFAULT_BULK_LEADS_PER_SECOND);
  await withWorkers(pace || undefined, async () => {
    const during: number[] = [];
    const wave = await runCampaign(segmentId, {
      name: 'Bench service wave', purpose: 'SERVICE_REMINDER', sender: 'OWNING_DEALER', holdoutPercent: 0,
      templates: { en: { subject: 'Winter check', text: 'Hello {{firstName}}, time for your winter check. {{senderName}}' } },
    }, during);
    console.log(`paced campaign (${pace || 'unpaced'}/s): ${wave.view.results.decided} decided in ${wave.seconds.toFixed(0)} s`);
    if (during.length === 0) console.log('the campaign ended before an accept could be measured: raise BENCH_CUSTOMERS');
    else console.log(`accept idle median ${median(idle).toFixed(0)} ms; during the paced campaign median ${median(during).toFixed(0)} ms over ${during.length}: ratio ${(median(during) / median(idle)).toFixed(2)} (goal ≤ 1.5)`);
  });
} finally {
  await app.close();
  await teardown();
}
