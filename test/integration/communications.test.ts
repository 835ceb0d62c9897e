// Contact arbitration through the API, decided by real journeys on the real Temporal
// server, e-mail delivered over real SMTP to a local SMTP server.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpTransport, logTransport } from '../../communications/transports.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { startSmtpServer } from '../support/smtp.js';
import { ANY_HOUR_POLICY, createTestKey, eventually, silentLog, startSystem, type System } from '../support/system.js';

let sys: System;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const territory = `QM${tag}`;
const dealerId = `DLR-M-${tag}`;
let dealerKey = '';

// Quiet hours off and a post-purchase cool-down of one second: these tests run in real time.
const journeyPolicy = { ...ANY_HOUR_POLICY, postPurchasePromotionCoolDownMs: 1_000 };

beforeAll(async () => {
  smtp = await startSmtpServer();
  sys = await startSystem({ kinds: ['journeys'], journeyPolicy, transports: { email: smtpTransport(smtp.url, silentLog), other: logTransport(silentLog) } });
  const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id: dealerId, name: 'Autohaus Mitte & Söhne', territory: [territory], brands: ['VW'] } });
  expect(res.statusCode, res.body).toBe(201);
  dealerKey = await createTestKey(sys.db, 'DEALER', dealerId);
});
afterAll(async () => {
  await sys?.stop();
  await smtp?.stop();
});

/** A customer in the US (opt-out law): these tests are about who may speak and when; EU opt-in is consent.test.ts's. */
async function newCustomer(contact: Record<string, string> = {}, hot = false) {
  const email = `ada.${randomUUID().slice(0, 8)}@example.com`;
  const res = await sys.api({
    method: 'POST', url: '/v1/leads',
    payload: { source: 'WEB_FORM', interest: { model: 'ID.7', timeframe: hot ? 'NOW' : 'LATER' }, contact: { firstName: 'Ada', email, postalCode: `${territory}1`, country: 'US', ...contact } },
  });
  const { customerId, journeyId } = res.json();
  const handle = sys.temporal.workflow.getHandle(journeyId);
  await eventually(async () => ((await handle.query(journeyStateQuery)).stage !== 'CAPTURED' ? true : undefined));
  return { customerId, journeyId, email, handle };
}

/** A hot lead in our dealer's territory, once the dealer can see the offer. */
async function offeredToDealer() {
  const c = await newCustomer({}, true);
  await eventually(async () => {
    const offers = (await sys.api({ method: 'GET', url: '/v1/dealer/handoffs' }, dealerKey)).json().items;
    return offers.some((o: { journeyId: string }) => o.journeyId === c.journeyId) ? true : undefined;
  });
  return c;
}

async function dealerOwnedCustomer() {
  const c = await offeredToDealer();
  expect((await sys.api({ method: 'POST', url: `/v1/journeys/${c.journeyId}/accept` }, dealerKey)).statusCode).toBe(200);
  const sold = await sys.api({ method: 'POST', url: `/v1/journeys/${c.journeyId}/sale`, payload: { vehicle: { vin: 'WVWZZZE1ZPP000777', model: 'ID.7', soldOn: '2026-11-20' } } }, dealerKey);
  expect(sold.statusCode, sold.body).toBe(200);
  await new Promise((r) => setTimeout(r, 1_100)); // the (one-second) post-purchase cool-down
  return c;
}

const promotion = { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'ID.7', offer: '0.99 % financing' } };
const ask = (customerId: string, body: object, key?: string) => sys.api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: body }, key);

describe('POST /v1/customers/:id/communications', () => {
  it('ALLOWED: the journey lets it through, the message goes out over SMTP, every step is logged', async () => {
    const { customerId, email } = await newCustomer({ firstName: 'Zoë' });
    const res = await ask(customerId, promotion);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ communicationId: expect.any(String), decision: 'ALLOWED' });
    const { communicationId } = res.json();

    const mail = await eventually(async () => smtp.inbox.find((m) => m.communicationId === communicationId));
    expect(mail).toMatchObject({ to: email, subject: 'The new ID.7 is here' });
    expect(mail.text).toContain('Hello Zoë');
    expect(mail.text).toContain('0.99 % financing');

    const log = await eventually(async () => {
      const items = (await sys.api({ method: 'GET', url: `/v1/customers/${customerId}/communications` })).json().items;
      return items[0]?.status === 'SENT' ? items : undefined;
    });
    expect(log[0]).toMatchObject({ communicationId, purpose: 'PROMOTION', sender: { kind: 'OEM', dealerId: null }, sentAt: expect.any(String) });
    expect(log[0].log.map((l: { kind: string; decision: string | null; outcome: string | null; transport: string | null }) => [l.kind, l.decision ?? l.outcome, l.transport]))
      .toEqual([['DECISION', 'ALLOWED', null], ['SEND_ATTEMPT', 'SENT', 'smtp']]);
    // Personal details never enter the journey's history: only who, why, how, when.
    const history = JSON.stringify(await sys.temporal.workflow.getHandle(`journey-${customerId}`).fetchHistory());
    expect(history).not.toContain('financing');
    expect(history).not.toContain(email);
  });

  it('a dealer offered the customer (not accepted) may not message them: 403 at the door, nothing stored (the journey would say NOT_OWNER)', async () => {
    const c = await offeredToDealer();
    const res = await ask(c.customerId, { purpose: 'SALES_FOLLOW_UP', channel: 'EMAIL', templateId: 'sales-follow-up', variables: { model: 'ID.7' } }, dealerKey);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ type: expect.stringMatching(/forbidden$/), detail: expect.stringMatching(/accept the hand-off first/) });
    expect(await sys.db.communication.count({ where: { customerId: c.customerId } })).toBe(0);
    // An unrelated dealer does not even learn the customer exists.
    const stranger = await createTestKey(sys.db, 'DEALER', (await sys.db.dealer.create({ data: { id: `DLR-S-${tag}`, name: 'S', territory: [], brands: [] } })).id);
    expect((await ask(c.customerId, promotion, stranger)).statusCode).toBe(404);
  });

  it("service reminders from the OEM go out in the owning dealer's name", async () => {
    const c = await dealerOwnedCustomer();
    const res = await ask(c.customerId, { purpose: 'SERVICE_REMINDER', channel: 'EMAIL', templateId: 'service-reminder', variables: { model: 'ID.7', bookingUrl: 'https://example.com/b' } });
    expect(res.json()).toMatchObject({ decision: 'ALLOWED', onBehalfOf: dealerId });
    const mail = await eventually(async () => smtp.inbox.find((m) => m.communicationId === res.json().communicationId));
    expect(mail.text).toContain('Autohaus Mitte & Söhne');
  });

  it('opt-out and withdrawn consent: marketing SUPPRESSED, legal notices still ALLOWED', async () => {
    const c = await newCustomer({ phone: `+4930${Math.floor(1_000_000 + Math.random() * 8_999_999)}` });
    expect((await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/consent`, payload: { channel: 'SMS', granted: false } })).statusCode).toBe(202);
    const sms = { purpose: 'TRANSACTIONAL', channel: 'SMS', templateId: 'appointment-confirmation', variables: { date: '2026-12-01' } };
    expect((await eventually(async () => {
      const r = (await ask(c.customerId, { ...sms, communicationId: randomUUID() })).json();
      return r.decision === 'SUPPRESSED' ? r : undefined;
    }))).toMatchObject({ reason: 'NO_CONSENT' });
    expect((await ask(c.customerId, promotion)).json().decision).toBe('ALLOWED'); // e-mail is still fine

    expect((await sys.api({ method: 'POST', url: `/v1/customers/${c.customerId}/opt-out` })).statusCode).toBe(202);
    const suppressed = await eventually(async () => {
      const r = (await ask(c.customerId, promotion)).json();
      return r.decision === 'SUPPRESSED' ? r : undefined;
    });
    expect(suppressed).toMatchObject({ reason: 'OPTED_OUT' });
    const recall = await ask(c.customerId, { purpose: 'LEGAL', channel: 'EMAIL', templateId: 'recall-notice', variables: { recallCode: '97X1' } });
    expect(recall.json().decision).toBe('ALLOWED');
  });

  it('two senders racing for one customer: never more ALLOWED than the cap; the rest DEFERRED, not dropped', async () => {
    const c = await dealerOwnedCustomer();
    const dealerPromo = { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'ID.Buzz', offer: 'service package' } };
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? ask(c.customerId, promotion) : ask(c.customerId, dealerPromo, dealerKey))));
    const decisions = answers.map((a) => a.json());
    expect(decisions.filter((d) => d.decision === 'ALLOWED')).toHaveLength(journeyPolicy.contactCapMax);
    expect(decisions.filter((d) => d.decision === 'DEFERRED')).toHaveLength(10 - journeyPolicy.contactCapMax);
    for (const d of decisions.filter((x) => x.decision === 'DEFERRED')) {
      expect(d).toMatchObject({ reason: 'FREQUENCY_CAP', until: expect.any(String) });
      expect(Date.parse(d.until) - Date.now()).toBeGreaterThan(6 * 24 * 3600_000);
    }
    const state = await c.handle.query(journeyStateQuery);
    expect(state.communications?.deferred).toHaveLength(7);
    expect(await sys.db.communication.count({ where: { customerId: c.customerId, status: 'DEFERRED' } })).toBe(7);
  });

  it('answers a retried request once (same communicationId), and refuses the id for another message', async () => {
    const { customerId } = await newCustomer();
    const communicationId = randomUUID();
    const first = await ask(customerId, { ...promotion, communicationId });
    const again = await ask(customerId, { ...promotion, communicationId });
    expect(again.json()).toEqual(first.json());
    expect(await sys.db.communication.count({ where: { id: communicationId } })).toBe(1);
    const other = await ask(customerId, { purpose: 'SURVEY', channel: 'EMAIL', templateId: 'satisfaction-survey', variables: { surveyUrl: 'https://x' }, communicationId });
    expect(other.statusCode).toBe(422);
  });

  it.each([
    ['an unknown template', { ...promotion, templateId: 'nope' }, 'templateId'],
    ['a missing template variable', { ...promotion, variables: { model: 'ID.7' } }, 'variables.offer'],
    ['an unknown purpose', { ...promotion, purpose: 'SPAM' }, 'purpose'],
    ['an unknown field', { ...promotion, priority: 'high' }, 'body'],
  ])('refuses %s with a 400 naming the field, asking no journey', async (_label, body, field) => {
    const { customerId } = await newCustomer();
    const res = await ask(customerId, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await sys.db.communication.count({ where: { customerId } })).toBe(0);
  });
});
