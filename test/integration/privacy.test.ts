// The person's own data (issue 14, "The person's own data"): export everything held about a
// customer, erase them through the API (the journey's own Update), and engagement between leads.
// Real journeys on the Temporal dev server, real PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app.js';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { createLeadOutboxRelay } from '../../workers/lead-outbox-relay.js';
import { apiCaller, createTestKey, customerSnapshot, eventually, silentLog, startSystem, type System } from '../support/system.js';

let sys: System;
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const territory = `PV${tag}`;
const dealerId = `DLR-PV-${tag}`;
const keys = { ops: '', dealer: '' };

beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
  expect((await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id: dealerId, name: 'Autohaus Datenschutz', territory: [territory] } })).statusCode).toBe(201);
  keys.ops = await createTestKey(sys.db, 'OPS');
  keys.dealer = await createTestKey(sys.db, 'DEALER', dealerId);
});
afterAll(async () => {
  await sys?.stop();
});

async function lead(timeframe: 'NOW' | 'LATER', extra: Record<string, unknown> = {}) {
  const email = `pv.${randomUUID().slice(0, 8)}@example.com`;
  const res = await sys.api({
    method: 'POST', url: '/v1/leads',
    payload: { source: 'WEB_FORM', campaign: 'winter', interest: { model: 'ID.3', timeframe, message: 'Please call after 6pm' }, contact: { firstName: 'Lea', lastName: 'Roth', email, postalCode: `${territory}1` }, ...extra },
  });
  expect(res.statusCode, res.body).toBe(202);
  return { ...(res.json() as { customerId: string; journeyId: string }), email };
}
const stateOf = (journeyId: string) => sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery);

describe('export: everything held about a person', () => {
  it('contact, leads, consent with its proof, ledger, hand-offs, what dealers were told, sales', async () => {
    const c = await lead('NOW', {
      consents: [
        { channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'web-2026-03-de', method: 'WEB_FORM', capturedAt: '2026-11-20T09:15:00.000Z' },
        { channel: 'PHONE', purpose: 'SALES_CONTACT', granted: true, wordingId: 'web-2026-03-de', method: 'WEB_FORM' },
        { channel: 'SMS', purpose: 'MARKETING', granted: false, wordingId: 'web-2026-03-de', method: 'WEB_FORM' },
      ],
    });
    await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'FAIR', event: 'IAA', contact: { email: c.email } } });
    await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/consent`, payload: { channel: 'SMS', granted: false } });
    await eventually(async () => ((await sys.db.journey.findUnique({ where: { id: c.journeyId } }))?.offeredDealerId === dealerId ? true : undefined));
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${c.journeyId}/accept` }, keys.dealer)).statusCode).toBe(200);
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${c.journeyId}/sale`, payload: { vehicle: { vin: 'WVWZZZE1ZRP0PV001', model: 'ID.3', soldOn: '2026-11-20', price: 39900 } } }, keys.dealer)).statusCode).toBe(200);
    await eventually(async () => ((await stateOf(c.journeyId)).leadCount === 2 && (await stateOf(c.journeyId)).communications.withdrawn.includes('SMS') ? true : undefined));

    const res = await sys.api({ method: 'GET', url: `/v1/customers/${c.customerId}/export` }, keys.ops);
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json();
    expect(data).toMatchObject({
      customerId: c.customerId, erased: false,
      contact: { firstName: 'Lea', lastName: 'Roth', email: c.email, postalCode: `${territory}1` },
      journey: { journeyId: c.journeyId, stage: 'DEALER_OWNED', owner: 'DEALER', dealerId },
      consent: { optedOut: false, withdrawnChannels: ['SMS'] },
      serviceVisits: 0,
      sales: [{ dealerId, vin: 'WVWZZZE1ZRP0PV001', model: 'ID.3', soldOn: '2026-11-20', price: 39900 }],
    });
    expect(data.leads.map((l: { source: string }) => l.source)).toEqual(['WEB_FORM', 'FAIR']);
    expect(data.consentRecords).toEqual([
      expect.objectContaining({ channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'web-2026-03-de', method: 'WEB_FORM', capturedAt: '2026-11-20T09:15:00.000Z', leadId: data.leads[0].leadId }),
      expect.objectContaining({ channel: 'PHONE', purpose: 'SALES_CONTACT', granted: true, capturedAt: data.leads[0].receivedAt }),
      expect.objectContaining({ channel: 'SMS', purpose: 'MARKETING', granted: false }),
    ]);
    expect(data.leads[0]).toMatchObject({ campaign: 'winter', interestModel: 'ID.3', message: 'Please call after 6pm' });
    expect(data.ownership.map((o: { reason: string }) => o.reason)).toEqual(['HANDOFF_ACCEPTED', 'SOLD']);
    expect(data.handoffs.map((h: { kind: string }) => h.kind)).toEqual(['OFFERED', 'ACCEPTED']);
    expect(data.dealerNotices.map((n: { kind: string }) => n.kind)).toEqual(['handoff.offered', 'customer.assigned']);
  });

  it('a consent that cannot be true is a 400 naming it, and nothing of the lead is stored', async () => {
    const email = `pv.bad.${randomUUID().slice(0, 8)}@example.com`;
    for (const [consent, field] of [
      [{ channel: 'FAX', purpose: 'MARKETING', granted: true, wordingId: 'w1', method: 'WEB_FORM' }, 'consents.0.channel'],
      [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true, method: 'WEB_FORM' }, 'consents.0.wordingId'],
      [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'w1', method: 'WEB_FORM', capturedAt: '2999-01-01T00:00:00Z' }, 'consents.0.capturedAt'],
    ] as const) {
      const res = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email }, consents: [consent] } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].field).toBe(field);
    }
    expect(await sys.db.customer.findUnique({ where: { emailNormalized: email } })).toBeNull();
  });

  it('is for the OEM and ops only: a dealer, even the customer\'s own, gets 403; an unknown customer 404', async () => {
    const c = await lead('LATER');
    expect((await sys.api({ method: 'GET', url: `/v1/customers/${c.customerId}/export` }, keys.dealer)).statusCode).toBe(403);
    expect((await sys.api({ method: 'GET', url: `/v1/customers/${randomUUID()}/export` })).statusCode).toBe(404);
  });
});

describe('erasure by the privacy desk', () => {
  it('ends the journey with the ground on the ledger, withdraws the open offer, and the export keeps only the pseudonymous remainder; repeats answer the same', async () => {
    const c = await lead('NOW');
    await eventually(async () => ((await sys.db.journey.findUnique({ where: { id: c.journeyId } }))?.offeredDealerId === dealerId ? true : undefined));

    const erased = await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/erasure`, payload: { ground: 'CUSTOMER_REQUEST', reference: 'PRV-2026-0042' } }, keys.ops);
    expect(erased.statusCode, erased.body).toBe(202);
    expect(erased.json()).toEqual({ customerId: c.customerId, stage: 'ERASED', erasedAt: expect.any(String) });
    const again = await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/erasure`, payload: { ground: 'CUSTOMER_REQUEST' } });
    expect(again.statusCode).toBe(202);
    expect(again.json().erasedAt).toBe(erased.json().erasedAt);
    await eventually(async () => ((await sys.temporal.workflow.getHandle(c.journeyId).describe()).status.name === 'COMPLETED' ? true : undefined));

    const data = (await sys.api({ method: 'GET', url: `/v1/customers/${c.customerId}/export` })).json();
    expect(data).toMatchObject({
      erased: true, consent: { optedOut: true, withdrawnChannels: [] }, // the journey's last state: no contact of any kind
      contact: { firstName: null, lastName: null, email: null, phone: null, postalCode: null, country: null },
      journey: { stage: 'ERASED', owner: 'OEM' },
    });
    expect(data.leads[0]).toMatchObject({ source: 'WEB_FORM', message: null });
    expect(data.consentRecords).toEqual([]);
    expect(JSON.stringify(data)).not.toContain(c.email);
    expect(data.ownership.at(-1)).toMatchObject({ reason: 'ERASURE: CUSTOMER_REQUEST (PRV-2026-0042)', actor: expect.stringMatching(/^ops:/) });
    // The dealer the offer waited on is told to stop, with why.
    expect(data.dealerNotices.at(-1)).toMatchObject({ dealerId, kind: 'handoff.withdrawn', reason: 'ERASED' });
  });

  it.each([
    [{ ground: 'because' }, 'ground'],
    [{ ground: 'CUSTOMER_REQUEST', reference: 'has spaces in it' }, 'reference'],
    [{ ground: 'CUSTOMER_REQUEST', note: 'Lea called' }, 'body', 'note'],
    [{}, 'ground'],
  ])('%j → 400 naming %s, nothing changed', async (payload, field, message = '') => {
    const c = await lead('LATER');
    // Scored and recorded: nothing else will change the journey unless the request does.
    await eventually(async () => ((await sys.db.journey.findUnique({ where: { id: c.journeyId } }))?.revision === (await stateOf(c.journeyId)).revision && (await stateOf(c.journeyId)).score != null ? true : undefined));
    const before = await customerSnapshot(sys, c.journeyId, c.customerId);
    const res = await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/erasure`, payload });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors[0].field).toBe(field);
    expect(res.json().errors[0].message).toContain(message);
    expect(await customerSnapshot(sys, c.journeyId, c.customerId)).toEqual(before);
  });

  it('a dealer may not erase (403); an unknown customer is a 404', async () => {
    const c = await lead('LATER');
    expect((await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/erasure`, payload: { ground: 'CUSTOMER_REQUEST' } }, keys.dealer)).statusCode).toBe(403);
    expect((await sys.api({ method: 'POST', url: `/v1/customers/${randomUUID()}/erasure`, payload: { ground: 'CUSTOMER_REQUEST' } })).statusCode).toBe(404);
    expect((await stateOf(c.journeyId)).stage).not.toBe('ERASED');
  });
});

describe('engagement between leads', () => {
  it('the OEM\'s site reports a configurator session: the journey counts it and re-scores', async () => {
    const c = await lead('LATER');
    await eventually(async () => ((await stateOf(c.journeyId)).stage === 'QUALIFYING' ? true : undefined));
    const res = await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/engagements`, payload: { kind: 'CONFIGURATOR' } });
    expect(res.statusCode, res.body).toBe(202);
    await eventually(async () => ((await stateOf(c.journeyId)).engagements === 1 ? true : undefined));
    expect((await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/engagements`, payload: { kind: 'SPAM' } })).statusCode).toBe(400);
    expect((await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/engagements`, payload: { kind: 'CONFIGURATOR' } }, keys.dealer)).statusCode).toBe(403);
    expect((await sys.api({ method: 'POST', url: `/v1/customers/${randomUUID()}/engagements`, payload: { kind: 'CONFIGURATOR' } })).statusCode).toBe(404);
  });
});

describe('erasure is final (issue 30)', () => {
  it('a lead stuck in the outbox when the customer is erased is settled; the relay starts no new run and brings nothing back', async () => {
    const c = await lead('LATER');
    await eventually(async () => ((await stateOf(c.journeyId)).stage === 'QUALIFYING' ? true : undefined));
    // A second lead of the same person, taken while Temporal could not be reached: it waits in the outbox.
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' }) });
    const outage = await buildApp({ db: sys.db, temporal: unreachable, log: silentLog, taskQueue: sys.taskQueue });
    const stuck = await apiCaller(outage, sys.oemKey)({ method: 'POST', url: '/v1/leads', payload: { source: 'FAIR', contact: { email: c.email } } });
    await outage.close();
    expect(stuck.json()).toMatchObject({ customerId: c.customerId, delivered: false });

    const erased = await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/erasure`, payload: { ground: 'CUSTOMER_REQUEST', reference: 'PRV-2026-0777' } });
    expect(erased.statusCode, erased.body).toBe(202);
    const erasedRun = (await sys.temporal.workflow.getHandle(c.journeyId).describe()).runId;
    // Erasure settled the waiting lead.
    const settled = await eventually(async () => (await sys.db.lead.findUniqueOrThrow({ where: { id: stuck.json().leadId } })).deliveredAt ?? undefined);
    expect(settled).toBeInstanceOf(Date);

    // Even a delivery already under way when the erasure landed (the relay picked the lead before it): no new run.
    const intake = createLeadIntake({ db: sys.db, temporal: sys.temporal, taskQueue: sys.taskQueue, defaultCountry: 'DE', log: silentLog });
    expect(await intake.deliver(stuck.json().leadId)).toBe(true);
    // The server's own answer for the id (visibility lags under load): its latest run is the erased one, ended.
    const latest = await sys.temporal.workflow.getHandle(c.journeyId).describe();
    expect(latest.status.name).toBe('COMPLETED');
    expect(latest.runId).toBe(erasedRun);
    const relay = createLeadOutboxRelay({ db: sys.db, log: silentLog, intake, minAgeMs: 0 });
    await relay.relayOnce();
    expect(await sys.db.customer.findUniqueOrThrow({ where: { id: c.customerId } })).toMatchObject({ emailNormalized: null, firstName: null });
  });
});
