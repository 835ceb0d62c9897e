// Hand-offs reach the dealer (issue 10), on real parts: journeys on the Temporal dev server,
// a real HTTP receiver that verifies Standard Webhooks signatures with the reference library
// (and is down, then fails, then takes it), a real SMTP server receiving the ADF e-mail.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpTransport, logTransport } from '../../communications/transports.js';
import { parseAdf } from '../../intake/adf.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { startSmtpServer } from '../support/smtp.js';
import { createTestKey, eventually, silentLog, startSystem, type System } from '../support/system.js';

interface EventBody { type: string; timestamp: string; data: { reason?: string; actions: { accept: { url: string } } } & Record<string, unknown> }
interface Received { id: string; type: string; raw: string; headers: Record<string, string>; body: EventBody; verified: boolean; answered: number }
interface Attempt { attempt: number; target: string; outcome: string; statusCode: number | null; error: string | null }
interface Delivery { deliveryId: string; eventId: string; event: string; channel: string; status: string; detail: string | null; attempts: Attempt[] }

/** A dealer's CRM endpoint: verifies every request's signature, answers what the test scripts. */
class Receiver {
  readonly received: Received[] = [];
  /** Status codes to answer, in order; 200 once they run out. */
  script: number[] = [];
  secret = '';
  private server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c)).on('end', () => {
        let verified = false;
        try {
          new Webhook(this.secret).verify(raw, req.headers as Record<string, string>);
          verified = true;
        } catch { /* recorded as unverified */ }
        const answered = this.script.shift() ?? 200;
        const body = JSON.parse(raw) as EventBody;
        this.received.push({ id: String(req.headers['webhook-id']), type: body.type, raw, headers: req.headers as Record<string, string>, body, verified, answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  get url() {
    return `http://127.0.0.1:${this.port}/l2l-hook`;
  }
  async stop() {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    this.server = null;
  }
  /** What the dealer's CRM kept: each event id once, from the requests it answered 2xx. */
  taken(type?: string) {
    const ok = this.received.filter((r) => r.answered < 300 && (!type || r.type === type));
    return { ids: new Set(ok.map((r) => r.id)), requests: ok };
  }
}

let sys: System;
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
// Offers lapse after 8 s, sales windows after 3 s plus 2 s after the chase; deliveries give up
// after 6 s (the production schedule's shape, shrunk).
const journeyPolicy = {
  ...DEFAULT_POLICY, handoffAcceptanceSlaMs: 8_000, salesWindowMs: 3_000, outcomeChaseGraceMs: 2_000, quietHoursStartMinute: 0, quietHoursEndMinute: 0,
};
const schedule = { initialIntervalMs: 200, maximumIntervalMs: 1_000, giveUpAfterMs: 6_000 };

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  sys = await startSystem({
    journeyPolicy,
    transports: { email: logTransport(silentLog), other: logTransport(silentLog) },
    delivery: { schedule, email: smtpTransport(smtp.url, silentLog), oemName: 'Volkswagen AG', publicApiUrl: 'https://api.example.test' },
  });
});
afterAll(async () => {
  await sys?.stop();
  await smtp?.stop();
});

/** A dealer alone in its own territory, with a dealer key. */
async function dealer(name: string) {
  const id = `DLR-${name}-${tag}`;
  const territory = `${name.slice(0, 2)}${tag}`;
  const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${name}`, territory: [territory] } });
  expect(res.statusCode, res.body).toBe(201);
  return { id, territory, key: await createTestKey(sys.db, 'DEALER', id) };
}

/** A dealer whose webhook is a listening receiver (the secret from the answer, as the dealer would keep it). */
async function dealerWithWebhook(name: string, script: number[] = []) {
  const d = await dealer(name);
  const receiver = new Receiver();
  await receiver.start();
  receiver.script = script;
  const put = await sys.api({ method: 'PUT', url: `/v1/dealers/${d.id}/delivery`, payload: { webhookUrl: receiver.url, adfEmail: null } });
  expect(put.statusCode, put.body).toBe(200);
  receiver.secret = put.json().webhookSecret;
  return { ...d, receiver };
}

async function hotLead(territory: string, extra: Record<string, unknown> = {}) {
  const email = `kim.${randomUUID().slice(0, 8)}@example.com`;
  const phone = `+4930${Math.floor(1_000_000 + Math.random() * 8_999_999)}`;
  const res = await sys.api({
    method: 'POST', url: '/v1/leads',
    payload: {
      source: 'WEB_FORM', campaign: 'ID7-LAUNCH',
      interest: { model: 'ID.7 Pro', timeframe: 'NOW', message: 'Test drive on Saturday, please' },
      contact: { firstName: 'Kim', lastName: 'Schäfer', email, phone, postalCode: `${territory}1`, country: 'DE' },
      ...extra,
    },
  });
  expect(res.statusCode, res.body).toBe(202);
  const { customerId, journeyId } = res.json() as { customerId: string; journeyId: string };
  return { customerId, journeyId, email, phone };
}

const stage = (journeyId: string) => sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery);
const deliveriesOf = async (dealerId: string) => {
  const res = await sys.api({ method: 'GET', url: `/v1/dealers/${dealerId}/deliveries` });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: Delivery[] }).items;
};

describe('a dealer with a webhook', () => {
  it('configures it, is offered a lead on a listener that is down, then fails twice, then takes it: delivered once, signed, and accepts', async () => {
    const d = await dealer('WEBHOOK');
    const receiver = new Receiver();
    await receiver.start();
    const put = await sys.api({ method: 'PUT', url: `/v1/dealers/${d.id}/delivery`, payload: { webhookUrl: receiver.url, adfEmail: null } }, d.key);
    expect(put.statusCode, put.body).toBe(200);
    const settings = put.json();
    expect(settings.webhookSecret).toMatch(/^whsec_/);
    receiver.secret = settings.webhookSecret;
    // The secret is shown once: reading the settings never shows it, nor does setting the same URL again.
    const read = await sys.api({ method: 'GET', url: `/v1/dealers/${d.id}/delivery` }, d.key);
    expect(read.json()).toEqual({ dealerId: d.id, webhook: { url: receiver.url, secretCreatedAt: expect.any(String), previousSecretValidUntil: null }, adfEmail: null });
    const again = await sys.api({ method: 'PUT', url: `/v1/dealers/${d.id}/delivery`, payload: { webhookUrl: receiver.url, adfEmail: null } }, d.key);
    expect(again.json().webhookSecret).toBeUndefined();

    // Down for a while: the listener goes away and comes back on the same port.
    const port = receiver.port;
    await receiver.stop();
    receiver.script = [500, 500];
    const lead = await hotLead(d.territory);
    await eventually(async () => ((await deliveriesOf(d.id)).some((x) => x.attempts.length >= 1) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    await receiver.start(port);

    const offered = await eventually(async () => receiver.taken('handoff.offered').requests[0]);
    // Every request was signed with the dealer's secret; the CRM took the event once.
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(receiver.received.filter((r) => r.type === 'handoff.offered').map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(receiver.taken('handoff.offered').ids.size).toBe(1);
    expect(offered.body).toMatchObject({
      type: 'handoff.offered',
      data: {
        dealerId: d.id, customerId: lead.customerId, journeyId: lead.journeyId,
        customer: { firstName: 'Kim', lastName: 'Schäfer', email: lead.email, phone: lead.phone, postalCode: `${d.territory}1` },
        interest: { model: 'ID.7 Pro', timeframe: 'NOW', message: 'Test drive on Saturday, please', source: 'WEB_FORM', campaign: 'ID7-LAUNCH' },
        score: expect.any(Number),
        offer: { expiresAt: expect.any(String) },
        actions: { accept: { method: 'POST', url: `https://api.example.test/v1/journeys/${lead.journeyId}/accept` } },
      },
    });

    // The delivery log: the refused connections, the two 500s and the 200, in order.
    // The receiver has answered 200; the delivery records it just after (under load, a moment later).
    const delivery = await eventually(async () => (await deliveriesOf(d.id)).find((x) => x.event === 'handoff.offered' && x.status === 'DELIVERED'));
    expect(delivery!.eventId).toBe(offered.id);
    const answers = delivery!.attempts.map((a) => a.statusCode);
    expect(answers.slice(-3)).toEqual([500, 500, 200]);
    expect(answers.slice(0, -3).every((s) => s === null)).toBe(true);
    expect(delivery!.attempts[0]!.error).toBe('ECONNREFUSED');

    // The dealer accepts with the link it was sent, and is told the customer is assigned.
    const accept = await sys.api({ method: 'POST', url: new URL(offered.body.data.actions.accept.url).pathname }, d.key);
    expect(accept.statusCode, accept.body).toBe(200);
    const assigned = await eventually(async () => receiver.taken('customer.assigned').requests[0]);
    expect(assigned.body.data).toMatchObject({ customerId: lead.customerId, customer: { email: lead.email } });
    await receiver.stop();
  });

  it('the dealer sees its own deliveries only; ops redeliver; dealers and the OEM may not', async () => {
    const a = await dealer('OWNLOG');
    const b = await dealer('OTHERLOG');
    const receiver = new Receiver();
    await receiver.start();
    const put = await sys.api({ method: 'PUT', url: `/v1/dealers/${a.id}/delivery`, payload: { webhookUrl: receiver.url, adfEmail: null } });
    receiver.secret = put.json().webhookSecret;
    await hotLead(a.territory);
    await eventually(async () => receiver.taken('handoff.offered').requests[0]);
    const own = await sys.api({ method: 'GET', url: '/v1/dealer/deliveries' }, a.key);
    expect(own.json().items).toHaveLength(1);
    expect((await sys.api({ method: 'GET', url: '/v1/dealer/deliveries' }, b.key)).json().items).toEqual([]);
    // Another dealer's settings and log: as if they did not exist.
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/${a.id}/delivery` }, b.key)).statusCode).toBe(404);
    expect((await sys.api({ method: 'PUT', url: `/v1/dealers/${a.id}/delivery`, payload: { webhookUrl: 'https://evil.example/hook', adfEmail: null } }, b.key)).statusCode).toBe(404);
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/${a.id}/deliveries` }, b.key)).statusCode).toBe(403);
    const deliveryId = own.json().items[0].deliveryId;
    expect((await sys.api({ method: 'POST', url: `/v1/dealers/${a.id}/deliveries/${deliveryId}/redeliver` }, a.key)).statusCode).toBe(403);
    expect((await sys.api({ method: 'POST', url: `/v1/dealers/${a.id}/deliveries/${deliveryId}/redeliver` })).statusCode).toBe(403);
    // Ops redeliver with the same event id (the receiver drops the repeat by it).
    const ops = await createTestKey(sys.db, 'OPS');
    expect((await sys.api({ method: 'POST', url: `/v1/dealers/${b.id}/deliveries/${deliveryId}/redeliver` }, ops)).statusCode).toBe(404);
    const again = await sys.api({ method: 'POST', url: `/v1/dealers/${a.id}/deliveries/${deliveryId}/redeliver` }, ops);
    expect(again.statusCode, again.body).toBe(202);
    await eventually(async () => (receiver.received.filter((r) => r.type === 'handoff.offered').length === 2 ? true : undefined));
    const [first, second] = receiver.received.filter((r) => r.type === 'handoff.offered');
    expect(second!.id).toBe(first!.id);
    expect(receiver.taken('handoff.offered').ids.size).toBe(1);
    await receiver.stop();
  });

  it('a rotated secret: both sign during the grace period, and the new one alone after', async () => {
    const d = await dealer('ROTATE');
    const receiver = new Receiver();
    await receiver.start();
    const put = await sys.api({ method: 'PUT', url: `/v1/dealers/${d.id}/delivery`, payload: { webhookUrl: receiver.url, adfEmail: null } });
    const oldSecret = put.json().webhookSecret;
    const rotated = await sys.api({ method: 'POST', url: `/v1/dealers/${d.id}/delivery/webhook-secret?graceHours=1` }, d.key);
    expect(rotated.statusCode, rotated.body).toBe(201);
    const newSecret = rotated.json().webhookSecret;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.json().webhook.previousSecretValidUntil).not.toBeNull();
    receiver.secret = oldSecret; // a receiver not yet switched still verifies
    await hotLead(d.territory);
    const first = await eventually(async () => receiver.taken('handoff.offered').requests[0]);
    expect(first.verified).toBe(true);

    // No grace: the old secret stops signing at once.
    await sys.api({ method: 'POST', url: `/v1/dealers/${d.id}/delivery/webhook-secret?graceHours=0` });
    const latest = await sys.db.dealerDeliverySettings.findUniqueOrThrow({ where: { dealerId: d.id } });
    receiver.secret = oldSecret;
    await hotLead(d.territory);
    await eventually(async () => (receiver.received.length >= 2 ? true : undefined));
    expect(receiver.received[1]!.verified).toBe(false);
    const second = receiver.received[1]!;
    expect(new Webhook(latest.webhookSecret!).verify(second.raw, second.headers)).toMatchObject({ type: 'handoff.offered' });
    expect(second.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(first.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    await receiver.stop();
  });
});

describe('withdrawals, failures and redelivery', () => {
  it('an offer that lapses is withdrawn (SLA_EXPIRED); a receiver that never takes it ends FAILED with an ops task; ops redeliver once it is fixed', async () => {
    const d = await dealerWithWebhook('LAPSE', Array(1000).fill(503));
    const { receiver } = d;
    const lead = await hotLead(d.territory);

    const failed = await eventually(async () => (await deliveriesOf(d.id)).find((x) => x.event === 'handoff.offered' && x.status === 'FAILED'), 15_000);
    expect(failed.attempts.length).toBeGreaterThan(2);
    expect(failed.attempts.every((a) => a.statusCode === 503)).toBe(true);
    const task = await sys.db.journeyTask.findFirst({ where: { journeyId: lead.journeyId, kind: 'DELIVERY_FAILED' } });
    expect(task).toMatchObject({ assignee: 'OPS', status: 'OPEN' });
    expect(task!.detail).toContain('503');

    // The offer lapses (8 s): the dealer is told to stop, with why; the CRM is fixed by now.
    receiver.script = [];
    const withdrawn = await eventually(async () => receiver.taken('handoff.withdrawn').requests[0], 15_000);
    expect(withdrawn.body.data).toEqual({ dealerId: d.id, customerId: lead.customerId, journeyId: lead.journeyId, reason: 'SLA_EXPIRED' });
    expect((await stage(lead.journeyId)).stage).toBe('ESCALATED'); // no other dealer covers the territory

    // Redelivering the old offer now would hand out a customer the dealer no longer has: superseded.
    const ops = await createTestKey(sys.db, 'OPS');
    const again = await sys.api({ method: 'POST', url: `/v1/dealers/${d.id}/deliveries/${failed.deliveryId}/redeliver` }, ops);
    expect(again.statusCode, again.body).toBe(202);
    const superseded = await eventually(async () => (await deliveriesOf(d.id)).find((x) => x.deliveryId === failed.deliveryId && x.status === 'SUPERSEDED'));
    expect(superseded.detail).toBe('the offer closed before it was delivered');
    expect(receiver.taken('handoff.offered').requests).toEqual([]);
    await receiver.stop();
  });

  it('a customer who opts out while an offer waits: the offer is withdrawn (OPTED_OUT) and the dealer can no longer accept', async () => {
    const d = await dealerWithWebhook('OPTOUT');
    const { receiver } = d;
    const lead = await hotLead(d.territory);
    await eventually(async () => receiver.taken('handoff.offered').requests[0]);
    expect((await sys.api({ method: 'POST', url: `/v1/customers/${lead.customerId}/opt-out` })).statusCode).toBe(202);
    const withdrawn = await eventually(async () => receiver.taken('handoff.withdrawn').requests[0]);
    expect(withdrawn.body.data.reason).toBe('OPTED_OUT');
    expect(await stage(lead.journeyId)).toMatchObject({ stage: 'DISQUALIFIED', disqualifiedReason: 'OPTED_OUT', handoff: null });
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${lead.journeyId}/accept` }, d.key)).statusCode).toBe(409);
    await receiver.stop();
  });
});

describe('after the dealer accepts', () => {
  it('the outcome chase and the end of the sales window reach it, without the customer\'s details', async () => {
    const d = await dealerWithWebhook('CHASE');
    const { receiver } = d;
    const lead = await hotLead(d.territory);
    await eventually(async () => receiver.taken('handoff.offered').requests[0]);
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${lead.journeyId}/accept` }, d.key)).statusCode).toBe(200);

    const chase = await eventually(async () => receiver.taken('outcome.requested').requests[0], 15_000);
    expect(chase.body.data).toMatchObject({
      dealerId: d.id, journeyId: lead.journeyId,
      actions: { sale: { method: 'POST', url: `https://api.example.test/v1/journeys/${lead.journeyId}/sale` }, lost: expect.any(Object), noShow: expect.any(Object) },
    });
    const ended = await eventually(async () => receiver.taken('ownership.ended').requests[0], 15_000);
    expect(ended.body.data).toEqual({ dealerId: d.id, customerId: lead.customerId, journeyId: lead.journeyId, reason: 'SALES_WINDOW_EXPIRED' });
    expect(JSON.stringify([chase.body, ended.body])).not.toContain(lead.email);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    await receiver.stop();
  });
});

describe('a dealer with ADF e-mail into its CRM', () => {
  it('receives the offer as an ADF document over SMTP that our own ADF intake reads back to the same lead', async () => {
    const d = await dealer('ADFMAIL');
    const inbox = `leads+${tag.toLowerCase()}@crm.autohaus.example`;
    const put = await sys.api({ method: 'PUT', url: `/v1/dealers/${d.id}/delivery`, payload: { webhookUrl: null, adfEmail: inbox } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().webhookSecret).toBeUndefined();
    const lead = await hotLead(d.territory);

    const mail = await eventually(async () => smtp.inbox.find((m) => m.to === inbox && m.subject.includes(lead.journeyId)));
    expect(mail.subject).toBe(`New lead: ID.7 Pro (${lead.journeyId})`);
    const [prospect] = parseAdf(mail.text);
    const original = await sys.db.lead.findFirstOrThrow({ where: { customerId: lead.customerId } });
    expect(prospect!.lead).toEqual({
      source: 'ADF', campaign: 'Volkswagen AG',
      interest: { model: 'ID.7 Pro', timeframe: 'NOW', message: 'Test drive on Saturday, please' },
      contact: { firstName: 'Kim', lastName: 'Schäfer', email: lead.email, phone: lead.phone, postalCode: `${d.territory}1`, country: 'DE' },
      receivedAt: original.receivedAt.toISOString(),
    });
    expect(prospect!.vendor).toEqual({ id: d.id, name: 'Autohaus ADFMAIL' });
    expect(prospect!.providerKey).toBe(`adf:lead-to-loyalty:${lead.journeyId}`);

    // Posted back through POST /v1/leads/adf, it is the same customer's lead.
    const back = await sys.api({ method: 'POST', url: '/v1/leads/adf', headers: { 'content-type': 'application/xml' }, payload: mail.text });
    expect(back.statusCode, back.body).toBe(202);
    expect(back.json().journeys[0].customerId).toBe(lead.customerId);

    // The log says where it went.
    const [delivery] = await deliveriesOf(d.id);
    expect(delivery).toMatchObject({ channel: 'ADF_EMAIL', status: 'DELIVERED', attempts: [{ attempt: 1, target: inbox, outcome: 'DELIVERED', statusCode: null }] });
  });
});

describe('delivery settings refuse what cannot work', () => {
  it.each([
    [{ webhookUrl: 'http://crm.autohaus.example/hook', adfEmail: null }, 'webhookUrl', 'https:// (http:// only for this machine, in development)'],
    [{ webhookUrl: 'ftp://crm.autohaus.example/hook', adfEmail: null }, 'webhookUrl', 'an absolute http(s) URL'],
    [{ webhookUrl: 'AAA', adfEmail: null }, 'webhookUrl', 'an absolute http(s) URL'], // found by the fuzzer: was a 500
    [{ webhookUrl: 'https://user:pw@crm.autohaus.example/hook', adfEmail: null }, 'webhookUrl', 'no user name or password'],
    [{ webhookUrl: 'https://169.254.169.254/latest/meta-data', adfEmail: null }, 'webhookUrl', 'not an address inside a private network'],
    [{ webhookUrl: 'https://10.20.30.40/hook', adfEmail: null }, 'webhookUrl', 'not an address inside a private network'],
    [{ webhookUrl: null, adfEmail: 'not-an-address' }, 'adfEmail', ''],
    [{ webhookUrl: null }, 'adfEmail', ''],
  ])('%j → 400 naming %s, nothing stored', async (payload, field, message) => {
    const d = await dealer(`BAD${Math.floor(Math.random() * 1e6)}`);
    const res = await sys.api({ method: 'PUT', url: `/v1/dealers/${d.id}/delivery`, payload });
    expect(res.statusCode, res.body).toBe(400);
    const problem = res.json();
    expect(problem.errors[0].field).toBe(field);
    expect(problem.errors[0].message).toContain(message);
    expect(await sys.db.dealerDeliverySettings.findUnique({ where: { dealerId: d.id } })).toBeNull();
  });

  it('removing the webhook drops its secret: set again, it comes with a new one', async () => {
    const d = await dealer('REMOVE');
    const first = (await sys.api({ method: 'PUT', url: `/v1/dealers/${d.id}/delivery`, payload: { webhookUrl: 'https://crm.example/hook', adfEmail: null } })).json();
    await sys.api({ method: 'PUT', url: `/v1/dealers/${d.id}/delivery`, payload: { webhookUrl: null, adfEmail: null } });
    expect(await sys.db.dealerDeliverySettings.findUnique({ where: { dealerId: d.id } })).toMatchObject({ webhookUrl: null, webhookSecret: null });
    const second = (await sys.api({ method: 'PUT', url: `/v1/dealers/${d.id}/delivery`, payload: { webhookUrl: 'https://crm.example/hook', adfEmail: null } })).json();
    expect(second.webhookSecret).toMatch(/^whsec_/);
    expect(second.webhookSecret).not.toBe(first.webhookSecret);
  });

  it('rotating without a webhook is a 409; an unknown dealer a 404', async () => {
    const d = await dealer('NOHOOK');
    const rotate = await sys.api({ method: 'POST', url: `/v1/dealers/${d.id}/delivery/webhook-secret` });
    expect(rotate.statusCode, rotate.body).toBe(409);
    expect((await sys.api({ method: 'PUT', url: '/v1/dealers/DLR-NOBODY/delivery', payload: { webhookUrl: null, adfEmail: null } })).statusCode).toBe(404);
  });
});
