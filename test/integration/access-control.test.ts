// Who may see and do what, on the real API, Temporal server and database: dealer
// isolation for every dealer-facing route, the role matrix, bad keys, rate limits.
import { randomUUID } from 'node:crypto';
import { addOpenTime } from '../../domain/business-hours.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import type { JourneyState } from '../../domain/journey.js';
import { createApiKeyStore } from '../../platform/api-keys.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { apiCaller, customerSnapshot, eventually, silentLog, startSystem, type System } from '../support/system.js';

let sys: System;
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
// Territories no other test file uses, so only our dealers are ever offered our leads.
const territoryA = `QA${tag}`;
const territoryB = `QB${tag}`;
const dealerA = `DLR-A-${tag}`;
const dealerB = `DLR-B-${tag}`;
const keys = { oem: '', opsKey: '', dealerA: '', dealerB: '' };

const VALID_SALE = { vehicle: { vin: 'WVWZZZE1ZPP012345', model: 'ID.7 Pro', soldOn: '2026-11-20', price: 52900 } };

async function createKey(body: object): Promise<string> {
  const res = await sys.api({ method: 'POST', url: '/v1/api-keys', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().key;
}

/** A hot lead in dealer B's territory: the journey offers it to B. */
async function journeyOfferedToB(): Promise<{ journeyId: string; customerId: string }> {
  const res = await sys.api({
    method: 'POST', url: '/v1/leads',
    payload: { source: 'WEB_FORM', interest: { model: 'ID.7', timeframe: 'NOW' }, contact: { firstName: 'Bea', email: `bea.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territoryB}1` } },
  });
  expect(res.statusCode).toBe(202);
  const { journeyId, customerId } = res.json();
  await eventually(async () => {
    const offers = await sys.api({ method: 'GET', url: '/v1/dealer/handoffs' }, keys.dealerB);
    return offers.json().items.some((o: { journeyId: string }) => o.journeyId === journeyId) ? true : undefined;
  });
  return { journeyId, customerId };
}

const snapshot = (journeyId: string, customerId: string) => customerSnapshot(sys, journeyId, customerId);

/** Every route a dealer key can call about one customer. */
function dealerRoutes(journeyId: string, customerId: string) {
  return [
    { method: 'GET', url: `/v1/journeys/${journeyId}` },
    { method: 'GET', url: `/v1/customers/${customerId}/ownership` },
    { method: 'PATCH', url: `/v1/customers/${customerId}/contact`, payload: { firstName: 'Mallory' } },
    { method: 'POST', url: `/v1/journeys/${journeyId}/accept` },
    { method: 'POST', url: `/v1/journeys/${journeyId}/decline`, payload: { reason: 'not ours' } },
    { method: 'POST', url: `/v1/journeys/${journeyId}/sale`, payload: VALID_SALE },
    { method: 'POST', url: `/v1/journeys/${journeyId}/lost`, payload: { reason: 'bought elsewhere' } },
    { method: 'POST', url: `/v1/journeys/${journeyId}/no-show` },
    { method: 'POST', url: `/v1/journeys/${journeyId}/service-visits`, payload: { visitId: 'V-1' } },
    { method: 'POST', url: `/v1/journeys/${journeyId}/complaints`, payload: { complaintId: 'C-1' } },
    { method: 'POST', url: `/v1/journeys/${journeyId}/complaints/C-1/resolution` },
  ] as const;
}

async function expectDealerADenied(journeyId: string, customerId: string) {
  const before = await snapshot(journeyId, customerId);
  for (const route of dealerRoutes(journeyId, customerId)) {
    const res = await sys.api({ ...route }, keys.dealerA);
    expect(res.statusCode, `${route.method} ${route.url}`).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: expect.stringMatching(/not-found$/), status: 404 });
  }
  // Same answer as for something that does not exist: nothing to tell the two apart.
  const ghost = `journey-${randomUUID()}`;
  const missing = await sys.api({ method: 'GET', url: `/v1/journeys/${ghost}` }, keys.dealerA);
  const denied = await sys.api({ method: 'GET', url: `/v1/journeys/${journeyId}` }, keys.dealerA);
  expect({ ...missing.json(), detail: '' }).toEqual({ ...denied.json(), detail: '' });
  expect(await snapshot(journeyId, customerId)).toEqual(before);
}

beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
  keys.oem = sys.oemKey;
  for (const [id, territory] of [[dealerA, territoryA], [dealerB, territoryB]]) {
    const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${id}`, territory: [territory], brands: ['VW'] } });
    expect(res.statusCode, res.body).toBe(201);
  }
  keys.dealerA = await createKey({ name: 'A sales desk', role: 'DEALER', dealerId: dealerA });
  keys.dealerB = await createKey({ name: 'B sales desk', role: 'DEALER', dealerId: dealerB });
  keys.opsKey = await createKey({ name: 'ops on call', role: 'OPS' });
});
afterAll(async () => {
  await sys?.stop();
});

describe('dealer isolation', () => {
  it("dealer A can neither see nor touch dealer B's customer, at any stage; B runs the hand-off to a sale", async () => {
    const { journeyId, customerId } = await journeyOfferedToB();
    await expectDealerADenied(journeyId, customerId);

    const offers = (await sys.api({ method: 'GET', url: '/v1/dealer/handoffs' }, keys.dealerB)).json().items;
    expect(offers.find((o: { journeyId: string }) => o.journeyId === journeyId)).toMatchObject({
      stage: 'HANDED_OFF', current: true, offerExpiresAt: expect.any(String), contact: { firstName: 'Bea', postalCode: `${territoryB}1` },
    });
    expect((await sys.api({ method: 'GET', url: '/v1/dealer/handoffs' }, keys.dealerA)).json().items).toEqual([]);

    const accepted = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/accept` }, keys.dealerB);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ stage: 'IN_SALES', owner: 'DEALER_SALES', dealerId: dealerB });
    await expectDealerADenied(journeyId, customerId);

    const sold = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/sale`, payload: VALID_SALE }, keys.dealerB);
    expect(sold.statusCode, sold.body).toBe(200);
    expect(sold.json()).toMatchObject({ stage: 'DEALER_OWNED', owner: 'DEALER', vehicle: { vin: VALID_SALE.vehicle.vin } });
    await expectDealerADenied(journeyId, customerId);

    // The journey's own rules answer through the API: a sold customer cannot be a no-show.
    const noShow = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/no-show` }, keys.dealerB);
    expect(noShow.statusCode).toBe(409);
    expect(noShow.json()).toMatchObject({ type: expect.stringMatching(/journey-refused$/), detail: expect.stringMatching(/IN_SALES|stage/) });
    const visit = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/service-visits`, payload: { visitId: 'WS-1' } }, keys.dealerB);
    expect(visit.statusCode, visit.body).toBe(200);
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/complaints`, payload: { complaintId: 'C-1' } }, keys.dealerB)).statusCode).toBe(200);
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/complaints/C-1/resolution` }, keys.dealerB)).statusCode).toBe(200);

    // What the scorecard counts was recorded with the transitions: every stage passed, and
    // the dealer's service visit and complaint with its own ids.
    const stages = await sys.db.journeyStageChange.findMany({ where: { journeyId } });
    expect(stages.map((s) => [s.fromStage, s.toStage, s.dealerId])).toEqual(expect.arrayContaining([
      [null, 'CAPTURED', null], ['CAPTURED', 'QUALIFYING', null], ['QUALIFYING', 'HANDED_OFF', null],
      ['HANDED_OFF', 'IN_SALES', dealerB], ['IN_SALES', 'DEALER_OWNED', dealerB],
    ]));
    expect(stages).toHaveLength(5);
    // …each attributed to the customer's lead by the database, the acceptance with its offer's time.
    const [lead] = await sys.db.lead.findMany({ where: { customerId } });
    expect(stages.map((s) => s.leadId)).toEqual(stages.map(() => lead!.id));
    const handoffs = await sys.db.handoffEvent.findMany({ where: { journeyId }, orderBy: { at: 'asc' } });
    const offer = handoffs.find((h) => h.kind === 'OFFERED' && h.dealerId === dealerB)!;
    expect(handoffs.find((h) => h.kind === 'ACCEPTED')).toMatchObject({ dealerId: dealerB, leadId: lead!.id, offeredAt: offer.at });
    expect((await sys.db.sale.findMany({ where: { journeyId } })).map((s) => s.leadId)).toEqual([lead!.id]);
    const aftersales = await sys.db.aftersalesEvent.findMany({ where: { journeyId }, orderBy: { at: 'asc' } });
    expect(aftersales.map((e) => [e.kind, e.ref, e.dealerId, e.customerId])).toEqual([
      ['SERVICE_VISIT', 'WS-1', dealerB, customerId], ['COMPLAINT_OPENED', 'C-1', dealerB, customerId], ['COMPLAINT_RESOLVED', 'C-1', dealerB, customerId],
    ]);
    expect(aftersales.map((e) => e.leadId)).toEqual([lead!.id, lead!.id, lead!.id]);

    const mine = (await sys.api({ method: 'GET', url: '/v1/dealer/customers?stage=DEALER_OWNED' }, keys.dealerB)).json();
    expect(mine.items.map((c: { journeyId: string }) => c.journeyId)).toContain(journeyId);
    expect((await sys.api({ method: 'GET', url: '/v1/dealer/customers' }, keys.dealerA)).json().items).toEqual([]);
  });

  it('a dealer the customer was reassigned away from sees only its own past; ops reassigned it with a reason', async () => {
    const { journeyId, customerId } = await journeyOfferedToB();
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/accept` }, keys.dealerB)).statusCode).toBe(200);

    const nowhere = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/reassign`, payload: { to: { dealerId: 'DLR-NOWHERE' }, reason: 'typo' } }, keys.opsKey);
    expect(nowhere.statusCode).toBe(400);
    expect(nowhere.json().errors[0].field).toBe('to.dealerId');
    // Refused means not applied: the journey is still with B (a route's check once answered 400 and went on).
    expect((await sys.api({ method: 'GET', url: `/v1/journeys/${journeyId}` }, keys.opsKey)).json()).toMatchObject({ owner: 'DEALER_SALES', dealerId: dealerB });
    const reassign = { method: 'POST', url: `/v1/journeys/${journeyId}/reassign`, payload: { to: { dealerId: dealerA }, reason: 'customer moved to A\'s area' } } as const;
    expect((await sys.api(reassign, keys.dealerB)).statusCode).toBe(403);
    const moved = await sys.api(reassign, keys.opsKey);
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ dealerId: dealerA });

    const before = await snapshot(journeyId, customerId);
    expect((await sys.api({ method: 'GET', url: `/v1/journeys/${journeyId}` }, keys.dealerB)).statusCode).toBe(404);
    const lost = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/lost`, payload: { reason: 'gone' } }, keys.dealerB);
    expect(lost.statusCode).toBe(404);
    expect(lost.body).not.toContain(dealerA);
    expect(await snapshot(journeyId, customerId)).toEqual(before);
    const own = (await sys.api({ method: 'GET', url: `/v1/dealer/customers/${customerId}` }, keys.dealerB)).json();
    expect(own).toMatchObject({ standing: 'FORMER', now: null, ownership: [{ owner: 'DEALER_SALES', reason: 'HANDOFF_ACCEPTED', until: expect.any(String) }] });

    const ledger = (await sys.api({ method: 'GET', url: `/v1/customers/${customerId}/ownership` }, keys.dealerA)).json();
    expect(ledger.changes.at(-1)).toMatchObject({ to: { dealerId: dealerA }, reason: "REASSIGNED: customer moved to A's area", actor: 'ops:ops on call' });
    const page = (await sys.api({ method: 'GET', url: '/v1/dealer/customers' }, keys.dealerB)).json();
    expect(page.items.find((c: { journeyId: string }) => c.journeyId === journeyId)).toMatchObject({ current: false, contact: null });
  });

  it('a dealer key reads its own dealer record only', async () => {
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/${dealerA}` }, keys.dealerA)).statusCode).toBe(200);
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/${dealerB}` }, keys.dealerA)).statusCode).toBe(404);
  });
});

describe('roles', () => {
  const oemOnly = () => [
    { method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email: `x.${randomUUID()}@example.com` } } },
    { method: 'POST', url: '/v1/leads/adf', payload: '<adf/>', headers: { 'content-type': 'application/xml' } },
    { method: 'POST', url: '/v1/dealers', payload: { id: `DLR-X-${tag}`, name: 'X', territory: ['999'], brands: [] } },
    { method: 'PATCH', url: `/v1/dealers/${dealerA}`, payload: { capacity: 1 } },
    { method: 'DELETE', url: `/v1/dealers/${dealerA}` },
    { method: 'POST', url: '/v1/api-keys', payload: { name: 'sneaky', role: 'OEM' } },
    { method: 'GET', url: '/v1/api-keys' },
    { method: 'DELETE', url: `/v1/api-keys/${randomUUID()}` },
    { method: 'POST', url: `/v1/journeys/journey-${randomUUID()}/disqualify`, payload: { reason: 'spam' } },
    { method: 'POST', url: '/v1/journey-policy/versions', payload: { changes: { salesWindowMs: 1000 }, reason: 'sneaky' } },
    { method: 'POST', url: '/v1/journey-policy/versions/1/rollout' },
    { method: 'POST', url: `/v1/customers/${randomUUID()}/engagements`, payload: { kind: 'CONFIGURATOR' } },
    // Web-form keys: a dealer must not open a door for leads under the OEM's campaigns.
    { method: 'POST', url: '/v1/form-keys', payload: { name: 'sneaky form', allowedOrigins: ['https://evil.example'] } },
    { method: 'GET', url: '/v1/form-keys' },
    { method: 'DELETE', url: `/v1/form-keys/${randomUUID()}` },
    // A dealer key could claim any customer by "reporting a sale" to them: the OEM's sales data only.
    { method: 'POST', url: '/v1/sales-reports', payload: `vin,model,saleDate,dealerId,email\nWVWZZZE1ZPP012399,ID.4,2026-11-01,${dealerA},x@example.com\n`, headers: { 'content-type': 'text/csv' } },
    // The same for the customer base: a dealer would make any customer "its owner" by a file.
    { method: 'POST', url: '/v1/customer-imports?source=CRM', payload: `email,vin,model,purchaseDate,sellingDealer\nx.${tag.toLowerCase()}@example.com,WVWZZZE1ZPP012398,ID.4,2026-11-01,${dealerA}\n`, headers: { 'content-type': 'text/csv' } },
    { method: 'GET', url: `/v1/customer-imports/${randomUUID()}/report` },
    // Captains and targets (issue 35): who steers the network, and by what, is the OEM's to set.
    { method: 'PUT', url: '/v1/captains', payload: { process: 'engagement', scope: { kind: 'NETWORK' }, userId: randomUUID() } },
    { method: 'PATCH', url: `/v1/captains/${randomUUID()}`, payload: { digestPaused: true } },
    { method: 'DELETE', url: `/v1/captains/${randomUUID()}` },
    { method: 'PUT', url: '/v1/kpi-targets', payload: { kpi: 'acceptRate', scope: { kind: 'NETWORK' }, period: '2026', target: 0.1 } },
    { method: 'DELETE', url: `/v1/kpi-targets/${randomUUID()}` },
  ] as const;
  /** Campaigns and recalls: a dealer would message every customer of the network, or its competitors'. */
  const campaignRoutes = () => [
    { method: 'POST', url: '/v1/segments/preview', payload: { filter: {} } },
    { method: 'POST', url: '/v1/segments', payload: { name: 'everyone', filter: {} } },
    { method: 'POST', url: '/v1/campaigns', payload: { name: 'x', purpose: 'PROMOTION', channels: ['EMAIL'], segmentId: randomUUID(), templates: { en: { subject: 's', text: 't' } }, defaultLanguage: 'en' } },
    { method: 'POST', url: '/v1/recalls', payload: { recallCode: 'R-1', vins: ['WVWZZZE1ZPP012397'] } },
    ...['start', 'pause', 'resume', 'cancel'].map((action) => ({ method: 'POST', url: `/v1/campaigns/${randomUUID()}/${action}` }) as const),
  ] as const;

  async function counts() {
    const [leads, dealers, apiKeys, dealerA_, policyVersions, salesReports, formKeys, customerImports] = await Promise.all([
      sys.db.lead.count(), sys.db.dealer.count(), sys.db.apiKey.count(), sys.db.dealer.findUniqueOrThrow({ where: { id: dealerA } }), sys.db.journeyPolicyVersion.count(),
      sys.db.salesReport.count(), sys.db.formKey.count(), sys.db.customerImport.count(),
    ]);
    const [segments, campaigns, captains, targets] = await Promise.all([sys.db.segment.count(), sys.db.campaign.count(), sys.db.processCaptain.count(), sys.db.kpiTarget.count()]);
    return { leads, dealers, apiKeys, capacity: dealerA_.capacity, active: dealerA_.active, policyVersions, salesReports, formKeys, customerImports, segments, campaigns, captains, targets };
  }

  it('OEM-only routes refuse dealer and ops keys (403) and callers without a valid key (401), changing nothing', async () => {
    const before = await counts();
    let caller = 0;
    for (const route of oemOnly()) {
      const label = `${route.method} ${route.url}`;
      expect((await sys.api(route, keys.dealerA)).statusCode, label).toBe(403);
      expect((await sys.api(route, keys.opsKey)).statusCode, label).toBe(403);
      // Each anonymous call from an address of its own: the anonymous rate limit is per address, and this test is not about it.
      const anonymous = await sys.api({ ...route, remoteAddress: `198.51.100.${++caller}` }, null);
      expect(anonymous.statusCode, label).toBe(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(anonymous.json()).toMatchObject({ type: expect.stringMatching(/unauthenticated$/), status: 401 });
      expect((await sys.api(route, 'l2l_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).statusCode, label).toBe(401);
      expect((await sys.api(route, 'not-a-key')).statusCode, label).toBe(401);
    }
    expect(await counts()).toEqual(before);
  });

  it('dealer actions are for dealer keys; reading is for every role', async () => {
    const { journeyId } = await journeyOfferedToB();
    for (const key of [keys.oem, keys.opsKey]) {
      expect((await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/accept` }, key)).statusCode).toBe(403);
      expect((await sys.api({ method: 'GET', url: '/v1/dealer/handoffs' }, key)).statusCode).toBe(403);
      expect((await sys.api({ method: 'GET', url: `/v1/journeys/${journeyId}` }, key)).statusCode).toBe(200);
    }
    expect((await sys.api({ method: 'GET', url: '/v1/dealers' }, keys.opsKey)).statusCode).toBe(200);
    expect((await sys.api({ method: 'GET', url: '/v1/dealers' }, keys.dealerA)).statusCode).toBe(403);
    // The journey policy: OEM and ops read it; a dealer does not.
    expect((await sys.api({ method: 'GET', url: '/v1/journey-policy' }, keys.opsKey)).statusCode).toBe(200);
    expect((await sys.api({ method: 'GET', url: '/v1/journey-policy' }, keys.dealerA)).statusCode).toBe(403);
  });

  it('delivery settings: the OEM and the dealer itself set them; ops read them; another dealer finds nothing; only ops redeliver', async () => {
    const settings = { webhookUrl: null, adfEmail: `crm.${tag.toLowerCase()}@autohaus.example` };
    for (const [key, status] of [[keys.oem, 200], [keys.dealerA, 200], [keys.opsKey, 403], [keys.dealerB, 404], [null, 401]] as const) {
      expect((await sys.api({ method: 'PUT', url: `/v1/dealers/${dealerA}/delivery`, payload: settings }, key)).statusCode, String(key)).toBe(status);
      expect((await sys.api({ method: 'POST', url: `/v1/dealers/${dealerA}/delivery/webhook-secret` }, key)).statusCode, String(key)).toBe(status === 200 ? 409 : status);
    }
    for (const [key, status] of [[keys.oem, 200], [keys.opsKey, 200], [keys.dealerA, 200], [keys.dealerB, 404]] as const) {
      expect((await sys.api({ method: 'GET', url: `/v1/dealers/${dealerA}/delivery` }, key)).statusCode).toBe(status);
    }
    for (const [key, status] of [[keys.oem, 200], [keys.opsKey, 200], [keys.dealerA, 403]] as const) {
      expect((await sys.api({ method: 'GET', url: `/v1/dealers/${dealerA}/deliveries` }, key)).statusCode).toBe(status);
    }
    for (const [key, status] of [[keys.dealerA, 200], [keys.oem, 403], [keys.opsKey, 403]] as const) {
      expect((await sys.api({ method: 'GET', url: '/v1/dealer/deliveries' }, key)).statusCode).toBe(status);
    }
    const redeliver = { method: 'POST', url: `/v1/dealers/${dealerA}/deliveries/${randomUUID()}/redeliver` } as const;
    for (const [key, status] of [[keys.oem, 403], [keys.dealerA, 403], [keys.opsKey, 404]] as const) {
      expect((await sys.api(redeliver, key)).statusCode).toBe(status);
    }
    // The privacy desk (OEM, ops): export and erasure; never a dealer, not even the customer's own.
    for (const url of [`/v1/customers/${randomUUID()}/export`]) {
      expect((await sys.api({ method: 'GET', url }, keys.dealerA)).statusCode).toBe(403);
      expect((await sys.api({ method: 'GET', url }, keys.opsKey)).statusCode).toBe(404);
    }
    expect((await sys.api({ method: 'POST', url: `/v1/customers/${randomUUID()}/erasure`, payload: { ground: 'CUSTOMER_REQUEST' } }, keys.dealerA)).statusCode).toBe(403);
    // Sales reports: OEM and ops read them, dealers do not.
    expect((await sys.api({ method: 'GET', url: `/v1/sales-reports/${randomUUID()}` }, keys.opsKey)).statusCode).toBe(404);
    expect((await sys.api({ method: 'GET', url: `/v1/sales-reports/${randomUUID()}` }, keys.dealerA)).statusCode).toBe(403);
    // Campaigns: only the OEM makes and runs them (the 401s are the routes' shared hook, shown above).
    const before = await counts();
    for (const route of campaignRoutes()) {
      expect((await sys.api(route, keys.dealerA)).statusCode, `${route.method} ${route.url}`).toBe(403);
      expect((await sys.api(route, keys.opsKey)).statusCode, `${route.method} ${route.url}`).toBe(403);
    }
    expect(await counts()).toEqual(before);
    // OEM and ops read them; a dealer sees neither campaigns nor segments (its recall tasks: its own).
    for (const url of ['/v1/campaigns', '/v1/segments', `/v1/campaigns/${randomUUID()}`, `/v1/campaigns/${randomUUID()}/targets.csv`, `/v1/campaigns/${randomUUID()}/vehicles`, `/v1/segments/${randomUUID()}/preview`]) {
      expect((await sys.api({ method: 'GET', url }, keys.dealerA)).statusCode, url).toBe(403);
      expect([200, 404], url).toContain((await sys.api({ method: 'GET', url }, keys.opsKey)).statusCode);
    }
    expect((await sys.api({ method: 'GET', url: '/v1/recall-tasks' }, keys.dealerA)).json()).toEqual({ items: [] });
    // Customer care: every role searches (a dealer its current customers only: the isolation matrix); consents
    // taken down on a call are the OEM's (ops read, dealers never).
    for (const key of [keys.oem, keys.opsKey, keys.dealerA]) expect((await sys.api({ method: 'GET', url: '/v1/customers?query=nobody.here%40example.com' }, key)).json()).toEqual({ items: [], more: false });
    const statement = { method: 'POST', url: `/v1/journeys/journey-${randomUUID()}/consents`, payload: { consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: false }], method: 'PHONE', wordingId: 'script-1' } } as const;
    for (const key of [keys.dealerA, keys.opsKey]) expect((await sys.api(statement, key)).statusCode).toBe(403);
    expect((await sys.api(statement, keys.oem)).statusCode).toBe(404);
    // A dealer's task list is the dealer's: the OEM and ops have the customer's 360 instead.
    for (const key of [keys.oem, keys.opsKey]) expect((await sys.api({ method: 'GET', url: '/v1/dealer/tasks' }, key)).statusCode).toBe(403);
    expect((await sys.api({ method: 'POST', url: '/v1/dealer/tasks/nope/done' }, keys.dealerA)).statusCode).toBe(404);
  });

  it('a key revoked by another process stops working within the cache TTL; revoked here, at once', async () => {
    // Two API processes' key stores over one database, with a short TTL for the test.
    const here = createApiKeyStore(sys.db, { cacheTtlMs: 300 });
    const elsewhere = createApiKeyStore(sys.db, { cacheTtlMs: 300 });
    const key = await here.create({ name: 'cached', role: 'OPS' });
    expect(await elsewhere.authenticate(key.key)).toMatchObject({ keyId: key.id });
    expect(await here.authenticate(key.key)).toMatchObject({ keyId: key.id });
    await here.revoke(key.id);
    expect(await here.authenticate(key.key)).toBeNull();
    expect(await elsewhere.authenticate(key.key)).toMatchObject({ keyId: key.id }); // still cached there...
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await elsewhere.authenticate(key.key)).toBeNull(); // ...for at most the TTL
  });

  it('a revoked or expired key is refused', async () => {
    const key = await createKey({ name: 'temp', role: 'OPS' });
    expect((await sys.api({ method: 'GET', url: '/v1/dealers' }, key)).statusCode).toBe(200);
    const id = (await sys.api({ method: 'GET', url: '/v1/api-keys' })).json().items.find((k: { name: string }) => k.name === 'temp').id;
    const revoked = await sys.api({ method: 'DELETE', url: `/v1/api-keys/${id}` });
    expect(revoked.json()).toMatchObject({ id, revokedAt: expect.any(String) });
    expect((await sys.api({ method: 'GET', url: '/v1/dealers' }, key)).statusCode).toBe(401);

    const expired = await createApiKeyStore(sys.db).create({ name: 'expired', role: 'OEM', expiresAt: new Date(Date.now() - 1000) });
    expect((await sys.api({ method: 'GET', url: '/v1/dealers' }, expired.key)).statusCode).toBe(401);
    // Keys are stored hashed: the secret is nowhere in the database.
    const row = await sys.db.apiKey.findUniqueOrThrow({ where: { id: expired.id } });
    // (the secret is everything after l2l_<prefix>_: base64url may itself contain "_")
    const secret = expired.key.split('_').slice(2).join('_');
    expect(secret.length).toBeGreaterThan(40);
    expect(JSON.stringify(row)).not.toContain(secret);
  });
});

describe('dealer administration', () => {
  it('creates, updates and deactivates a dealer; a deactivated dealer gets no hand-offs', async () => {
    const id = `DLR-C-${tag}`;
    const territory = `QC${tag}`;
    const created = await sys.api({
      method: 'POST', url: '/v1/dealers',
      payload: { id, name: 'Autohaus C', territory: [territory], brands: ['VW', 'CUPRA'], capacity: 5, acceptanceSlaMinutes: 30, timeZone: 'Europe/Vienna', businessHours: { MON: ['08:00', '18:00'], SAT: ['09:00', '13:00'] } },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ id, acceptanceSlaMinutes: 30, timeZone: 'Europe/Vienna', businessHours: { MON: ['08:00', '18:00'] }, active: true });
    expect((await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: 'again', territory: [], brands: [] } })).statusCode).toBe(409);

    // The dealer's own SLA sets the offer's deadline, counted in its opening hours (Vienna, Monday and Saturday).
    const lead = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', interest: { timeframe: 'NOW', model: 'ID.3' }, contact: { email: `c.${randomUUID()}@example.com`, postalCode: `${territory}9` } } });
    const offered = await eventually(async () => {
      const s: JourneyState = await sys.temporal.workflow.getHandle(lead.json().journeyId).query(journeyStateQuery);
      return s.handoff?.dealerId === id ? s : undefined;
    });
    const hours = { timeZone: 'Europe/Vienna', weekly: { MON: ['08:00', '18:00'], SAT: ['09:00', '13:00'] } } as const;
    expect(offered.handoff!.expiresAt).toBe(addOpenTime(offered.handoff!.offeredAt!, 30 * 60_000, hours));
    expect(Date.parse(offered.handoff!.expiresAt!) - Date.parse(offered.handoff!.offeredAt!)).toBeGreaterThanOrEqual(30 * 60_000);

    const changed = await sys.api({ method: 'PATCH', url: `/v1/dealers/${id}`, payload: { capacity: 9, businessHours: null } });
    expect(changed.json()).toMatchObject({ capacity: 9, businessHours: null, acceptanceSlaMinutes: 30 });
    const off = await sys.api({ method: 'DELETE', url: `/v1/dealers/${id}` });
    expect(off.json()).toMatchObject({ active: false });
    const lead2 = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', interest: { timeframe: 'NOW', model: 'ID.3' }, contact: { email: `c.${randomUUID()}@example.com`, postalCode: `${territory}8` } } });
    const escalated = await eventually(async () => {
      const s: JourneyState = await sys.temporal.workflow.getHandle(lead2.json().journeyId).query(journeyStateQuery);
      return s.stage === 'ESCALATED' ? s : undefined;
    });
    expect(escalated.handoff).toBeNull();
    expect((await sys.api({ method: 'PATCH', url: `/v1/dealers/${id}`, payload: { active: true } })).json()).toMatchObject({ active: true });
  });

  it.each([
    ['unknown field (no mass assignment)', { id: 'DLR-Y', name: 'Y', territory: [], brands: [], lastOfferedAt: '2020-01-01T00:00:00Z' }, 'body'],
    ['bad time zone', { id: 'DLR-Y', name: 'Y', territory: [], brands: [], timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['closing before opening', { id: 'DLR-Y', name: 'Y', territory: [], brands: [], businessHours: { MON: ['18:00', '08:00'] } }, 'businessHours.MON'],
    ['SLA too short', { id: 'DLR-Y', name: 'Y', territory: [], brands: [], acceptanceSlaMinutes: 1 }, 'acceptanceSlaMinutes'],
    ['lower-case id', { id: 'dlr-y', name: 'Y', territory: [], brands: [] }, 'id'],
  ])('refuses %s with a 400 naming the field', async (_label, payload, field) => {
    const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/); // no stack traces
    expect(await sys.db.dealer.findUnique({ where: { id: 'DLR-Y' } })).toBeNull();
  });

  it('validation errors on dealer actions name the field, and nothing reaches the journey', async () => {
    const { journeyId } = await journeyOfferedToB();
    const res = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/sale`, payload: { vehicle: { ...VALID_SALE.vehicle, vin: 'IOQ' } } }, keys.dealerB);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('vehicle.vin');
    const keyRes = await sys.api({ method: 'POST', url: '/v1/api-keys', payload: { name: 'd', role: 'DEALER' } });
    expect(keyRes.json().errors[0].field).toBe('dealerId');
    expect((await sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery)).stage).toBe('HANDED_OFF');
  });
});

describe('protection', () => {
  it('limits requests per key with a 429 problem and Retry-After; other keys are unaffected', async () => {
    const app = await buildApp({ db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue: sys.taskQueue, rateLimit: { max: 3, windowMs: 60_000 } });
    try {
      const asOps = apiCaller(app, keys.opsKey);
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await asOps({ method: 'GET', url: '/v1/dealers' }));
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
      expect(answers[3]!.headers['retry-after']).toBeDefined();
      expect(answers[3]!.json()).toMatchObject({ type: expect.stringMatching(/rate-limited$/), status: 429 });
      expect((await apiCaller(app, keys.oem)({ method: 'GET', url: '/v1/dealers' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('sends security headers and a request id, echoing a sane one from the caller', async () => {
    const res = await sys.api({ method: 'GET', url: '/v1/dealers', headers: { 'x-request-id': 'trace-12345678' } });
    expect(res.headers['x-request-id']).toBe('trace-12345678');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect((await sys.api({ method: 'GET', url: '/healthz' }, null)).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses bodies over the route limit with 413 problem+json', async () => {
    const res = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email: 'big@example.com' }, interest: { message: 'x'.repeat(70_000) } } });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('bodies', () => {
  it('takes a body-less action sent with a JSON content type, and refuses malformed or poisoned JSON with 400', async () => {
    const { journeyId } = await journeyOfferedToB();
    const accepted = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/accept`, headers: { 'content-type': 'application/json' } }, keys.dealerB);
    expect(accepted.statusCode, accepted.body).toBe(200);
    const malformed = await sys.api({ method: 'POST', url: '/v1/dealers', headers: { 'content-type': 'application/json' }, payload: '{"id":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/application\/problem\+json/);
    const poisoned = await sys.api({ method: 'POST', url: '/v1/dealers', headers: { 'content-type': 'application/json' }, payload: '{"id":"DLR-P","name":"P","territory":[],"brands":[],"__proto__":{"admin":true}}' });
    expect(poisoned.statusCode).toBe(400);
    expect(await sys.db.dealer.findUnique({ where: { id: 'DLR-P' } })).toBeNull();
  });
});
