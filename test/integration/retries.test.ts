// Every retry lands once (issue 30): a dealer's or the OEM's action sent three times with one
// Idempotency-Key is one Update (its id from the caller, the action and the request), applied
// once and answered the same each time; the journey itself takes a repeated visit, complaint or
// reassignment once. And a first attempt whose deadline ran out (no worker: 503) is the same
// Update as its retry, which gets the first attempt's answer once the journey has taken it.
import { NativeConnection } from '@temporalio/worker';
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createWorkers } from '../../workers/journey-worker.js';
import { apiCaller, createTestKey, eventually, silentLog, startSystem, type System, sharedWorkflowBundle } from '../support/system.js';

let sys: System;
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const dealerId = `DLR-RT-${tag}`;
const otherDealer = `DLR-RU-${tag}`;
let dealerKey = '';

beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
  for (const [id, territory] of [[dealerId, `RT${tag}`], [otherDealer, `RU${tag}`]] as const) {
    expect((await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${id}`, territory: [territory], brands: ['VW'] } })).statusCode).toBe(201);
  }
  dealerKey = await createTestKey(sys.db, 'DEALER', dealerId);
});
afterAll(async () => {
  await sys?.stop();
});

async function offered(app = sys.app) {
  const res = await apiCaller(app, sys.oemKey)({
    method: 'POST', url: '/v1/leads',
    payload: { source: 'WEB_FORM', interest: { model: 'ID.7', timeframe: 'NOW' }, contact: { email: `r.${randomUUID().slice(0, 8)}@example.com`, postalCode: `RT${tag}1` } },
  });
  const { journeyId, customerId } = res.json();
  await eventually(async () => ((await sys.db.journey.findUnique({ where: { id: journeyId } }))?.offeredDealerId === dealerId ? true : undefined), 30_000);
  return { journeyId, customerId };
}

/** The same request three times, one Idempotency-Key: the answers, which must be one. */
async function thrice(url: string, payload: object | undefined, key: string | null) {
  const idem = `retry-${randomUUID()}`;
  const send = () => sys.api({ method: 'POST', url, ...(payload ? { payload } : {}), headers: { 'idempotency-key': idem } }, key);
  const answers = [await send(), await send(), await send()];
  for (const a of answers) expect(a.statusCode, a.body).toBe(answers[0]!.statusCode);
  expect(answers[1]!.json()).toEqual(answers[0]!.json());
  expect(answers[2]!.json()).toEqual(answers[0]!.json());
  return answers[0]!;
}

describe('the same action three times is one action, with one answer', () => {
  it('accept, sale, service visit, complaint and its resolution, then the OEM\'s reassignment: each once', async () => {
    const { journeyId, customerId } = await offered();
    const url = (path: string) => `/v1/journeys/${journeyId}/${path}`;
    const accepted = await thrice(url('accept'), undefined, dealerKey);
    expect(accepted.json()).toMatchObject({ stage: 'IN_SALES', dealerId });
    expect(await sys.db.handoffEvent.count({ where: { journeyId, kind: 'ACCEPTED' } })).toBe(1);

    const vin = `WVWZZZE1ZPP${randomInt(100_000, 999_999)}`;
    const sold = await thrice(url('sale'), { vehicle: { vin, model: 'ID.7', soldOn: '2026-11-20' } }, dealerKey);
    expect(sold.json()).toMatchObject({ stage: 'DEALER_OWNED' });
    expect(await sys.db.sale.count({ where: { customerId } })).toBe(1);

    // The review's case: one visit, three times, one key (and then the same visit under another key).
    const visited = await thrice(url('service-visits'), { visitId: `WS-${tag}` }, dealerKey);
    expect(visited.json().serviceVisits).toBe(1);
    const again = await sys.api({ method: 'POST', url: url('service-visits'), payload: { visitId: `WS-${tag}` }, headers: { 'idempotency-key': `another-${randomUUID()}` } }, dealerKey);
    expect(again.json().serviceVisits).toBe(1);
    expect(await sys.db.aftersalesEvent.count({ where: { journeyId, kind: 'SERVICE_VISIT' } })).toBe(1);

    await thrice(url('complaints'), { complaintId: `K-${tag}` }, dealerKey);
    await thrice(url(`complaints/K-${tag}/resolution`), undefined, dealerKey);
    // Opened again after its resolution (a late retry with another key): nothing new.
    const reopened = await sys.api({ method: 'POST', url: url('complaints'), payload: { complaintId: `K-${tag}` }, headers: { 'idempotency-key': `late-${randomUUID()}` } }, dealerKey);
    expect(reopened.json().complaint ?? null).toBeNull();
    expect(await sys.db.aftersalesEvent.count({ where: { journeyId, kind: 'COMPLAINT_OPENED' } })).toBe(1);
    expect(await sys.db.aftersalesEvent.count({ where: { journeyId, kind: 'COMPLAINT_RESOLVED' } })).toBe(1);

    const ledgerBefore = await sys.db.ownershipChange.count({ where: { customerId } });
    const moved = await thrice(url('reassign'), { to: { dealerId: otherDealer }, reason: 'customer moved' }, sys.oemKey);
    expect(moved.json()).toMatchObject({ dealerId: otherDealer, owner: 'DEALER' });
    expect(await sys.db.ownershipChange.count({ where: { customerId } })).toBe(ledgerBefore + 1);
    // To the dealer that has the customer already (another key): nothing changes.
    const same = await sys.api({ method: 'POST', url: url('reassign'), payload: { to: { dealerId: otherDealer }, reason: 'again' }, headers: { 'idempotency-key': `same-${randomUUID()}` } });
    expect(same.json().revision).toBe(moved.json().revision);
    expect(await sys.db.ownershipChange.count({ where: { customerId } })).toBe(ledgerBefore + 1);
  });

  it('a reassignment to the sales team that has the customer does not restart its sales window', async () => {
    const { journeyId } = await offered();
    const accepted = (await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/accept` }, dealerKey)).json();
    const again = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/reassign`, payload: { to: { dealerId }, reason: 'desk double-check' } });
    expect(again.json().sales.endsAt).toBe(accepted.sales.endsAt);
    expect(again.json().revision).toBe(accepted.revision);
  });
});

describe('a first attempt that ran out of time is the same Update as its retry', () => {
  it('no worker: the accept answers 503; the retry with the same key, once the worker is back, gets the one answer and one effect', async () => {
    const taskQueue = `journeys-retry-${randomUUID()}`;
    const app = await buildApp({ db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue, webhookTargets: { allowLoopback: true } });
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    try {
      const worker = await createWorkers(connection, { db: sys.db }, { taskQueue, workflowBundle: sharedWorkflowBundle(), kinds: ['journeys'] });
      const { journeyId } = await worker.runUntil(() => offered(app));
      // The worker is gone: the Update waits in Temporal; our deadline ends first.
      const asDealer = apiCaller(app, dealerKey);
      const key = { 'idempotency-key': `slow-${randomUUID()}` };
      const first = await asDealer({ method: 'POST', url: `/v1/journeys/${journeyId}/accept`, headers: key });
      expect(first.statusCode, first.body).toBe(503);
      expect(first.headers['retry-after']).toBeDefined();
      const back = await createWorkers(connection, { db: sys.db }, { taskQueue, workflowBundle: sharedWorkflowBundle(), kinds: ['journeys'] });
      await back.runUntil(async () => {
        const retried = await asDealer({ method: 'POST', url: `/v1/journeys/${journeyId}/accept`, headers: key });
        expect(retried.statusCode, retried.body).toBe(200);
        expect(retried.json()).toMatchObject({ stage: 'IN_SALES', dealerId });
        const third = await asDealer({ method: 'POST', url: `/v1/journeys/${journeyId}/accept`, headers: key });
        expect(third.json()).toEqual(retried.json());
      });
      expect(await sys.db.handoffEvent.count({ where: { journeyId, kind: 'ACCEPTED' } })).toBe(1);
      const history = await sys.temporal.workflow.getHandle(journeyId).fetchHistory();
      expect(history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length).toBe(1);
    } finally {
      await app.close();
      await connection.close();
    }
  }, 120_000);
});
