// Web forms on the OEM's site, in a real browser (Debian's chromium driven by playwright-core):
// the example page is served from its own origin and posts cross-origin to the API with a
// publishable form key. Allowed origin → 202 and one journey; a foreign origin → refused by
// CORS and nothing stored; honeypot filled → answered the same, no journey. The rules the
// browser cannot show (wordings, origin header, revoked keys, rate limit, captcha) are
// checked over HTTP against a real siteverify receiver.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../support/infra.js';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { siteverifyCaptcha } from '../../webforms/captcha.js';
import { startExampleFormServer } from '../../webforms/example/server.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { eventually, silentLog, startSystem, type System } from '../support/system.js';

const WORDING = 'web-newsletter-2026-en';

let sys: System;
let browser: Browser;
let apiUrl = '';
let site: Awaited<ReturnType<typeof startExampleFormServer>>;
let foreignSite: Awaited<ReturnType<typeof startExampleFormServer>>;
let formKey = { id: '', key: '' };

beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
  apiUrl = await sys.app.listen({ host: '127.0.0.1', port: 0 });
  const sitePort = await freePort();
  const created = await sys.api({
    method: 'POST', url: '/v1/form-keys',
    payload: { name: 'test-drive form', campaign: 'spring-test-drives', allowedOrigins: [`http://127.0.0.1:${sitePort}`], wordingIds: [WORDING] },
  });
  expect(created.statusCode, created.body).toBe(201);
  formKey = created.json();
  site = await startExampleFormServer({ apiUrl, formKey: formKey.key, wordingId: WORDING }, { host: '127.0.0.1', port: sitePort });
  // The same page on a site the key was not issued for.
  foreignSite = await startExampleFormServer({ apiUrl, formKey: formKey.key, wordingId: WORDING }, { host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await foreignSite?.close();
  await sys?.stop();
});

/** Fills and sends the example form in the browser; the status line it shows. */
async function submitInBrowser(url: string, email: string, options: { newsletter?: boolean; honeypot?: string } = {}): Promise<string> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.getByLabel('First name').fill('Lena');
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Postal code').fill('10115');
    if (options.newsletter) await page.getByLabel(/send me news and offers/).check();
    // A bot fills every field it finds; people never see this one.
    if (options.honeypot) await page.locator('#website').fill(options.honeypot, { force: true });
    await page.getByRole('button', { name: 'Send' }).click();
    const status = page.getByRole('status');
    await status.filter({ hasText: /\S/ }).waitFor();
    return (await status.textContent()) ?? '';
  } finally {
    await page.close();
  }
}

const customerByEmail = (email: string) => sys.db.customer.findFirst({ where: { emailNormalized: email } });

describe('the example form in a real browser', () => {
  it('from the key\'s own site: 202, one journey, the key\'s campaign, the consent with the browser\'s address and user agent', async () => {
    const email = `lena.${randomUUID().slice(0, 8)}@example.com`;
    expect(await submitInBrowser(site.url, email, { newsletter: true })).toBe('Thank you! Your dealer will be in touch.');
    const customer = (await customerByEmail(email))!;
    const leads = await sys.db.lead.findMany({ where: { customerId: customer.id } });
    expect(leads).toMatchObject([{ source: 'WEB_FORM', campaign: 'spring-test-drives', interestModel: 'ID.7' }]);
    const consents = await sys.db.consentRecord.findMany({ where: { customerId: customer.id } });
    expect(consents).toMatchObject([{ channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: WORDING, method: 'WEB_FORM', ip: '127.0.0.1', userAgent: expect.stringContaining('Chrome') }]);
    const state = await eventually(async () => {
      const s = await sys.temporal.workflow.getHandle(`journey-${customer.id}`).query(journeyStateQuery);
      return s.stage !== 'CAPTURED' ? s : undefined;
    });
    expect(state.leadCount).toBe(1);
    // A German customer: e-mail marketing waits for the double opt-in click.
    expect(state.consent).toMatchObject({ regime: 'OPT_IN', granted: [], awaitingConfirmation: [{ key: 'EMAIL:MARKETING' }] });
  });

  it('from a foreign site: the browser refuses it (CORS) and nothing is stored', async () => {
    const email = `mallory.${randomUUID().slice(0, 8)}@example.com`;
    expect(await submitInBrowser(foreignSite.url, email)).toBe('Sorry, the form could not be sent. Please try again.');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await customerByEmail(email)).toBeNull();
  });

  it('with the honeypot filled: answered like a real one, and no customer, lead or journey', async () => {
    const email = `bot.${randomUUID().slice(0, 8)}@example.com`;
    expect(await submitInBrowser(site.url, email, { honeypot: 'http://spam.example' })).toBe('Thank you! Your dealer will be in touch.');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await customerByEmail(email)).toBeNull();
  });
});

describe('form keys and what they allow', () => {
  const post = (key: string, body: object, headers: Record<string, string> = { origin: site.url.replace(/\/$/, '') }, app = sys.app) =>
    app.inject({ method: 'POST', url: `/v1/forms/${key}/leads`, payload: body, headers });
  const lead = () => ({ email: `p.${randomUUID().slice(0, 8)}@example.com` });

  it('refuses a wording the key was not issued with, a request without its site\'s Origin, and a revoked or unknown key; nothing is stored', async () => {
    const wrongWording = { ...lead(), consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'made-up' }] };
    const res = await post(formKey.key, wrongWording);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'consents.0.wordingId', message: 'not a wording registered with this form key' }]);
    expect((await post(formKey.key, lead(), {})).statusCode).toBe(403);
    expect((await post(formKey.key, lead(), { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await post('pk_thisisnotakeyatall12345', lead())).statusCode).toBe(404);
    const bad = await post(formKey.key, { email: 'not-an-address' });
    expect(bad.json().errors[0].field).toBe('email');
    expect(await customerByEmail(wrongWording.email)).toBeNull();

    const other = (await sys.api({ method: 'POST', url: '/v1/form-keys', payload: { name: 'old form', allowedOrigins: ['https://old.example'] } })).json();
    expect((await sys.api({ method: 'DELETE', url: `/v1/form-keys/${other.id}` })).json().revokedAt).not.toBeNull();
    expect((await post(other.key, lead(), { origin: 'https://old.example' })).statusCode).toBe(404);
    // A form key is no API key.
    expect((await sys.app.inject({ method: 'GET', url: '/v1/dealers', headers: { authorization: `Bearer ${formKey.key}` } })).statusCode).toBe(401);
  });

  it('a business customer\'s form: the lead is the company\'s, the person one of its people in their role; company details without its name are a 400', async () => {
    const person = lead();
    const res = await post(formKey.key, { ...person, postalCode: '10115', companyName: `Webform Flotte ${randomUUID().slice(0, 6)} GmbH`, fleetSize: 12, contactRole: 'PROCUREMENT' });
    expect(res.statusCode, res.body).toBe(202);
    const contact = await eventually(async () => (await sys.db.companyContact.findFirst({ where: { contact: { emailNormalized: person.email } }, include: { company: true } })) ?? undefined);
    expect(contact).toMatchObject({ role: 'PROCUREMENT', company: { kind: 'COMPANY', fleetSize: 12, postalCode: '10115' } });
    const lone = await post(formKey.key, { ...lead(), vatId: 'DE123456789' });
    expect(lone.statusCode).toBe(400);
    expect(lone.json().errors[0].field).toBe('companyName');
    const anonymous = await post(formKey.key, { ...lead(), companyName: 'Somebody Ltd' });
    expect(anonymous.json().errors[0].field).toBe('vatId');
  });

  it('answers a CORS preflight for the key\'s origin only', async () => {
    const preflight = (origin: string) => sys.app.inject({
      method: 'OPTIONS', url: `/v1/forms/${formKey.key}/leads`,
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    const ours = site.url.replace(/\/$/, '');
    expect((await preflight(ours)).headers['access-control-allow-origin']).toBe(ours);
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });

  describe('with a captcha and a tight rate limit', () => {
    let verifier: Server;
    let verifierUrl = '';
    let app: Awaited<ReturnType<typeof buildApp>>;
    const seen: string[] = [];

    beforeAll(async () => {
      // A siteverify endpoint as hCaptcha or Turnstile run it: a form post in, {success} out.
      verifier = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const form = new URLSearchParams(body);
          seen.push(`${form.get('secret')}:${form.get('response')}`);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ success: form.get('secret') === 's3cret' && form.get('response') === 'human-token' }));
        });
      });
      await new Promise<void>((resolve) => verifier.listen(0, '127.0.0.1', resolve));
      verifierUrl = `http://127.0.0.1:${(verifier.address() as AddressInfo).port}/siteverify`;
      app = await buildApp({
        db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue: sys.taskQueue,
        webForms: { captcha: siteverifyCaptcha({ url: verifierUrl, secret: 's3cret' }), perAddressPerMinute: 3 },
      });
    });
    afterAll(async () => {
      await app?.close();
      verifier?.close();
    });

    it('needs a solved captcha (checked with the provider), then takes the lead; the fourth post a minute from one address is 429', async () => {
      const noToken = await post(formKey.key, lead(), undefined, app);
      expect(noToken.json().errors).toEqual([{ field: 'captchaToken', message: 'required: solve the captcha' }]);
      const wrong = { ...lead(), captchaToken: 'bot-token' };
      expect((await post(formKey.key, wrong, undefined, app)).statusCode).toBe(400);
      expect(await customerByEmail(wrong.email)).toBeNull();
      const right = { ...lead(), captchaToken: 'human-token' };
      expect((await post(formKey.key, right, undefined, app)).statusCode).toBe(202);
      expect(await customerByEmail(right.email)).not.toBeNull();
      expect(seen).toEqual(['s3cret:bot-token', 's3cret:human-token']);
      const limited = await post(formKey.key, { ...lead(), captchaToken: 'human-token' }, undefined, app);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
    });

    it('a captcha provider that is down makes it a 503 with Retry-After, and nothing is stored', async () => {
      const down = await buildApp({
        db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue: sys.taskQueue,
        webForms: { captcha: siteverifyCaptcha({ url: `http://127.0.0.1:${await freePort()}/siteverify`, secret: 's3cret' }) },
      });
      try {
        const body = { ...lead(), captchaToken: 'human-token' };
        const res = await post(formKey.key, body, undefined, down);
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBeDefined();
        expect(await customerByEmail(body.email)).toBeNull();
      } finally {
        await down.close();
      }
    });
  });
});

describe('engagements from the site with the form key', () => {
  it('reach a known customer\'s journey; an unknown customer gets the same answer; other origins are refused', async () => {
    const email = `eng.${randomUUID().slice(0, 8)}@example.com`;
    const origin = site.url.replace(/\/$/, '');
    expect((await sys.app.inject({ method: 'POST', url: `/v1/forms/${formKey.key}/leads`, payload: { email }, headers: { origin } })).statusCode).toBe(202);
    const customer = (await customerByEmail(email))!;
    const handle = sys.temporal.workflow.getHandle(`journey-${customer.id}`);
    await eventually(async () => ((await handle.query(journeyStateQuery)).stage !== 'CAPTURED' ? true : undefined));
    const engage = (customerId: string, from = origin) => sys.app.inject({
      method: 'POST', url: `/v1/forms/${formKey.key}/engagements`, payload: { customerId, kind: 'CONFIGURATOR' }, headers: { origin: from },
    });
    expect((await engage(customer.id)).json()).toEqual({ received: true });
    await eventually(async () => ((await handle.query(journeyStateQuery)).engagements === 1 ? true : undefined));
    expect((await engage(randomUUID())).json()).toEqual({ received: true });
    expect((await engage(customer.id, 'https://evil.example')).statusCode).toBe(403);
    expect((await handle.query(journeyStateQuery)).engagements).toBe(1);
  });
});
