// Each dealer acts only on its own customers: the isolation matrix. For every way a
// dealership can stand with a customer — never involved, offered now, offer lapsed,
// offer declined, sales window ended, customer sold by another dealer, former owner
// after the customer came back in market to another dealer, current dealer — every
// customer route is called with that dealer's key, on the real API, Temporal server
// and database: the status, the body, and that nothing in the database or the journey changed.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import type { DealerStanding } from '../../domain/access.js';
import type { JourneyState } from '../../domain/journey.js';
import type { JourneyPolicy } from '../../domain/policy.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { apiCaller, customerSnapshot, eventually, silentLog, startSystem, type ApiCaller, type System } from '../support/system.js';

let sys: System;
/** Leads through this app start journeys whose offers lapse and sales windows end in seconds (cool-downs stay long). */
let fastApi: ApiCaller;
const FAST: JourneyPolicy = { ...DEFAULT_POLICY, handoffAcceptanceSlaMs: 3_000, salesWindowMs: 2_000, outcomeChaseGraceMs: 2_000 };
/** Leads through this app start journeys whose ownership cycle ends 4 s after the sale. */
let cycleApi: ApiCaller;
const SHORT_CYCLE: JourneyPolicy = { ...DEFAULT_POLICY, ownershipCycleMs: 4_000 };
const apps: Awaited<ReturnType<typeof buildApp>>[] = [];

const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const territory = `QI${tag}`;
/** The dealer under test: no SLA of its own, so under FAST its offers lapse in 3 s. */
const dealerA = `DLR-IA-${tag}`;
/** The other dealer, covering the territory; its own 60-minute SLA keeps its offers open. */
const dealerB = `DLR-IB-${tag}`;
const keys = { a: '', b: '', ops: '' };
const SALE = { vehicle: { vin: 'WVWZZZE1ZPP054321', model: 'ID.4', soldOn: '2026-11-02', price: 45900 } };
const FLEET_SALE = { vehicles: [{ ...SALE.vehicle, driver: { email: `driver.${tag.toLowerCase()}@example.com` } }] };

type Call = { method: 'GET' | 'POST' | 'PATCH' | 'PUT'; url: string; payload?: object };

/** Every route a dealer key can call about one customer, by what it does with them. */
function customerRoutes(journeyId: string, customerId: string): Record<string, Call> {
  return {
    'view journey': { method: 'GET', url: `/v1/journeys/${journeyId}` },
    'read ownership': { method: 'GET', url: `/v1/customers/${customerId}/ownership` },
    'read communications': { method: 'GET', url: `/v1/customers/${customerId}/communications` },
    'change contact': { method: 'PATCH', url: `/v1/customers/${customerId}/contact`, payload: { email: `hijack.${tag.toLowerCase()}@example.com` } },
    'opt out': { method: 'POST', url: `/v1/customers/${customerId}/opt-out` },
    'change consent': { method: 'POST', url: `/v1/customers/${customerId}/consent`, payload: { channel: 'EMAIL', granted: false } },
    'send message': { method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: { purpose: 'SALES_FOLLOW_UP', channel: 'EMAIL', templateId: 'sales-follow-up', variables: { model: 'ID.4' } } },
    accept: { method: 'POST', url: `/v1/journeys/${journeyId}/accept` },
    decline: { method: 'POST', url: `/v1/journeys/${journeyId}/decline`, payload: { reason: 'too far' } },
    sale: { method: 'POST', url: `/v1/journeys/${journeyId}/sale`, payload: SALE },
    'fleet sale': { method: 'POST', url: `/v1/journeys/${journeyId}/fleet-sale`, payload: FLEET_SALE },
    'read people': { method: 'GET', url: `/v1/customers/${customerId}/people` },
    lost: { method: 'POST', url: `/v1/journeys/${journeyId}/lost`, payload: { reason: 'bought elsewhere' } },
    'no-show': { method: 'POST', url: `/v1/journeys/${journeyId}/no-show` },
    'service visit': { method: 'POST', url: `/v1/journeys/${journeyId}/service-visits`, payload: { visitId: 'WS-9' } },
    complaint: { method: 'POST', url: `/v1/journeys/${journeyId}/complaints`, payload: { complaintId: 'C-9' } },
    'complaint resolved': { method: 'POST', url: `/v1/journeys/${journeyId}/complaints/C-9/resolution` },
    'recall repair': { method: 'POST', url: `/v1/journeys/${journeyId}/recall-repairs`, payload: { recallId: '00000000-0000-4000-8000-000000000001', vin: 'WVWZZZ1JZXW000001' } },
    'own history': { method: 'GET', url: `/v1/dealer/customers/${customerId}` },
    // A company's counterpart per process (issue 35): the customer's current dealer or the OEM.
    'name counterpart': { method: 'PUT', url: `/v1/customers/${customerId}/counterparts/maintenance`, payload: { contactId: '00000000-0000-4000-8000-000000000003' } },
    // Customer care's (issue 34): the OEM's only, whatever the dealer's standing.
    'record consents': { method: 'POST', url: `/v1/journeys/${journeyId}/consents`, payload: { consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: false }], method: 'PHONE', wordingId: 'script-1' } },
    'service appointment': { method: 'POST', url: `/v1/journeys/${journeyId}/service-appointments`, payload: { requestId: '00000000-0000-4000-8000-000000000002', reason: 'TYRES', preferredDate: new Date().toISOString().slice(0, 10) } },
  };
}

/** What each standing gets on each route, without the calls that would change the journey (those are tested on their own). */
const EXPECTED: Record<Exclude<DealerStanding, 'CURRENT'>, Record<string, number>> = {
  NONE: {
    'view journey': 404, 'read ownership': 404, 'read communications': 404, 'change contact': 404, 'opt out': 404, 'change consent': 404,
    'send message': 404, accept: 404, decline: 404, sale: 404, 'fleet sale': 404, lost: 404, 'no-show': 404, 'service visit': 404, complaint: 404,
    'complaint resolved': 404, 'own history': 404, 'read people': 404, 'recall repair': 404, 'record consents': 403, 'service appointment': 403,
    'name counterpart': 404,
  },
  OFFERED: {
    'view journey': 200, 'read ownership': 403, 'read communications': 403, 'change contact': 403, 'opt out': 403, 'change consent': 403,
    'send message': 403, sale: 403, 'fleet sale': 403, lost: 403, 'no-show': 403, 'service visit': 403, complaint: 403, 'complaint resolved': 403, 'own history': 200,
    'read people': 403, 'recall repair': 403, 'record consents': 403, 'service appointment': 403, 'name counterpart': 403,
  },
  FORMER: {
    'view journey': 404, 'read ownership': 404, 'read communications': 404, 'change contact': 404, 'opt out': 404, 'change consent': 404,
    'send message': 404, accept: 409, decline: 409, sale: 404, 'fleet sale': 404, lost: 404, 'no-show': 404, 'service visit': 404, complaint: 404,
    'complaint resolved': 404, 'own history': 200, 'read people': 404, 'recall repair': 404, 'record consents': 403, 'service appointment': 403,
    'name counterpart': 404,
  },
};
const PROBLEM_TYPE: Record<number, RegExp> = { 403: /forbidden$/, 404: /not-found$/, 409: /offer-closed$/ };

/** The customers dealer A's key finds by the customer's e-mail address and by their name (care's search). */
async function foundByA(customerId: string): Promise<boolean> {
  const c = await sys.db.customer.findUniqueOrThrow({ where: { id: customerId } });
  const found: string[] = [];
  for (const query of [c.emailNormalized!, `${c.firstName} ${c.emailNormalized!.slice(0, 10)}`]) {
    const res = await sys.api({ method: 'GET', url: `/v1/customers?query=${encodeURIComponent(query)}` }, keys.a);
    expect(res.statusCode, res.body).toBe(200);
    found.push(...res.json().items.map((h: { customerId: string }) => h.customerId));
  }
  return found.includes(customerId);
}

const snapshot = (journeyId: string, customerId: string) => customerSnapshot(sys, journeyId, customerId);

/** Calls every route in the standing's row with dealer A's key and checks status, body and that nothing changed. */
async function expectMatrixRow(standing: Exclude<DealerStanding, 'CURRENT'>, journeyId: string, customerId: string) {
  const routes = customerRoutes(journeyId, customerId);
  const before = await snapshot(journeyId, customerId);
  const seen: Record<string, number> = {};
  for (const [name, status] of Object.entries(EXPECTED[standing])) {
    const res = await sys.api({ ...routes[name]! }, keys.a);
    seen[name] = res.statusCode;
    if (status === 200) continue;
    expect(res.headers['content-type'], name).toMatch(/application\/problem\+json/);
    expect(res.json(), name).toMatchObject({ type: expect.stringMatching(PROBLEM_TYPE[status]!), status });
    // Nothing about who has the customer now, in any refusal.
    expect(res.body, name).not.toContain(dealerB);
  }
  expect(seen).toEqual(EXPECTED[standing]);
  // Care's search: a dealer finds only the customers it serves now.
  expect(await foundByA(customerId)).toBe(false);
  expect(await snapshot(journeyId, customerId)).toEqual(before);
  // The database still holds the customer's own e-mail, never the one a foreign dealer tried to set.
  expect((await sys.db.customer.findUniqueOrThrow({ where: { id: customerId } })).emailNormalized).not.toMatch(/^hijack/);
}

/** A hot lead in the shared territory that names dealer A as the customer's choice: A is offered it first. */
async function leadChoosingA(api: ApiCaller): Promise<{ journeyId: string; customerId: string }> {
  const res = await api({
    method: 'POST', url: '/v1/leads',
    payload: {
      source: 'WEB_FORM', preferredDealerId: dealerA, interest: { model: 'ID.4', timeframe: 'NOW' },
      contact: { firstName: 'Cleo', email: `cleo.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territory}1` },
    },
  });
  expect(res.statusCode, res.body).toBe(202);
  return res.json();
}

async function journeyState(journeyId: string): Promise<JourneyState> {
  return sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery);
}

/** Waits until the journey (and its read model, which access is decided from) shows the situation. */
async function until(journeyId: string, check: (s: JourneyState) => boolean, timeoutMs = 20_000): Promise<JourneyState> {
  return eventually(async () => {
    const s = await journeyState(journeyId);
    if (!check(s)) return undefined;
    const row = await sys.db.journey.findUnique({ where: { id: journeyId } });
    return row?.revision === s.revision ? s : undefined;
  }, timeoutMs);
}

const offeredTo = (dealerId: string) => (s: JourneyState) => s.stage === 'HANDED_OFF' && s.handoff?.dealerId === dealerId;

async function act(key: string, call: Call) {
  const res = await sys.api({ ...call }, key);
  expect(res.statusCode, `${call.method} ${call.url}: ${res.body}`).toBe(200);
  return res.json();
}

beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
  const apiWith = async (journeyPolicy: JourneyPolicy) => {
    const app = await buildApp({ db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue: sys.taskQueue, journeyPolicy });
    apps.push(app);
    return apiCaller(app, sys.oemKey);
  };
  fastApi = await apiWith(FAST);
  cycleApi = await apiWith(SHORT_CYCLE);
  for (const [id, sla] of [[dealerA, null], [dealerB, 60]] as const) {
    const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${id}`, territory: [territory], brands: ['VW'], acceptanceSlaMinutes: sla } });
    expect(res.statusCode, res.body).toBe(201);
  }
  const key = async (body: object) => (await sys.api({ method: 'POST', url: '/v1/api-keys', payload: body })).json().key as string;
  keys.a = await key({ name: 'A sales', role: 'DEALER', dealerId: dealerA });
  keys.b = await key({ name: 'B sales', role: 'DEALER', dealerId: dealerB });
  keys.ops = await key({ name: 'ops', role: 'OPS' });
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await sys?.stop();
});

describe('dealer isolation matrix (dealer A’s key)', () => {
  it('never involved: 404 on every route, as if the customer did not exist', async () => {
    const res = await sys.api({
      method: 'POST', url: '/v1/leads',
      payload: { source: 'WEB_FORM', preferredDealerId: dealerB, interest: { model: 'ID.4', timeframe: 'NOW' }, contact: { email: `nia.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territory}2` } },
    });
    const { journeyId, customerId } = res.json();
    await until(journeyId, offeredTo(dealerB));
    await expectMatrixRow('NONE', journeyId, customerId);
  });

  it('offered now: sees the journey and its own offer, may answer it, and nothing else until it accepts', async () => {
    const { journeyId, customerId } = await leadChoosingA(sys.api);
    await until(journeyId, offeredTo(dealerA));
    await expectMatrixRow('OFFERED', journeyId, customerId);
    const view = (await sys.api({ method: 'GET', url: `/v1/journeys/${journeyId}` }, keys.a)).json();
    expect(view).toMatchObject({ stage: 'HANDED_OFF', handoff: { dealerId: dealerA, tried: [dealerA] } });
    const history = (await sys.api({ method: 'GET', url: `/v1/dealer/customers/${customerId}` }, keys.a)).json();
    expect(history).toMatchObject({ standing: 'OFFERED', now: { stage: 'HANDED_OFF', contact: { firstName: 'Cleo' } }, offers: [{ kind: 'OFFERED' }], ownership: [], sales: [] });
    // Accepting makes A the current dealer: what it could not do a moment ago it now may.
    await act(keys.a, customerRoutes(journeyId, customerId).accept!);
    await until(journeyId, (s) => s.stage === 'IN_SALES');
    for (const name of ['read ownership', 'read communications'] as const) {
      expect((await sys.api({ ...customerRoutes(journeyId, customerId)[name]! }, keys.a)).statusCode, name).toBe(200);
    }
  });

  it('offer lapsed (SLA passed, offered to B): nothing but its own lapsed offer', async () => {
    const { journeyId, customerId } = await leadChoosingA(fastApi);
    await until(journeyId, offeredTo(dealerB));
    await expectMatrixRow('FORMER', journeyId, customerId);
    const history = (await sys.api({ method: 'GET', url: `/v1/dealer/customers/${customerId}` }, keys.a)).json();
    expect(history).toEqual({
      customerId, journeyId, standing: 'FORMER', now: null, ownership: [], sales: [],
      offers: [{ kind: 'OFFERED', reason: null, at: expect.any(String) }, { kind: 'TIMED_OUT', reason: null, at: expect.any(String) }],
    });
  });

  it('offer declined (offered to B): 409 on answering again, 404 elsewhere', async () => {
    const { journeyId, customerId } = await leadChoosingA(sys.api);
    await until(journeyId, offeredTo(dealerA));
    await act(keys.a, customerRoutes(journeyId, customerId).decline!);
    await until(journeyId, offeredTo(dealerB));
    await expectMatrixRow('FORMER', journeyId, customerId);
    const decline = await sys.api({ ...customerRoutes(journeyId, customerId).decline! }, keys.a);
    expect(decline.json().detail).toBe('the hand-off is no longer offered to your dealership');
  });

  it('sales window ended (fell back to the OEM): sees its own time in sales, not what became of the customer', async () => {
    const { journeyId, customerId } = await leadChoosingA(fastApi);
    await until(journeyId, offeredTo(dealerA));
    await act(keys.a, customerRoutes(journeyId, customerId).accept!);
    await until(journeyId, (s) => s.stage === 'QUALIFYING' && s.owner === 'OEM');
    await expectMatrixRow('FORMER', journeyId, customerId);
    const history = (await sys.api({ method: 'GET', url: `/v1/dealer/customers/${customerId}` }, keys.a)).json();
    expect(history.ownership).toEqual([{ owner: 'DEALER_SALES', reason: 'HANDOFF_ACCEPTED', from: expect.any(String), until: expect.any(String) }]);
    expect(JSON.stringify(history)).not.toMatch(/SALES_WINDOW_EXPIRED|QUALIFYING/);
    const list = (await sys.api({ method: 'GET', url: '/v1/dealer/customers' }, keys.a)).json().items;
    expect(list.find((c: { journeyId: string }) => c.journeyId === journeyId)).toEqual({
      journeyId, customerId, standing: 'FORMER', current: false, stage: null, offerExpiresAt: null, leadCount: null, lastLeadSource: null, stageChangedAt: null, contact: null,
    });
  });

  it('customer sold by another dealer (A lost the sale, ops gave it to B, B sold): A sees its own lost sale only', async () => {
    const { journeyId, customerId } = await leadChoosingA(sys.api);
    await until(journeyId, offeredTo(dealerA));
    const routes = customerRoutes(journeyId, customerId);
    await act(keys.a, routes.accept!);
    await act(keys.a, routes.lost!);
    await act(keys.ops, { method: 'POST', url: `/v1/journeys/${journeyId}/reassign`, payload: { to: { dealerId: dealerB }, reason: 'customer called B' } });
    await act(keys.b, routes.sale!);
    await until(journeyId, (s) => s.stage === 'DEALER_OWNED' && s.dealerId === dealerB);
    await expectMatrixRow('FORMER', journeyId, customerId);
    // A asking for its current customers in a stage never learns where a former customer went.
    const owned = (await sys.api({ method: 'GET', url: '/v1/dealer/customers?stage=DEALER_OWNED' }, keys.a)).json().items;
    expect(owned.map((c: { journeyId: string }) => c.journeyId)).not.toContain(journeyId);
  });

  it('former owner after the customer came back in market to another dealer: its own sale and ownership, nothing after', async () => {
    const { journeyId, customerId } = await leadChoosingA(cycleApi);
    await until(journeyId, offeredTo(dealerA));
    const routes = customerRoutes(journeyId, customerId);
    await act(keys.a, routes.accept!);
    await act(keys.a, routes.sale!);
    // The ownership cycle ends: back in market, offered to their own dealer A first; A declines, B takes it.
    await until(journeyId, offeredTo(dealerA));
    await act(keys.a, routes.decline!);
    await until(journeyId, offeredTo(dealerB));
    await act(keys.b, routes.accept!);
    await until(journeyId, (s) => s.dealerId === dealerB);
    await expectMatrixRow('FORMER', journeyId, customerId);
    const history = (await sys.api({ method: 'GET', url: `/v1/dealer/customers/${customerId}` }, keys.a)).json();
    expect(history.sales).toEqual([{ vin: SALE.vehicle.vin, model: 'ID.4', soldOn: '2026-11-02', price: 45900, at: expect.any(String) }]);
    expect(history.ownership.map((o: { owner: string; reason: string }) => [o.owner, o.reason])).toEqual([['DEALER_SALES', 'HANDOFF_ACCEPTED'], ['DEALER', 'SOLD']]);
    expect(history.ownership.every((o: { until: string | null }) => o.until !== null)).toBe(true);
    expect(history.offers.map((o: { kind: string }) => o.kind)).toEqual(['OFFERED', 'ACCEPTED', 'OFFERED', 'DECLINED']);
  });

  it('current dealer: reads everything about its customer and acts on it', async () => {
    const { journeyId, customerId } = await leadChoosingA(sys.api);
    await until(journeyId, offeredTo(dealerA));
    const routes = customerRoutes(journeyId, customerId);
    expect(await foundByA(customerId)).toBe(false);
    await act(keys.a, routes.accept!);
    expect(await foundByA(customerId)).toBe(true);
    for (const name of ['view journey', 'read ownership', 'read communications', 'own history', 'read people'] as const) {
      expect((await sys.api({ ...routes[name]! }, keys.a)).statusCode, name).toBe(200);
    }
    // A private customer has no fleet: the journey refuses, and no driver is written.
    const fleet = await sys.api({ ...routes['fleet sale']! }, keys.a);
    expect(fleet.statusCode, fleet.body).toBe(409);
    expect(await sys.db.customer.count({ where: { emailNormalized: FLEET_SALE.vehicles[0]!.driver.email } })).toBe(0);
    const contact = await sys.api({ method: 'PATCH', url: `/v1/customers/${customerId}/contact`, payload: { phone: '030 9876543' } }, keys.a);
    expect(contact.statusCode, contact.body).toBe(200);
    const message = await sys.api({ ...routes['send message']! }, keys.a);
    expect(message.statusCode, message.body).toBe(200);
    expect(message.json()).toMatchObject({ decision: expect.stringMatching(/ALLOWED|DEFERRED/) });
    await act(keys.a, routes.sale!);
    const list = (await sys.api({ method: 'GET', url: '/v1/dealer/customers?stage=DEALER_OWNED' }, keys.a)).json().items;
    expect(list.find((c: { journeyId: string }) => c.journeyId === journeyId)).toMatchObject({ standing: 'CURRENT', stage: 'DEALER_OWNED', contact: { phone: '+49309876543' } });
  });
});
