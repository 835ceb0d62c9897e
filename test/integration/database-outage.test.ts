// A database that is down (restarting, cut off) is a 503 with Retry-After on every
// route, never a 500; nothing is half-written, and the client's retry with the same
// Idempotency-Key is answered once the database is back. Real PostgreSQL, reached
// through a TCP proxy the test cuts and restores as a restart would.
import { httpLogIn } from '../support/workspace-login.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createDb, type PrismaClient } from '../../platform/db.js';
import { apiCaller, createTestKey, silentLog, startSystem, type ApiCaller, type System } from '../support/system.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

let sys: System;
let proxy: TcpProxy;
let proxiedDb: PrismaClient;
let app: Awaited<ReturnType<typeof buildApp>>;
let asOem: ApiCaller;
let asDealer: ApiCaller;
let asOps: ApiCaller;
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const dealerId = `DLR-DB-${tag}`;

beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
  const url = new URL(sys.databaseUrl);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.port = String(proxy.port);
  proxiedDb = createDb(url.toString());
  app = await buildApp({ db: proxiedDb, temporal: sys.temporal, log: silentLog, taskQueue: sys.taskQueue, rateLimit: { max: 10_000, windowMs: 60_000 } });
  await sys.db.dealer.create({ data: { id: dealerId, name: 'Autohaus Outage', territory: [`QD${tag}`], brands: ['VW'] } });
  asOem = apiCaller(app, sys.oemKey);
  asDealer = apiCaller(app, await createTestKey(sys.db, 'DEALER', dealerId));
  asOps = apiCaller(app, await createTestKey(sys.db, 'OPS'));
});
afterAll(async () => {
  await app?.close();
  await proxiedDb?.$disconnect();
  await proxy?.close();
  await sys?.stop();
});

const lead = (email: string) => ({ source: 'WEB_FORM', interest: { model: 'ID.3' }, contact: { email } });

describe('the database goes away', () => {
  it('every route answers 503 with Retry-After while it is down, and works again once it is back', async () => {
    const customerId = randomUUID();
    const journeyId = `journey-${customerId}`;
    const calls: [ApiCaller, { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: string | object; headers?: Record<string, string> }][] = [
      [asOem, { method: 'POST', url: '/v1/leads', payload: lead(`down.${tag}@example.com`), headers: { 'idempotency-key': `outage-${tag}-1` } }],
      [asOem, { method: 'POST', url: '/v1/leads/adf', payload: `<adf><prospect><customer><contact><email>adf.${tag}@example.com</email></contact></customer></prospect></adf>`, headers: { 'content-type': 'application/xml' } }],
      [asOem, { method: 'POST', url: '/v1/imports?event=Outage%20Fair&date=2026-09-09', payload: `email\nfair.${tag}@example.com\n`, headers: { 'content-type': 'text/csv' } }],
      [asOem, { method: 'GET', url: '/v1/dealers' }],
      [asOem, { method: 'POST', url: '/v1/dealers', payload: { id: `DLR-DB2-${tag}`, name: 'New', territory: ['1'] } }],
      [asOem, { method: 'PATCH', url: `/v1/dealers/${dealerId}`, payload: { capacity: 3 } }],
      [asOem, { method: 'GET', url: '/v1/api-keys' }],
      [asOem, { method: 'POST', url: '/v1/api-keys', payload: { name: 'during outage', role: 'OPS' } }],
      [asOem, { method: 'PATCH', url: `/v1/customers/${customerId}/contact`, payload: { firstName: 'X' } }],
      [asOem, { method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'm', offer: 'o' } } }],
      [asOem, { method: 'POST', url: '/v1/form-keys', payload: { name: 'during outage', allowedOrigins: ['https://www.example.com'] } }],
      [asOem, { method: 'POST', url: '/v1/forms/pk_AAAAAAAAAAAAAAAAAAAAAAAA/leads', payload: { email: `form.${tag}@example.com` }, headers: { origin: 'https://www.example.com' } }],
      [asOps, { method: 'GET', url: `/v1/customers/${customerId}/ownership` }],
      [asOps, { method: 'GET', url: `/v1/imports/${randomUUID()}` }],
      [asDealer, { method: 'GET', url: '/v1/dealer/handoffs' }],
      [asDealer, { method: 'GET', url: '/v1/dealer/customers' }],
      [asDealer, { method: 'GET', url: `/v1/journeys/${journeyId}` }],
      [asDealer, { method: 'POST', url: `/v1/journeys/${journeyId}/accept` }],
    ];
    const before = { leads: await sys.db.lead.count(), customers: await sys.db.customer.count(), dealers: await sys.db.dealer.count(), keys: await sys.db.apiKey.count() };

    await proxy.cut();
    try {
      for (const [caller, call] of calls) {
        const res = await caller(call);
        const label = `${call.method} ${call.url}`;
        expect(res.statusCode, `${label}: ${res.body}`).toBe(503);
        expect(res.headers['retry-after'], label).toBe('5');
        expect(res.headers['content-type'], label).toMatch(/application\/problem\+json/);
        expect(res.json(), label).toMatchObject({ type: expect.stringMatching(/service-unavailable$/), status: 503 });
      }
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({ database: 'unreachable' });
      expect(health.headers['retry-after']).toBe('5');
    } finally {
      await proxy.restore();
    }
    expect({ leads: await sys.db.lead.count(), customers: await sys.db.customer.count(), dealers: await sys.db.dealer.count(), keys: await sys.db.apiKey.count() }).toEqual(before);

    // The client retries the same lead with the same key: taken once.
    const retried = await asOem(calls[0]![1]);
    expect(retried.statusCode, retried.body).toBe(202);
    expect(await sys.db.lead.count({ where: { idempotencyKey: `outage-${tag}-1` } })).toBe(1);
    expect((await asDealer({ method: 'GET', url: '/v1/dealer/handoffs' })).statusCode).toBe(200);
  });

  it('workspace pages answer 503 with Retry-After while it is down, never 500, and a session lives on after it', async () => {
    const email = `outage.${tag}@example.com`;
    const created = await sys.api({ method: 'POST', url: '/v1/users', payload: { email, name: 'Out Age', role: 'SALESPERSON', dealerId, password: 'a long enough password' } });
    expect(created.statusCode, created.body).toBe(201);
    const loginPage = await app.inject({ method: 'GET', url: '/workspace/login' });
    const token = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const form = (fields: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', payload: new URLSearchParams(fields).toString() });
    const signIn = (cookie: string, csrf: string) => {
      const { payload, ...headers } = form({ _csrf: csrf, email, password: 'a long enough password' });
      return app.inject({ method: 'POST', url: '/workspace/login', headers: { ...headers, cookie }, payload });
    };
    const anonymous = String(loginPage.headers['set-cookie']).split(';')[0]!;
    // The whole login (a password of their own at the first), through the same app.
    const signedIn = await httpLogIn((o) => app.inject(o), email, 'a long enough password');
    expect(signedIn.first.statusCode, signedIn.first.body).toBe(303);
    const cookie = signedIn.cookie!;

    await proxy.cut();
    try {
      for (const [label, res] of [
        ['login page', await app.inject({ method: 'GET', url: '/workspace/login' })],
        ['inbox', await app.inject({ method: 'GET', url: '/workspace', headers: { cookie } })],
        ['login', await signIn(anonymous, token(loginPage.body))],
      ] as const) {
        expect(res.statusCode, `${label}: ${res.body}`).toBe(503);
        expect(res.headers['retry-after'], label).toBe('5');
        expect(res.headers['content-type'], `${label}: ${res.body}`).toMatch(/text\/html/);
      }
    } finally {
      await proxy.restore();
    }
    expect((await app.inject({ method: 'GET', url: '/workspace', headers: { cookie } })).statusCode).toBe(200);
  });

  it('leads sent while the database restarts are 202 or 503, never 500; retried with their keys, each is stored exactly once', async () => {
    const emails = Array.from({ length: 60 }, (_, i) => `restart.${i}.${tag.toLowerCase()}@example.com`);
    const send = (i: number) => asOem({ method: 'POST', url: '/v1/leads', payload: lead(emails[i]!), headers: { 'idempotency-key': `restart-${tag}-${i}` } });
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    const inFlight = range(0, 20).map(send); // sent as the restart lands
    await proxy.cut();
    const duringOutage = await Promise.all(range(20, 40).map(send));
    await proxy.restore();
    const afterwards = range(40, 60).map(send);
    const first = [...(await Promise.all(inFlight)), ...duringOutage, ...(await Promise.all(afterwards))];
    const statuses = first.map((r) => r.statusCode);
    expect(statuses.filter((s) => s !== 202 && s !== 503), first.find((r) => r.statusCode !== 202 && r.statusCode !== 503)?.body).toEqual([]);
    expect(duringOutage.map((r) => r.statusCode)).toEqual(range(20, 40).map(() => 503));
    expect(duringOutage.every((r) => r.headers['retry-after'] === '5')).toBe(true);
    const retried = await Promise.all(first.map((r, i) => (r.statusCode === 503 ? send(i) : r)));
    expect(retried.map((r) => r.statusCode)).toEqual(emails.map(() => 202));
    const stored = await sys.db.lead.findMany({ where: { idempotencyKey: { startsWith: `restart-${tag}-` } }, select: { customerId: true } });
    expect(stored).toHaveLength(60);
    expect(new Set(stored.map((l) => l.customerId)).size).toBe(60);
  });
});
