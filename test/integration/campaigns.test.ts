// Campaigns and recalls (issue 33) on the real Temporal server with a real SMTP receiver: a
// segment of owners imported through onboarding, a campaign with a holdout that reaches exactly
// the treatment group less the journeys' suppressions, pause and resume, a bulk worker SIGKILLed
// mid-campaign, a recall that reaches an owner who opted out of marketing and gives the dealer its
// repair task, bad segments and templates refused.
import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createCampaigns } from '../../campaigns/campaigns.js';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { taskQueuesOf } from '../../platform/task-queues.js';
import { createLeadOutboxRelay } from '../../workers/lead-outbox-relay.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { logTransport, smtpTransport } from '../../communications/transports.js';
import { inHoldout } from '../../campaigns/ids.js';
import { journeyIdFor } from '../../domain/journey.js';
import { createWorkers } from '../../workers/journey-worker.js';
import { createCampaignActivities } from '../../activities/campaigns.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { startBulkWorkerProcess } from '../support/bulk-worker.js';
import { recordHistoryFixture } from '../support/histories.js';
import { startSmtpServer } from '../support/smtp.js';
import { ANY_HOUR_POLICY, apiCaller, createTestKey, eventually, sharedWorkflowBundle, silentLog, startSystem, type System } from '../support/system.js';

let sys: System;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
beforeAll(async () => {
  smtp = await startSmtpServer();
  sys = await startSystem({ kinds: ['journeys', 'bulk'], journeyPolicy: ANY_HOUR_POLICY, transports: { email: smtpTransport(smtp.url, silentLog), other: logTransport(silentLog) } });
});
afterAll(async () => {
  await sys?.stop();
  await smtp?.stop();
});

const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const dealer = (name: string) => `DLR-CMP-${tag}-${name}`;
const vin = (n: number) => `WVW${tag}${String(n).padStart(17 - 3 - tag.length, '0')}`.replace(/[IOQ]/g, 'X');
const mail = (name: string) => `${name}.${tag.toLowerCase()}@example.com`;

const HEADER = 'Kundennummer;Vorname;Nachname;E-Mail;Telefon;Land;Sprache;Newsletter;Einwilligungstext;Einwilligungsquelle;Einwilligungsdatum;FIN;Modell;Kaufdatum;Verkaufshändler;Letzter Service';
interface Owner { id: string; email?: string; phone?: string; newsletter?: boolean; vin: string; dealerId: string; country?: string; language?: string }
const csv = (owners: Owner[]) => [HEADER, ...owners.map((o) => [
  o.id, 'Kim', `Owner ${o.id}`, o.email ?? '', o.phone ?? '', o.country ?? 'DE', o.language ?? '', o.newsletter ? 'ja' : '', o.newsletter ? 'crm-2024' : '', o.newsletter ? 'Kaufvertrag' : '',
  o.newsletter ? '2024-06-01' : '', o.vin, 'Golf', '2024-06-01', o.dealerId, '2026-10-01',
].join(';'))].join('\n');

/** Owners through onboarding: DEALER_OWNED journeys with their cars, consents as the file says. */
async function importOwners(owners: Owner[]): Promise<Map<string, string>> {
  const res = await sys.api({ method: 'POST', url: '/v1/customer-imports?source=CRM&spreadDays=0', payload: csv(owners), headers: { 'content-type': 'text/csv' } });
  expect(res.statusCode, res.body).toBe(202);
  const importId = res.json().import.importId;
  await eventually(async () => ((await sys.api({ method: 'GET', url: `/v1/customer-imports/${importId}` })).json().status === 'COMPLETED' ? true : undefined), 120_000);
  const customers = await sys.db.customerImportRow.findMany({ where: { importId }, select: { externalId: true, customerId: true } });
  // The journeys write where they stand as they start (the read model segments are drawn from).
  const ids = customers.map((c) => c.customerId!);
  await eventually(async () => ((await sys.db.journey.count({ where: { customerId: { in: ids }, stage: 'DEALER_OWNED' } })) === ids.length ? true : undefined), 60_000);
  return new Map(customers.map((c) => [c.externalId!, c.customerId!]));
}

async function addDealer(id: string) {
  const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${id}`, territory: [`CP${tag}`], brands: ['VW'] } });
  expect(res.statusCode, res.body).toBe(201);
}

const TEMPLATES = {
  en: { subject: 'The new {{model}} ({{campaignTag}})', text: 'Hello {{firstName}}, meet the new {{model}}. {{senderName}}' },
  de: { subject: 'Der neue {{model}} ({{campaignTag}})', text: 'Hallo {{firstName}}, der neue {{model}} ist da. {{senderName}}' },
};

/** A dealer of its own with `count` owners who gave their newsletter consent, and the segment of them. */
async function ownersOfNewDealer(name: string, count: number, firstVin: number) {
  const dealerId = dealer(name);
  await addDealer(dealerId);
  await importOwners(Array.from({ length: count }, (_, i) => ({ id: `${name}-${i}`, email: mail(`${name.toLowerCase()}${i}`), newsletter: true, vin: vin(firstVin + i), dealerId })));
  return { dealerId, segmentId: await segmentOf(`${name}-${tag}`, { dealerIds: [dealerId] }) };
}

async function segmentOf(name: string, filter: object): Promise<string> {
  const res = await sys.api({ method: 'POST', url: '/v1/segments', payload: { name, filter } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().segmentId;
}

async function launch(body: object): Promise<string> {
  const created = await sys.api({ method: 'POST', url: '/v1/campaigns', payload: body });
  expect(created.statusCode, created.body).toBe(201);
  const { campaignId } = created.json();
  const started = await sys.api({ method: 'POST', url: `/v1/campaigns/${campaignId}/start` });
  expect(started.statusCode, started.body).toBe(200);
  return campaignId;
}

const view = async (campaignId: string, api = sys.api) => (await api({ method: 'GET', url: `/v1/campaigns/${campaignId}` })).json();
const completed = (campaignId: string, timeoutMs = 120_000, api = sys.api) =>
  eventually(async () => {
    const v = await view(campaignId, api);
    return v.status === 'COMPLETED' ? v : undefined;
  }, timeoutMs);

describe('bad segments and campaigns', () => {
  it('are refused with a 400 naming the field; nothing is stored or started', async () => {
    const before = await sys.db.campaign.count();
    const badStage = await sys.api({ method: 'POST', url: '/v1/segments', payload: { name: 'x', filter: { stages: ['SOMEWHERE'] } } });
    expect(badStage.statusCode).toBe(400);
    expect(badStage.json().errors[0].field).toMatch(/^filter\.stages/);
    const badRange = await sys.api({ method: 'POST', url: '/v1/segments/preview', payload: { filter: { purchasedFrom: '2025-01-01', purchasedTo: '2024-01-01' } } });
    expect(badRange.statusCode).toBe(400);
    expect(badRange.json().errors[0].field).toBe('filter.purchasedTo');
    const unknownKey = await sys.api({ method: 'POST', url: '/v1/segments', payload: { name: 'x', filter: { color: 'red' } } });
    expect(unknownKey.statusCode).toBe(400);

    const segmentId = await segmentOf(`bad-${tag}`, { dealerIds: [dealer('NOBODY')] });
    const base = { name: 'Launch', purpose: 'PROMOTION', channels: ['EMAIL'], segmentId, templates: TEMPLATES, defaultLanguage: 'en', variables: { model: 'ID.2', campaignTag: tag } };
    const cases: [object, RegExp][] = [
      [{ ...base, templates: { en: { subject: 'Hi {{nobody}}', text: 'x' } } }, /^templates\.en\.subject$/],
      [{ ...base, templates: { en: { subject: 'Hi', text: 'Hi {{#model}}x{{/model}}' } } }, /^templates\.en\.text$/],
      [{ ...base, templates: { en: { subject: 'Hi {{model', text: 'x' } } }, /^templates\.en\.subject$/],
      [{ ...base, defaultLanguage: 'fr' }, /^defaultLanguage$/],
      [{ ...base, variables: { ...base.variables, email: 'someone@else.example' } }, /^variables\.email$/],
      [{ ...base, purpose: 'LEGAL' }, /^purpose$/],
      [{ ...base, channels: ['EMAIL', 'EMAIL'] }, /^channels$/],
      [{ ...base, segmentId: randomUUID() }, /^segmentId$/],
      [{ ...base, windowStartsAt: '2027-01-02T00:00:00Z', windowEndsAt: '2027-01-01T00:00:00Z' }, /^windowEndsAt$/],
    ];
    for (const [body, field] of cases) {
      const res = await sys.api({ method: 'POST', url: '/v1/campaigns', payload: body });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field), res.body).toContainEqual(expect.stringMatching(field));
    }
    // A create sent twice with one Idempotency-Key is one draft (then cancelled: a draft is, at once).
    const once = { method: 'POST' as const, url: '/v1/campaigns', payload: base, headers: { 'idempotency-key': `create-${tag}` } };
    const first = await sys.api(once);
    const second = await sys.api(once);
    expect([first.statusCode, second.statusCode]).toEqual([201, 200]);
    expect(second.json().campaignId).toBe(first.json().campaignId);
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${first.json().campaignId}/cancel` })).json().status).toBe('CANCELLED');
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${first.json().campaignId}/start` })).json().status).toBe('CANCELLED');
    const badVin = await sys.api({ method: 'POST', url: '/v1/recalls', payload: { recallCode: 'R-1', vins: ['NOT-A-VIN'] } });
    expect(badVin.statusCode).toBe(400);
    expect(badVin.json().errors[0].field).toBe('vins.0');
    // Unknown campaigns are 404s, malformed ids and cursors 400s naming the parameter.
    for (const action of ['start', 'pause', 'resume', 'cancel']) expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${randomUUID()}/${action}` })).statusCode).toBe(404);
    expect((await sys.api({ method: 'GET', url: `/v1/campaigns/${randomUUID()}` })).statusCode).toBe(404);
    expect((await sys.api({ method: 'GET', url: '/v1/campaigns/not-a-uuid' })).json().errors[0].field).toBe('params.id');
    expect((await sys.api({ method: 'GET', url: `/v1/campaigns/${first.json().campaignId}/vehicles?after=x` })).json().errors[0].field).toBe('querystring.after');
    expect(await sys.db.campaign.count()).toBe(before + 1); // the one draft above
    expect(await sys.db.campaignTarget.count()).toBe(0);
  });
});

describe('a campaign to a 200-customer segment with a 10 % holdout', () => {
  const dealerA = dealer('A');
  const owners: Owner[] = Array.from({ length: 200 }, (_, i) => ({
    // Every seventh has given no newsletter consent: their journeys suppress the promotion.
    id: `A-${i}`, email: mail(`a${i}`), newsletter: i % 7 !== 0, vin: vin(i), dealerId: dealerA, country: i % 10 === 0 ? 'GB' : 'DE',
    // Every eleventh (not British) writes in English though living in Germany: the customer's own language first.
    ...(i % 11 === 0 && i % 10 !== 0 ? { language: 'en' } : {}),
  }));
  let customers: Map<string, string>;
  let campaignId: string;

  beforeAll(async () => {
    await addDealer(dealerA);
    customers = await importOwners(owners);
  }, 180_000);

  it('previews, saves versions, and reaches exactly the treatment group less the suppressions', async () => {
    const filter = { dealerIds: [dealerA], stages: ['DEALER_OWNED'], markets: ['DE', 'GB'] };
    const preview = await sys.api({ method: 'POST', url: '/v1/segments/preview', payload: { filter } });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().count).toBe(200);
    expect(preview.json().sampleJourneyIds).toHaveLength(20);
    const narrower = await sys.api({ method: 'POST', url: '/v1/segments/preview', payload: { filter: { ...filter, consent: { channel: 'EMAIL', purpose: 'MARKETING' } } } });
    expect(narrower.json().count).toBe(owners.filter((o) => o.newsletter).length);

    const segmentId = await segmentOf(`owners-${tag}`, filter);
    const again = await sys.api({ method: 'POST', url: '/v1/segments', payload: { name: `owners-${tag}`, filter } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ segmentId, version: 1 });
    const v2 = await sys.api({ method: 'POST', url: '/v1/segments', payload: { name: `owners-${tag}`, filter: { ...filter, markets: ['DE'] } } });
    expect(v2.statusCode).toBe(201);
    expect(v2.json().version).toBe(2);

    const body = {
      campaignId: randomUUID(), name: `Launch ${tag}`, purpose: 'PROMOTION', channels: ['EMAIL'], segmentId, templates: TEMPLATES, defaultLanguage: 'en',
      variables: { model: 'ID.2', campaignTag: tag }, holdoutPercent: 10, perHour: 100_000,
    };
    campaignId = await launch(body);
    // The same create again (a retry) is the same campaign; other content under its id is refused.
    const replay = await sys.api({ method: 'POST', url: '/v1/campaigns', payload: body });
    expect(replay.statusCode).toBe(200);
    expect((await sys.api({ method: 'POST', url: '/v1/campaigns', payload: { ...body, name: 'other' } })).statusCode).toBe(422);
    const done = await completed(campaignId);

    const control = owners.filter((o) => inHoldout(campaignId, customers.get(o.id)!, 10));
    const treatment = owners.filter((o) => !control.includes(o));
    const expected = treatment.filter((o) => o.newsletter);
    expect(control.length).toBeGreaterThan(5);
    expect(control.length).toBeLessThan(40);
    expect(done.results).toMatchObject({
      targeted: 200, decided: 200, heldOut: control.length, allowed: expected.length, suppressed: treatment.length - expected.length,
      byReason: { NO_CONSENT: treatment.length - expected.length },
    });

    // Exactly the treatment group less the journeys' suppressions receive it, once each; the holdout none.
    const mine = () => smtp.inbox.filter((m) => m.subject.includes(tag));
    await eventually(async () => (mine().length >= expected.length ? true : undefined), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // anything more would have arrived by now
    expect(mine().map((m) => m.to).sort()).toEqual(expected.map((o) => o.email!).sort());
    // Each in the customer's own language, else their country's (GB: English, DE: German), with the unsubscribe link.
    const english = (o: Owner) => o.language === 'en' || o.country === 'GB';
    for (const o of expected) expect(mine().find((m) => m.to === o.email)!.subject, o.id).toBe(english(o) ? `The new ID.2 (${tag})` : `Der neue ID.2 (${tag})`);
    expect(expected.filter((o) => o.language === 'en').length).toBeGreaterThan(5);
    expect(mine().every((m) => m.listUnsubscribe !== null)).toBe(true);
    expect((await view(campaignId)).results).toMatchObject({ sent: expected.length, failed: 0, unsubscribed: 0 });
    // One recipient unsubscribes with the message's one-click link: counted for the campaign.
    const link = new URL(mine()[0]!.listUnsubscribe!.match(/^<(.+)>$/)![1]!);
    const unsubscribe = await sys.app.inject({
      method: 'POST', url: `${link.pathname}${link.search}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribe.statusCode, unsubscribe.body).toBe(200);
    await eventually(async () => ((await view(campaignId)).results.unsubscribed === 1 ? true : undefined));

    // Conversions in the attribution window: a service visit of one treated and one held-out customer.
    const dealerKey = await createTestKey(sys.db, 'DEALER', dealerA);
    for (const o of [expected[0]!, control[0]!]) {
      const res = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyIdFor(customers.get(o.id)!)}/service-visits`, payload: { visitId: `V-${o.id}` } }, dealerKey);
      expect(res.statusCode, res.body).toBe(200);
    }
    const results = (await view(campaignId)).results;
    expect(results.conversions.treatment).toMatchObject({ customers: treatment.length, converted: 1, serviceVisits: 1 });
    expect(results.conversions.control).toMatchObject({ customers: control.length, converted: 1, serviceVisits: 1 });
    expect(results.conversions.lift.lift).toBeCloseTo(1 / treatment.length - 1 / control.length, 10);

    // The CSV: one line per target, journey ids only.
    const targetsCsv = await sys.api({ method: 'GET', url: `/v1/campaigns/${campaignId}/targets.csv` });
    expect(targetsCsv.body.trim().split('\n')).toHaveLength(201);
    expect(targetsCsv.body).not.toContain('@example.com');
  }, 180_000);

  it('a dealer sees the message in its own customer\'s timeline, never the campaign or the segment', async () => {
    const dealerKey = await createTestKey(sys.db, 'DEALER', dealerA);
    const otherKey = await createTestKey(sys.db, 'DEALER', dealer('OTHER'));
    const customerId = customers.get(owners.find((o) => o.newsletter && !inHoldout(campaignId, customers.get(o.id)!, 10))!.id)!;
    const timeline = await sys.api({ method: 'GET', url: `/v1/customers/${customerId}/communications` }, dealerKey);
    expect(timeline.statusCode).toBe(200);
    expect(timeline.json().items).toContainEqual(expect.objectContaining({ requestedBy: `campaign:${campaignId}`, purpose: 'PROMOTION', status: 'SENT' }));
    expect((await sys.api({ method: 'GET', url: `/v1/customers/${customerId}/communications` }, otherKey)).statusCode).toBe(404);
    for (const [method, url] of [['GET', `/v1/campaigns/${campaignId}`], ['GET', '/v1/campaigns'], ['GET', '/v1/segments'], ['POST', `/v1/campaigns/${campaignId}/pause`], ['GET', `/v1/campaigns/${campaignId}/targets.csv`]] as const) {
      expect((await sys.api({ method, url }, dealerKey)).statusCode, url).toBe(403);
    }
    const opsKey = await createTestKey(sys.db, 'OPS');
    expect((await sys.api({ method: 'GET', url: `/v1/campaigns/${campaignId}` }, opsKey)).statusCode).toBe(200);
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${campaignId}/cancel` }, opsKey)).statusCode).toBe(403);
    // Over: no control changes it.
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${campaignId}/pause` })).statusCode).toBe(409);
  });
});

describe('pause and resume', () => {
  it('a paused campaign decides nobody more until it is resumed, then finishes', async () => {
    const { dealerId: dealerP, segmentId } = await ownersOfNewDealer('P', 40, 1000);
    // 14,400 an hour: a page of 20 every 5 s.
    const campaignId = await launch({
      name: 'Winter service', purpose: 'SERVICE_REMINDER', sender: 'OWNING_DEALER', channels: ['EMAIL'], segmentId, perHour: 14_400, holdoutPercent: 0,
      templates: { en: { subject: `Winter check ${tag}`, text: 'Hello {{firstName}}, book your winter check. {{senderName}}' } }, defaultLanguage: 'en',
    });
    await eventually(async () => ((await view(campaignId)).results?.decided >= 10 ? true : undefined), 30_000);
    const paused = await sys.api({ method: 'POST', url: `/v1/campaigns/${campaignId}/pause` });
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json().status).toBe('PAUSED');
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${campaignId}/pause` })).json().status).toBe('PAUSED'); // repeats are harmless
    const atPause = (await view(campaignId)).results.decided;
    expect(atPause).toBeLessThan(40);
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // more than a page's time
    expect((await view(campaignId)).results.decided).toBe(atPause);

    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${campaignId}/resume` })).json().status).toBe('RUNNING');
    const done = await completed(campaignId, 60_000);
    // In the owning dealer's name: each allowed, once.
    expect(done.results).toMatchObject({ targeted: 40, decided: 40, allowed: 40, heldOut: 0 });
    await eventually(async () => (smtp.inbox.filter((m) => m.subject === `Winter check ${tag}`).length === 40 ? true : undefined), 30_000);
    expect(smtp.inbox.find((m) => m.subject === `Winter check ${tag}`)!.text).toContain(`Autohaus ${dealerP}`);

    // Each dealer's hourly share: 5 of its 40 customers, then the campaign waits for the hour to free up.
    const shared = await launch({
      name: 'Dealer share', purpose: 'SERVICE_REMINDER', sender: 'OWNING_DEALER', channels: ['EMAIL'], segmentId, perHour: 100_000, perDealerPerHour: 5, holdoutPercent: 0,
      templates: { en: { subject: `Share ${tag}`, text: 'Hello {{firstName}}' } }, defaultLanguage: 'en',
    });
    await eventually(async () => ((await view(shared)).results?.decided === 5 ? true : undefined), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await view(shared)).results.decided).toBe(5);
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${shared}/cancel` })).json().status).toBe('CANCELLED');
    await eventually(async () => ((await view(shared)).completedAt ? true : undefined));
    expect((await view(shared)).results.decided).toBe(5);
  }, 120_000);
});

describe('Temporal down when the OEM starts a campaign', () => {
  it('is a 503 with Retry-After; the audience is frozen, and the relay starts the campaign later', async () => {
    const segmentId = await segmentOf(`outage-${tag}`, { dealerIds: [dealer('P')] });
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' }) });
    const app = await buildApp({ db: sys.db, temporal: unreachable, log: silentLog, taskQueue: sys.taskQueue });
    try {
      const api = apiCaller(app, sys.oemKey);
      const created = await api({
        method: 'POST', url: '/v1/campaigns',
        payload: { name: 'Outage', purpose: 'SERVICE_REMINDER', sender: 'OWNING_DEALER', channels: ['EMAIL'], segmentId, holdoutPercent: 0, perHour: 100_000, templates: { en: { subject: `Outage ${tag}`, text: 'Hello {{firstName}}' } }, defaultLanguage: 'en' },
      });
      const { campaignId } = created.json();
      const start = await api({ method: 'POST', url: `/v1/campaigns/${campaignId}/start` });
      expect(start.statusCode, start.body).toBe(503);
      expect(start.headers['retry-after']).toBeDefined();
      expect(await sys.db.campaign.findUniqueOrThrow({ where: { id: campaignId } })).toMatchObject({ status: 'STARTING', targeted: 40 });
      const campaigns = createCampaigns({ db: sys.db, temporal: sys.temporal, bulkTaskQueue: taskQueuesOf(sys.taskQueue).bulk, log: silentLog });
      const intake = createLeadIntake({ db: sys.db, temporal: sys.temporal, taskQueue: sys.taskQueue, defaultCountry: 'DE', log: silentLog });
      expect(await createLeadOutboxRelay({ db: sys.db, intake, campaigns, log: silentLog, minAgeMs: 0 }).relayOnce()).toBeGreaterThanOrEqual(1);
      expect((await completed(campaignId)).results).toMatchObject({ targeted: 40, decided: 40, allowed: 40 });
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe('a bulk worker killed in the middle of a campaign', () => {
  it('resumes: every target decided once, nobody messaged twice', async () => {
    const { segmentId } = await ownersOfNewDealer('K', 120, 2000);
    // The campaign's own app and bulk queue (the journeys stay with the file's worker).
    const taskQueue = `campaign-kill-${randomUUID()}`;
    const app = await buildApp({ db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue });
    const api = apiCaller(app, sys.oemKey);
    // Two journeys asked at a time: the page takes long enough to be killed in.
    const child = await startBulkWorkerProcess({ databaseUrl: sys.databaseUrl, taskQueue, journeyQueue: sys.taskQueue, env: { CAMPAIGN_WINDOW: '2' } });
    try {
      const subject = `Service ${tag} kill`;
      const created = await api({
        method: 'POST', url: '/v1/campaigns',
        payload: { name: 'Kill', purpose: 'SERVICE_REMINDER', sender: 'OWNING_DEALER', channels: ['EMAIL'], segmentId, perHour: 1_000_000, holdoutPercent: 0, templates: { en: { subject, text: 'Hello {{firstName}}' } }, defaultLanguage: 'en' },
      });
      const { campaignId } = created.json();
      expect((await api({ method: 'POST', url: `/v1/campaigns/${campaignId}/start` })).statusCode).toBe(200);
      await eventually(async () => ((await sys.db.communication.count({ where: { requestedBy: `campaign:${campaignId}` } })) >= 20 ? true : undefined), 60_000);
      child.kill('SIGKILL');
      expect(await sys.db.campaignTarget.count({ where: { campaignId, outcome: { not: null } } })).toBeLessThan(120);

      const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
      const worker = await createWorkers(connection, { db: sys.db, temporal: sys.temporal }, { taskQueue, workflowBundle: sharedWorkflowBundle(), kinds: ['bulk'] });
      const done = await worker.runUntil(completed(campaignId, 120_000, api));
      await connection.close();
      expect(done.results).toMatchObject({ targeted: 120, decided: 120, allowed: 120 });
      expect(await sys.db.communication.count({ where: { requestedBy: `campaign:${campaignId}` } })).toBe(120);
      await eventually(async () => (smtp.inbox.filter((m) => m.subject === subject).length >= 120 ? true : undefined), 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const to = smtp.inbox.filter((m) => m.subject === subject).map((m) => m.to);
      expect(to).toHaveLength(120);
      expect(new Set(to).size).toBe(120);
    } finally {
      child.kill('SIGKILL');
      await app.close();
    }
  }, 300_000);
});

describe('a safety recall', () => {
  const dealerR = dealer('R');
  const owners: Owner[] = [
    // Said no to marketing (opted out below): the recall reaches her all the same.
    { id: 'R-1', email: mail('optedout'), vin: vin(3001), dealerId: dealerR },
    // No e-mail address: by text message.
    { id: 'R-2', phone: '+4915112345678', vin: vin(3002), dealerId: dealerR },
  ];
  const unknownVin = vin(3999);
  let customers: Map<string, string>;
  let recallId: string;

  beforeAll(async () => {
    await addDealer(dealerR);
    customers = await importOwners(owners);
    const out = await sys.api({ method: 'POST', url: `/v1/customers/${customers.get('R-1')}/opt-out` });
    expect(out.statusCode).toBe(202);
  }, 180_000);

  it('reaches every owner whatever their marketing choices, on the channel they can be reached by; lists the unknown VIN', async () => {
    const created = await sys.api({ method: 'POST', url: '/v1/recalls', payload: { recallCode: `RC-${tag}`, vins: [vin(3001), vin(3002), unknownVin] } });
    expect(created.statusCode, created.body).toBe(201);
    recallId = created.json().campaignId;
    expect(created.json()).toMatchObject({ kind: 'RECALL', purpose: 'LEGAL', sender: 'OEM', channels: ['EMAIL', 'SMS'], holdoutPercent: 0 });
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${recallId}/start` })).statusCode).toBe(200);
    const done = await completed(recallId);
    expect(done.results).toMatchObject({ targeted: 2, heldOut: 0, allowed: 2, sent: 2 });
    expect(done.vehicles).toEqual({ open: 2, repaired: 0, ownerUnknown: 1 });

    const letter = smtp.inbox.find((m) => m.subject === `Important safety recall RC-${tag}`);
    expect(letter?.to).toBe(mail('optedout'));
    expect(letter!.listUnsubscribe).toBeNull(); // a legal notice rests on no consent
    const sms = await sys.db.communication.findFirstOrThrow({ where: { customerId: customers.get('R-2'), requestedBy: `campaign:${recallId}`, channel: 'SMS' } });
    expect(sms).toMatchObject({ channel: 'SMS', status: 'SENT' });
    const unknown = await sys.api({ method: 'GET', url: `/v1/campaigns/${recallId}/vehicles?status=OWNER_UNKNOWN` });
    expect(unknown.json().items.map((v: { vin: string }) => v.vin)).toEqual([unknownVin]);
  }, 120_000);

  it('gives the owning dealer a repair task per vehicle; its repair closes it, once', async () => {
    const dealerKey = await createTestKey(sys.db, 'DEALER', dealerR);
    const otherKey = await createTestKey(sys.db, 'DEALER', dealer('A'));
    const tasks = (await sys.api({ method: 'GET', url: '/v1/recall-tasks' }, dealerKey)).json().items;
    expect(tasks.map((t: { vin: string }) => t.vin).sort()).toEqual([vin(3001), vin(3002)]);
    expect(tasks[0]).toMatchObject({ recallId, recallCode: `RC-${tag}`, status: 'OPEN', dealerId: dealerR });
    expect((await sys.api({ method: 'GET', url: '/v1/recall-tasks' }, otherKey)).json().items.filter((t: { recallId: string }) => t.recallId === recallId)).toEqual([]);

    const journeyId = journeyIdFor(customers.get('R-1')!);
    const repair = { method: 'POST' as const, url: `/v1/journeys/${journeyId}/recall-repairs`, payload: { recallId, vin: vin(3001) } };
    // Another dealer, or this dealer with the other customer's car: no such task.
    expect((await sys.api(repair, otherKey)).statusCode).toBe(404);
    expect((await sys.api({ ...repair, payload: { recallId, vin: vin(3002) } }, dealerKey)).statusCode).toBe(404);
    for (let i = 0; i < 2; i++) expect((await sys.api(repair, dealerKey)).statusCode).toBe(200);
    expect(await sys.db.aftersalesEvent.count({ where: { journeyId, kind: 'RECALL_REPAIR' } })).toBe(1);
    await recordHistoryFixture(sys.temporal.workflow.getHandle(journeyId), 'journey-recall');
    expect(await sys.db.recallVehicle.findUniqueOrThrow({ where: { campaignId_vin: { campaignId: recallId, vin: vin(3001) } } })).toMatchObject({ status: 'REPAIRED' });
    expect((await view(recallId)).vehicles).toEqual({ open: 1, repaired: 1, ownerUnknown: 1 });
    expect((await sys.api({ method: 'GET', url: '/v1/recall-tasks' }, dealerKey)).json().items.map((t: { vin: string }) => t.vin)).toEqual([vin(3002)]);

    // The maintenance process's recall completion, per dealer, on the scorecard.
    const day = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const card = (await sys.api({ method: 'GET', url: `/v1/reports/scorecard?from=${day}&to=${tomorrow}` }, dealerKey)).json();
    const maintenance = card.processes.find((p: { process: string }) => p.process === 'maintenance');
    expect(maintenance.rows.find((r: { group: string }) => r.group === dealerR)).toMatchObject({ recallTasks: 2, recallRepairs: 1, recallCompletion: 0.5 });
  });

  it('a message the transport finally failed is followed up on the next channel, then by letter', async () => {
    // The send activity gives up after its last attempt (about ten minutes of retries) and marks the
    // message FAILED; here its row is marked so by hand, and the follow-up the recall's workflow runs
    // every few seconds is run once on it (the activity itself, on the real journeys and database).
    const both = (await importOwners([{ id: 'R-3', email: mail('both'), phone: '+4915112345679', vin: vin(3003), dealerId: dealerR }])).get('R-3')!;
    const created = await sys.api({ method: 'POST', url: '/v1/recalls', payload: { recallCode: `RF-${tag}`, vins: [vin(3001), vin(3003)] } });
    const id = created.json().campaignId;
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${id}/start` })).statusCode).toBe(200);
    expect((await completed(id)).results).toMatchObject({ targeted: 2, allowed: 2, sent: 2 });
    await sys.db.communication.updateMany({ where: { requestedBy: `campaign:${id}`, channel: 'EMAIL' }, data: { status: 'FAILED', reason: 'TRANSPORT_FAILED' } });

    const followUp = () => new MockActivityEnvironment().run(createCampaignActivities({ db: sys.db, temporal: sys.temporal }).followUpRecall, { campaignId: id });
    // R-3 has a phone: the recall goes by text message now; R-1 has none: a letter.
    expect(await followUp()).toEqual({ pending: 1, rerouted: 2 });
    const targets = await sys.db.campaignTarget.findMany({ where: { campaignId: id } });
    expect(targets.find((t) => t.customerId === both)).toMatchObject({ outcome: 'ALLOWED', channel: 'SMS' });
    expect(targets.find((t) => t.customerId === customers.get('R-1'))).toMatchObject({ outcome: 'LETTER' });
    expect(await sys.db.journeyTask.count({ where: { journeyId: journeyIdFor(customers.get('R-1')!), kind: 'RECALL_LETTER', detail: { contains: `RF-${tag}` } } })).toBe(1);
    // Once the text message is sent, nothing is left to follow.
    await eventually(async () => ((await sys.db.communication.findFirst({ where: { requestedBy: `campaign:${id}`, channel: 'SMS', status: 'SENT' } })) ? true : undefined));
    expect(await followUp()).toEqual({ pending: 0, rerouted: 0 });
  }, 60_000);

  it('takes a recall of 100,000 VINs in one request; those nobody owns are the OEM\'s list', async () => {
    const vins = Array.from({ length: 99_999 }, (_, i) => `WVWZZZ${tag}${String(i).padStart(11 - tag.length, '0')}`.replace(/[IOQ]/g, 'X'));
    const created = await sys.api({ method: 'POST', url: '/v1/recalls', payload: { recallCode: `RB-${tag}`, vins: [...vins, vin(3002)] } });
    expect(created.statusCode, created.body.slice(0, 300)).toBe(201);
    const id = created.json().campaignId;
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${id}/start` })).statusCode).toBe(200);
    const done = await completed(id);
    expect(done.vehicles).toEqual({ open: 1, repaired: 0, ownerUnknown: 99_999 });
    expect(done.results).toMatchObject({ targeted: 1, allowed: 1 });
    // The list of unknown owners in pages.
    const first = (await sys.api({ method: 'GET', url: `/v1/campaigns/${id}/vehicles?status=OWNER_UNKNOWN&limit=10000` })).json();
    expect(first.items).toHaveLength(10_000);
    const last = (await sys.api({ method: 'GET', url: `/v1/campaigns/${id}/vehicles?status=OWNER_UNKNOWN&limit=10000&after=${vins.sort().at(-2)}` })).json();
    expect(last).toEqual({ items: [expect.objectContaining({ vin: vins.at(-1), status: 'OWNER_UNKNOWN' })], next: null });
  }, 60_000);

  it('an owner no channel can reach becomes a letter task for the OEM', async () => {
    const created = await sys.api({ method: 'POST', url: '/v1/recalls', payload: { recallCode: `RL-${tag}`, vins: [vin(3002)], channels: ['EMAIL'] } });
    const id = created.json().campaignId;
    expect((await sys.api({ method: 'POST', url: `/v1/campaigns/${id}/start` })).statusCode).toBe(200);
    const done = await completed(id);
    expect(done.results).toMatchObject({ targeted: 1, letters: 1, allowed: 0 });
    const task = await sys.db.journeyTask.findFirstOrThrow({ where: { journeyId: journeyIdFor(customers.get('R-2')!), kind: 'RECALL_LETTER' } });
    expect(task).toMatchObject({ assignee: 'OEM' });
    expect(task.detail).toContain(`RL-${tag}`);
  }, 60_000);
});
