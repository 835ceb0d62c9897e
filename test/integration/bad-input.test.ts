// What an outside test found the API let through (issue 18): XML with declarations,
// ADF prospects held to weaker rules than JSON leads, control characters reaching
// PostgreSQL, implausible times, over-long path parameters, the OEM locking itself out.
// Every case: a 4xx problem naming the field, and nothing written.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyStore } from '../../platform/api-keys.js';
import { apiCaller, eventually, startSystem, type System } from '../support/system.js';

let sys: System;
const tag = randomUUID().slice(0, 8);
const dealerId = `DLR-BAD-${tag.toUpperCase()}`;
let dealerKey = '';

beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
  expect((await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id: dealerId, name: 'Autohaus Bad Input', territory: [`QX${tag.toUpperCase()}`], brands: ['VW'] } })).statusCode).toBe(201);
  dealerKey = (await sys.api({ method: 'POST', url: '/v1/api-keys', payload: { name: 'bad-input dealer', role: 'DEALER', dealerId } })).json().key;
});
afterAll(async () => {
  await sys?.stop();
});

const postAdf = (xml: string) => sys.api({ method: 'POST', url: '/v1/leads/adf', payload: xml, headers: { 'content-type': 'application/xml' } });

/** Rows that a refused request must not have written. */
async function counts() {
  const [customers, leads, dealers, apiKeys, imports] = await Promise.all([
    sys.db.customer.count(), sys.db.lead.count(), sys.db.dealer.count(), sys.db.apiKey.count(), sys.db.leadImport.count(),
  ]);
  return { customers, leads, dealers, apiKeys, imports };
}

async function expectRefused(res: { statusCode: number; headers: Record<string, unknown>; json(): { errors?: { field: string }[]; detail?: string } }, field: string, status = 400) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.json().errors?.map((e) => e.field), res.json().detail).toContain(field);
}

const prospect = (inner: string, contact = `<email>adf.${randomUUID().slice(0, 8)}@example.com</email>`) =>
  `<prospect>${inner}<customer><contact><name part="full">Ada Lovelace</name>${contact}</contact></customer></prospect>`;
const adf = (...prospects: string[]) => `<?xml version="1.0"?><?adf version="1.0"?><adf>${prospects.join('')}</adf>`;

describe('ADF documents', () => {
  it.each([
    ['an external entity', `<?xml version="1.0"?><!DOCTYPE adf [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><adf>${prospect('<requestdate>&xxe;</requestdate>')}</adf>`],
    ['internal entities ("billion laughs")', `<?xml version="1.0"?><!DOCTYPE adf [<!ENTITY a "lol"><!ENTITY g "&a;&a;&a;&a;">]><adf>${prospect('', '<email>g@example.com</email><name part="last">&g;</name>')}</adf>`],
    ['a bare DOCTYPE', `<?xml version="1.0"?><!DOCTYPE adf><adf>${prospect('')}</adf>`],
  ])('refuses %s with 400 naming adf, storing nothing', async (_label, xml) => {
    const before = await counts();
    const res = await postAdf(xml);
    await expectRefused(res, 'adf');
    expect(res.json().detail).toMatch(/document type declarations are not accepted/);
    expect(await counts()).toEqual(before);
  });

  it('holds every prospect to the JSON lead rules: a bad e-mail in the second prospect stores neither', async () => {
    const before = await counts();
    const res = await postAdf(adf(prospect(''), prospect('', '<email>nope</email>')));
    await expectRefused(res, 'adf.prospect[1].customer.contact.email');
    expect(await counts()).toEqual(before);
    expect(await sys.db.customer.findFirst({ where: { emailNormalized: 'nope' } })).toBeNull();
  });

  it.each([
    ['a date that does not exist', '2026-02-30T06:00:00+01:00', /datetime/i],
    ['a time in the future', '9999-12-31T00:00:00Z', /future/],
    ['a time before 2000', '1999-12-31T23:00:00Z', /before 2000/],
  ])('refuses a requestdate with %s, naming it', async (_label, date, message) => {
    const before = await counts();
    const res = await postAdf(adf(prospect(`<requestdate>${date}</requestdate>`)));
    await expectRefused(res, 'adf.prospect[0].requestdate');
    expect(res.json().detail).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it("keeps the customer's <comments> on the lead", async () => {
    const res = await postAdf(adf(prospect('', `<email>cmt.${tag}@example.com</email>`).replace('</contact></customer>', '</contact><comments>Bitte nur abends anrufen.</comments></customer>')));
    expect(res.statusCode, res.body).toBe(202);
    const lead = await sys.db.lead.findUniqueOrThrow({ where: { id: res.json().journeys[0].leadId } });
    expect(lead.message).toBe('Bitte nur abends anrufen.');
  });

  it('refuses a raw NUL byte and a reference to a control character', async () => {
    const before = await counts();
    await expectRefused(await postAdf(adf(prospect('', '<email>nul@example.com</email><name part="last">A\u0000B</name>'))), 'body');
    await expectRefused(await postAdf(adf(prospect('', '<email>nul@example.com</email><name part="last">A&#0;B</name>'))), 'adf');
    expect(await counts()).toEqual(before);
  });
});

describe('control characters', () => {
  const nul = 'a\u0000b';
  const cases = () => [
    ['POST /v1/dealers name', { method: 'POST', url: '/v1/dealers', payload: { id: `DLR-NUL-${tag.toUpperCase()}`, name: nul, territory: ['99'] } }, 'name'],
    ['POST /v1/dealers brands', { method: 'POST', url: '/v1/dealers', payload: { id: `DLR-NUL-${tag.toUpperCase()}`, name: 'n', territory: ['99'], brands: [nul] } }, 'brands.0'],
    ['PATCH /v1/dealers/:id name', { method: 'PATCH', url: `/v1/dealers/${dealerId}`, payload: { name: nul } }, 'name'],
    ['POST /v1/leads contact.firstName', { method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { firstName: nul, email: `n1.${tag}@example.com` } } }, 'contact.firstName'],
    ['POST /v1/leads campaign', { method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', campaign: nul, contact: { email: `n2.${tag}@example.com` } } }, 'campaign'],
    ['POST /v1/leads interest.message', { method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', interest: { message: nul }, contact: { email: `n3.${tag}@example.com` } } }, 'interest.message'],
    ['POST /v1/api-keys name', { method: 'POST', url: '/v1/api-keys', payload: { name: nul, role: 'OPS' } }, 'name'],
    ['GET /v1/dealers/A%00', { method: 'GET', url: '/v1/dealers/A%00' }, 'params.id'],
    ['a template variable', { method: 'POST', url: `/v1/customers/${randomUUID()}/communications`, payload: { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: nul, offer: 'x' } } }, 'variables.model'],
    ['a CSV cell', { method: 'POST', url: '/v1/imports?event=Nul%20Fair&date=2026-09-09', payload: `email;Vorname\nnul@example.com;A\u0000B\n`, headers: { 'content-type': 'text/csv' } }, 'body'],
  ] as const;

  it.each(cases())('%s: 400 naming the field, nothing written', async (_label, call, field) => {
    const before = await counts();
    const dealer = await sys.db.dealer.findUniqueOrThrow({ where: { id: dealerId } });
    await expectRefused(await sys.api({ ...call }), field);
    expect(await counts()).toEqual(before);
    expect(await sys.db.dealer.findUniqueOrThrow({ where: { id: dealerId } })).toEqual(dealer);
  });

  it('reassignment to a dealer id with a NUL: 400 naming to.dealerId', async () => {
    const ops = await createApiKeyStore(sys.db).create({ name: 'ops nul', role: 'OPS' });
    const res = await sys.api({ method: 'POST', url: `/v1/journeys/journey-${randomUUID()}/reassign`, payload: { to: { dealerId: 'A\u0000' }, reason: 'x' } }, ops.key);
    await expectRefused(res, 'to.dealerId');
  });

  it('a CSV row with another control character is refused whole, before anything is stored', async () => {
    const before = await counts();
    await expectRefused(await sys.api({ method: 'POST', url: '/v1/imports?event=Ctl%20Fair&date=2026-09-09', payload: `email\nctl\u0007@example.com\n`, headers: { 'content-type': 'text/csv' } }), 'body');
    expect(await counts()).toEqual(before);
  });
});

describe('path parameters and documented shapes', () => {
  it('a 300-character path parameter is a 400 problem naming it, not the router 414', async () => {
    const res = await sys.api({ method: 'GET', url: `/v1/dealers/${'A'.repeat(300)}` });
    await expectRefused(res, 'params.id');
  });

  it('businessHours takes the weekdays and refuses other keys, naming them', async () => {
    const ok = await sys.api({ method: 'PATCH', url: `/v1/dealers/${dealerId}`, payload: { businessHours: { MON: ['08:00', '18:00'], SAT: ['09:00', '13:00'] } } });
    expect(ok.statusCode, ok.body).toBe(200);
    const bad = await sys.api({ method: 'PATCH', url: `/v1/dealers/${dealerId}`, payload: { businessHours: { HOLIDAY: ['08:00', '18:00'] } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/HOLIDAY/);
  });
});

describe('implausible times', () => {
  it.each([
    ['far future', '9999-12-31T00:00:00Z', /future/],
    ['ten minutes ahead', () => new Date(Date.now() + 10 * 60_000).toISOString(), /future/],
    ['before 2000', '1970-01-01T00:00:00Z', /before 2000/],
  ])('a lead received at a %s time: 400 naming receivedAt', async (_label, at, message) => {
    const before = await counts();
    const receivedAt = typeof at === 'function' ? at() : at;
    const res = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', receivedAt, contact: { email: `t.${randomUUID()}@example.com` } } });
    await expectRefused(res, 'receivedAt');
    expect(res.json().detail).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('a lead received a minute ago (a client clock a little behind) is taken', async () => {
    const res = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', receivedAt: new Date(Date.now() - 60_000).toISOString(), contact: { email: `t.ok.${tag}@example.com` } } });
    expect(res.statusCode, res.body).toBe(202);
  });

  it('a sale on a day in the future is refused and the journey stays in sales', async () => {
    const lead = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', preferredDealerId: dealerId, interest: { model: 'ID.7', timeframe: 'NOW' }, contact: { email: `sale.${tag}@example.com` } } });
    const { journeyId } = lead.json();
    const dealer = apiCaller(sys.app, dealerKey);
    await eventually(async () => ((await dealer({ method: 'POST', url: `/v1/journeys/${journeyId}/accept` })).statusCode === 200 ? true : undefined));
    for (const soldOn of ['2999-01-01', '1999-12-31']) {
      const res = await dealer({ method: 'POST', url: `/v1/journeys/${journeyId}/sale`, payload: { vehicle: { vin: 'WVWZZZE1ZPP012345', model: 'ID.7', soldOn } } });
      await expectRefused(res, 'vehicle.soldOn');
    }
    expect((await dealer({ method: 'GET', url: `/v1/journeys/${journeyId}` })).json().stage).toBe('IN_SALES');
  });

  it.each([
    ['an import for an event in the future', { method: 'POST', url: '/v1/imports?event=Future%20Fair&date=2999-01-01', payload: 'email\nf@example.com\n', headers: { 'content-type': 'text/csv' } }, 'querystring.date'],
    ['a message held for more than ten years', { method: 'POST', url: `/v1/customers/${randomUUID()}/communications`, payload: { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'm', offer: 'o' }, notBefore: '2999-01-01T00:00:00Z' } }, 'notBefore'],
    ['a key expiring in 2999', { method: 'POST', url: '/v1/api-keys', payload: { name: 'long', role: 'OPS', expiresAt: '2999-01-01T00:00:00Z' } }, 'expiresAt'],
    // Issue 29: a caller never names an address, a recall is never a promotion, a policy fits its meaning.
    ['a message naming its own car (a reserved variable)', { method: 'POST', url: `/v1/customers/${randomUUID()}/communications`, payload: { purpose: 'PROMOTION', channel: 'IN_VEHICLE', templateId: 'model-launch', variables: { model: 'm', offer: 'o', vin: 'WVWZZZE1ZPP000001' } } }, 'variables.vin'],
    ['a recall notice sent as a promotion', { method: 'POST', url: `/v1/customers/${randomUUID()}/communications`, payload: { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'recall-notice', variables: { recallCode: 'R1' } } }, 'purpose'],
    ['an acceptance SLA of half a millisecond', { method: 'POST', url: '/v1/journey-policy/versions', payload: { changes: { handoffAcceptanceSlaMs: 0.5 }, reason: 'fuzz' } }, 'changes.handoffAcceptanceSlaMs'],
    ['a chase grace longer than the sales window', { method: 'POST', url: '/v1/journey-policy/versions', payload: { changes: { outcomeChaseGraceMs: 20 * 86_400_000, salesWindowMs: 10 * 86_400_000 }, reason: 'x' } }, 'changes.outcomeChaseGraceMs'],
  ] as const)('%s: 400 naming the field', async (_label, call, field) => {
    const before = await counts();
    await expectRefused(await sys.api({ ...call }), field);
    expect(await counts()).toEqual(before);
  });
});

describe('consent and web forms', () => {
  it.each([
    ['a form key for a page, not an origin', { method: 'POST', url: '/v1/form-keys', payload: { name: 'f', allowedOrigins: ['https://www.example.com/forms'] } }, 'allowedOrigins.0'],
    ['a form key for a plain-http site', { method: 'POST', url: '/v1/form-keys', payload: { name: 'f', allowedOrigins: ['http://www.example.com'] } }, 'allowedOrigins.0'],
    ['a consent for a purpose granted by API, without its proof', { method: 'POST', url: `/v1/customers/${randomUUID()}/consent`, payload: { channel: 'EMAIL', purpose: 'MARKETING', granted: true } }, 'granted'],
    ['a lead consent with a method only the platform records', { method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email: `c.${tag}@example.com` }, consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'w', method: 'DOUBLE_OPT_IN' }] } }, 'consents.0.method'],
    ['a confirmation link without its token', { method: 'GET', url: '/v1/consents/confirm' }, 'querystring.token'],
  ] as const)('%s: 400 naming the field', async (_label, call, field) => {
    const before = { ...(await counts()), formKeys: await sys.db.formKey.count(), consents: await sys.db.consentRecord.count() };
    await expectRefused(await sys.api({ ...call }), field);
    expect({ ...(await counts()), formKeys: await sys.db.formKey.count(), consents: await sys.db.consentRecord.count() }).toEqual(before);
  });
});

describe('the OEM cannot lock itself out', () => {
  it('refuses to revoke the last active OEM key (409) and revokes it once another exists', async () => {
    // Only this test's own OEM keys stay active, so "the last one" is well defined here.
    const store = createApiKeyStore(sys.db);
    const mine = await store.create({ name: 'the lead desk', role: 'OEM' });
    const others = await sys.db.apiKey.findMany({ where: { role: 'OEM', revokedAt: null, NOT: { id: mine.id } } });
    await sys.db.apiKey.updateMany({ where: { id: { in: others.map((k) => k.id) } }, data: { revokedAt: new Date() } });
    try {
      const asMine = apiCaller(sys.app, mine.key);
      const refused = await asMine({ method: 'DELETE', url: `/v1/api-keys/${mine.id}` });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ type: expect.stringMatching(/last-oem-key$/), detail: expect.stringMatching(/last active OEM key/) });
      expect((await asMine({ method: 'GET', url: '/v1/api-keys' })).statusCode).toBe(200);

      const second = (await asMine({ method: 'POST', url: '/v1/api-keys', payload: { name: 'second desk', role: 'OEM' } })).json();
      const revoked = await asMine({ method: 'DELETE', url: `/v1/api-keys/${mine.id}` });
      expect(revoked.statusCode, revoked.body).toBe(200);
      expect((await asMine({ method: 'GET', url: '/v1/api-keys' })).statusCode).toBe(401);
      // Two revocations racing for the last two keys: exactly one wins.
      const third = (await apiCaller(sys.app, second.key)({ method: 'POST', url: '/v1/api-keys', payload: { name: 'third desk', role: 'OEM' } })).json();
      const race = await Promise.all([
        apiCaller(sys.app, second.key)({ method: 'DELETE', url: `/v1/api-keys/${third.id}` }),
        apiCaller(sys.app, third.key)({ method: 'DELETE', url: `/v1/api-keys/${second.id}` }),
      ]);
      // (the loser answers 409, or 401 when the winner revoked its key before it was checked).
      expect(race.filter((r) => r.statusCode === 200)).toHaveLength(1);
      expect(race.map((r) => r.statusCode).sort()[1]).toBeOneOf([401, 409]);
      expect(await sys.db.apiKey.count({ where: { id: { in: [second.id, third.id] }, revokedAt: null } })).toBe(1);
    } finally {
      await sys.db.apiKey.updateMany({ where: { id: { in: others.map((k) => k.id) } }, data: { revokedAt: null } });
    }
  });
});
