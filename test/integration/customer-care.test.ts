// Customer care (issue 34) on the real stack: the search over the read model by whatever an agent
// types, consents the customer states on the phone (recorded with proof once, however often the
// request is sent; the journey decides on them at once), and the care pages in Chromium — search →
// 360 → a consent withdrawn on the call → the next promotion suppressed; a complaint opened with
// the customer's dealer; erasure behind its confirmation step — and the customer's own page: the
// link by e-mail (a real SMTP receiver), consents changed there and the journey's decision
// following, details corrected, the data downloaded, erasure by a second link; German and English;
// forged, expired and other customers' links refused with nothing changed; axe-core on every page.
import { AxeBuilder } from '@axe-core/playwright';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../support/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { consentLinks } from '../../consent/links.js';
import { logTransport, smtpTransport } from '../../communications/transports.js';
import { DEV_CONSENT_LINK_SECRET } from '../../platform/config.js';
import { ANY_HOUR_POLICY, createTestKey, eventually, silentLog, startSystem, type System } from '../support/system.js';
import { startSmtpServer } from '../support/smtp.js';
import { recordHistoryFixture } from '../support/histories.js';
import { FIRST_PASSWORD, httpLogIn, logIn } from '../support/workspace-login.js';

const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const low = tag.toLowerCase();
const dealerA = `DLR-CA-${tag}`;
const territory = `CA${tag}`;
const VIN = 'WVWZZZE1ZPP0CARE1'.slice(0, 17);
const keys = { dealerA: '', ops: '' };
const people = { care: '', sales: '' };

let sys: System;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let browser: Browser;
let baseUrl = '';

type Lead = { journeyId: string; customerId: string };
async function lead(payload: object): Promise<Lead> {
  const res = await sys.api({ method: 'POST', url: '/v1/leads', payload });
  expect(res.statusCode, res.body).toBe(202);
  return res.json();
}
/** Until the lead's journey runs and shows in the read model (a message asked for before is refused: not started yet). */
const started = (l: Lead) => eventually(async () => (await sys.db.journey.findUnique({ where: { id: l.journeyId } })) ?? undefined, 20_000);
/** Until the offer to dealer A shows in the read model (which its key's access is decided from). */
const offeredToA = (journeyId: string) =>
  eventually(async () => ((await sys.db.journey.findUnique({ where: { id: journeyId } }))?.offeredDealerId === dealerA ? true : undefined), 20_000);
const stateOf = (journeyId: string) => sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery);
const search = async (query: string, key?: string) => {
  const res = await sys.api({ method: 'GET', url: `/v1/customers?query=${encodeURIComponent(query)}` }, key);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: { customerId: string; name: string; via: { name: string; role: string } | null; stage: string | null }[]; more: boolean };
};
const promotion = (customerId: string) => sys.api({
  method: 'POST', url: `/v1/customers/${customerId}/communications`,
  payload: { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'ID.7', offer: 'winter tyres' } },
});
/** Serious and critical findings of axe-core on the page as it is now. */
async function accessibilityProblems(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Anna: a customer of dealer A who bought a car (the search's and the browser's customer). */
let anna: Lead;
/** Uma: a prospect in the US (opt-out law: the OEM's promotions go to her until she objects). */
let uma: Lead;
/** Vera: another US prospect, whom the browser's agent has on the line. */
let vera: Lead;
/** A company with its decision-maker, Carl. */
let company: Lead;
const vatId = `DE9${String(Date.now()).slice(-8)}`;

beforeAll(async () => {
  smtp = await startSmtpServer();
  // Sale surveys a second after the sale: the survey's own page is tested with them.
  sys = await startSystem({ kinds: ['journeys'], journeyPolicy: { ...ANY_HOUR_POLICY, saleSurveyDelayMs: 1_000 }, transports: { email: smtpTransport(smtp.url, silentLog), other: logTransport(silentLog) } });
  baseUrl = await sys.app.listen({ host: '127.0.0.1', port: 0 });
  const dealer = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id: dealerA, name: `Autohaus ${tag}`, territory: [territory], brands: ['VW'] } });
  expect(dealer.statusCode, dealer.body).toBe(201);
  keys.dealerA = await createTestKey(sys.db, 'DEALER', dealerA);
  keys.ops = await createTestKey(sys.db, 'OPS');
  for (const [who, body] of [
    ['care', { email: `care.${low}@oem.example`, name: 'Cora Care', role: 'OEM_LEAD_DESK' }],
    ['sales', { email: `sales.${low}@a.example`, name: 'Sam Sales', role: 'SALESPERSON', dealerId: dealerA }],
  ] as const) {
    const res = await sys.api({ method: 'POST', url: '/v1/users', payload: { password: FIRST_PASSWORD, ...body } });
    expect(res.statusCode, res.body).toBe(201);
    people[who] = body.email;
  }
  anna = await lead({
    source: 'WEB_FORM', preferredDealerId: dealerA, interest: { model: 'ID.7', timeframe: 'NOW' },
    contact: { firstName: 'Anna', lastName: `Schmidt${tag}`, email: `anna.${low}@example.com`, phone: '+49 170 5551234', postalCode: `${territory}1` },
  });
  uma = await lead({ source: 'WEB_FORM', contact: { firstName: 'Uma', lastName: `Usher${tag}`, email: `uma.${low}@example.com`, country: 'US' } });
  vera = await lead({ source: 'WEB_FORM', contact: { firstName: 'Vera', lastName: `Vance${tag}`, email: `vera.${low}@example.com`, country: 'US' } });
  company = await lead({
    source: 'FAIR', event: 'IAA Transportation', contact: { firstName: 'Carl', lastName: `Contact${tag}`, email: `carl.${low}@example.com`, country: 'DE' },
    company: { name: `Kurier${tag} Logistik GmbH`, vatId, fleetSize: 12 },
  });
  for (const prospect of [uma, vera, company]) await started(prospect);
  // Anna is offered to her dealer, who accepts and sells her the car.
  await offeredToA(anna.journeyId);
  expect((await sys.api({ method: 'POST', url: `/v1/journeys/${anna.journeyId}/accept` }, keys.dealerA)).statusCode).toBe(200);
  const sale = await sys.api({ method: 'POST', url: `/v1/journeys/${anna.journeyId}/sale`, payload: { vehicle: { vin: VIN, model: 'ID.7', soldOn: '2026-11-02' } } }, keys.dealerA);
  expect(sale.statusCode, sale.body).toBe(200);
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
  await smtp?.stop();
});

describe('customer care', () => {
  it('finds a customer by what an agent types: e-mail or its part, phone in any form, name words in any order, postal code, company, VAT id, a company\'s person, a VIN', async () => {
    const only = async (query: string) => (await search(query)).items.map((h) => h.customerId);
    expect(await only(`anna.${low}@example.com`)).toEqual([anna.customerId]);
    expect(await only(`anna.${low}@`)).toEqual([anna.customerId]);
    for (const phone of ['0170 5551234', '+49 170 555 1234', '0049-170-5551234', '5551234']) expect(await only(phone), phone).toContain(anna.customerId);
    expect(await only(`schmidt${low} anna`)).toEqual([anna.customerId]);
    expect(await only(`Schmidt${tag} ${territory}1`)).toEqual([anna.customerId]);
    expect(await only(`Schmidt${tag} ZZ999`)).toEqual([]);
    expect(await only(VIN.toLowerCase())).toEqual([anna.customerId]);
    expect(await only(`kurier${low}`)).toEqual([company.customerId]);
    expect(await only(`${vatId.slice(0, 2)} ${vatId.slice(2)}`)).toEqual([company.customerId]);
    // The company's person leads to the company, whose journey it is.
    const carl = await search(`contact${low}`);
    expect(carl.items).toEqual([expect.objectContaining({ customerId: company.customerId, via: { customerId: expect.any(String), name: `Carl Contact${tag}`, role: 'DECISION_MAKER' } })]);
    expect(carl.more).toBe(false);
    // A limit below the matches: `more` says there are others.
    expect(await search(tag.slice(0, 6), undefined)).toMatchObject({ more: false });
    const limited = await sys.api({ method: 'GET', url: `/v1/customers?query=${encodeURIComponent(`example.com ${low}`)}&limit=1` });
    expect(limited.json()).toMatchObject({ items: [expect.anything()], more: true });
    // Bad queries are 400s naming `query`.
    for (const bad of ['a', ' x ', 'ab cd', '%%']) {
      const res = await sys.api({ method: 'GET', url: `/v1/customers?query=${encodeURIComponent(bad)}` });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().errors[0].field, bad).toBe('query');
    }
    expect((await sys.api({ method: 'GET', url: '/v1/customers' })).statusCode).toBe(400);
    // Ops search the network; the customer's current dealer finds her, not the others.
    expect((await search(`anna.${low}@`, keys.ops)).items.map((h) => h.customerId)).toEqual([anna.customerId]);
    expect((await search(`anna.${low}@`, keys.dealerA)).items.map((h) => h.customerId)).toEqual([anna.customerId]);
    expect((await search(`uma.${low}@`, keys.dealerA)).items).toEqual([]);
  });

  it('a consent the customer withdraws on the phone: its proof recorded once however often the request is sent, the next promotion suppressed; one given there waits for the click', async () => {
    const body = { consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: false }], method: 'PHONE', wordingId: 'care-call-script-v3' };
    expect((await promotion(uma.customerId)).json()).toMatchObject({ decision: 'ALLOWED' });
    // Refused before anything is written: a method a call cannot be, a consent twice, no such journey.
    for (const [bad, field] of [[{ ...body, method: 'EMAIL' }, 'method'], [{ ...body, consents: [body.consents[0], body.consents[0]] }, 'consents'], [{ ...body, wordingId: '' }, 'wordingId']] as const) {
      const res = await sys.api({ method: 'POST', url: `/v1/journeys/${uma.journeyId}/consents`, payload: bad });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.body).toContain(field);
    }
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/journey-${randomUUID()}/consents`, payload: body })).statusCode).toBe(404);
    expect(await sys.db.consentRecord.count({ where: { customerId: uma.customerId, method: 'PHONE' } })).toBe(0);
    // The same request three times (a timeout, a retry): one statement, the same answer.
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const res = await sys.api({ method: 'POST', url: `/v1/journeys/${uma.journeyId}/consents`, payload: body, headers: { 'idempotency-key': `call-${tag}` } });
      expect(res.statusCode, res.body).toBe(200);
      answers.push(res.json());
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[0].consent.refused).toContain('EMAIL:MARKETING');
    const records = await sys.db.consentRecord.findMany({ where: { customerId: uma.customerId, method: 'PHONE' } });
    expect(records).toEqual([expect.objectContaining({ channel: 'EMAIL', purpose: 'MARKETING', granted: false, wordingId: 'care-call-script-v3', recordedBy: expect.stringMatching(/^oem:/) })]);
    expect((await promotion(uma.customerId)).json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    // Under German law e-mail marketing given on the phone is asked for by a link: not in force before the click.
    const given = await sys.api({ method: 'POST', url: `/v1/journeys/${anna.journeyId}/consents`, payload: { ...body, consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }, { channel: 'POST', purpose: 'MARKETING', granted: true }] } });
    expect(given.statusCode, given.body).toBe(200);
    expect(given.json().consent).toMatchObject({ granted: expect.arrayContaining(['POST:MARKETING']), awaitingConfirmation: [expect.objectContaining({ key: 'EMAIL:MARKETING' })] });
    expect(given.json().consent.granted).not.toContain('EMAIL:MARKETING');
  });

  it('in Chromium: search → 360 → a consent withdrawn on the call → the next promotion suppressed; a complaint with her dealer; erasure only after its confirmation; axe finds nothing serious', async () => {
    const context = await browser.newContext(); // axe-core asks for a page of a context of its own
    const page = await context.newPage();
    await logIn(page, baseUrl, people.care);
    await page.goto(`${baseUrl}/workspace/care`);
    expect(await accessibilityProblems(page)).toEqual([]);
    // Vera had the OEM's promotion (opt-out law); she calls: no more offers by e-mail.
    expect((await promotion(vera.customerId)).json()).toMatchObject({ decision: 'ALLOWED' });
    await page.getByLabel(/Find a customer/).fill(`vance${low} vera`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: `Vera Vance${tag}` }).click();
    await page.waitForURL(new RegExp(`/workspace/care/${vera.customerId}`));
    expect(await page.locator('#stage').textContent()).toMatch(/QUALIFYING|CAPTURED/);
    const timeline = await page.locator('#timeline-entries').textContent();
    expect(timeline).toContain('Lead from web form');
    expect(timeline).toMatch(/promotion by email from the OEM: (allowed|sent)/);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'care-360');

    await page.getByLabel('Channel').selectOption('EMAIL');
    await page.getByLabel('Purpose').selectOption('MARKETING');
    await page.getByLabel('withdrawn').check();
    await page.getByRole('button', { name: 'Record it' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('email marketing withdrawn: recorded.');
    expect(await page.locator('#consent-refused').textContent()).toContain('email marketing');
    expect(await page.locator('#consent-records').textContent()).toContain(`email marketingwithdrawnphonecare-call-script-v1by oem:care.${low}@oem.example`);
    expect((await promotion(vera.customerId)).json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    expect(await sys.db.consentRecord.count({ where: { customerId: vera.customerId, method: 'PHONE' } })).toBe(1);

    // Anna, found by her car: she complains about her dealer.
    await page.goto(`${baseUrl}/workspace/care?query=${VIN}`);
    await page.getByRole('link', { name: `Anna Schmidt${tag}` }).click();
    expect(await page.locator('#stage').textContent()).toBe('DEALER_OWNED');
    expect(await page.locator('#vehicle-list').textContent()).toContain(VIN);
    // She wants her dealer's workshop, too: the dealer gets the task.
    await page.getByLabel('What for').selectOption('INSPECTION');
    await page.getByRole('button', { name: 'Ask the dealer to call back' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/Service appointment asked of the dealer \(inspection from/);
    expect(await sys.db.journeyTask.count({ where: { journeyId: anna.journeyId, assignee: dealerA, kind: 'SERVICE_APPOINTMENT' } })).toBe(1);
    await page.getByRole('button', { name: `Open a complaint with ${dealerA}` }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/Complaint care-.* opened/);
    const complaint = (await stateOf(anna.journeyId)).complaint;
    expect(complaint).toMatchObject({ complaintId: expect.stringMatching(/^care-/) });
    expect(await sys.db.journeyTask.count({ where: { journeyId: anna.journeyId, assignee: dealerA, kind: 'COMPLAINT_FOLLOW_UP' } })).toBe(1);

    // Erasure: its own page, and only with ERASE typed.
    await page.getByRole('link', { name: /Erase their personal data/ }).click();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('Type ERASE to confirm').fill('erase');
    await page.getByRole('button', { name: 'Erase for good' }).click();
    expect(await page.locator('main').textContent()).toContain('type ERASE to confirm');
    expect((await stateOf(anna.journeyId)).stage).toBe('DEALER_OWNED');
    await page.goBack();
    await page.getByLabel('Type ERASE to confirm').fill('ERASE');
    await page.getByRole('button', { name: 'Erase for good' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Personal data erased.');
    expect(await sys.db.journey.findUniqueOrThrow({ where: { id: anna.journeyId }, select: { stage: true } })).toEqual({ stage: 'ERASED' });
    expect((await search(`anna.${low}@`)).items).toEqual([]);
    await page.goto(`${baseUrl}/workspace/brands`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Brands');
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
  });

  it('the care pages are the OEM\'s and ops\' (a dealer\'s person gets the refusal page); their forms need the CSRF token', async () => {
    const { cookie } = await httpLogIn((o) => sys.app.inject(o), people.sales);
    for (const url of ['/workspace/care', `/workspace/care/${uma.customerId}`, `/workspace/care/${uma.customerId}/export.json`, `/workspace/care/${uma.customerId}/erasure`]) {
      expect((await sys.app.inject({ method: 'GET', url, headers: { cookie: cookie! } })).statusCode, url).toBe(403);
    }
    const forged = await sys.app.inject({ method: 'POST', url: `/workspace/journeys/${uma.journeyId}/opt-out`, headers: { cookie: cookie! }, payload: {} });
    expect([403]).toContain(forged.statusCode);
    expect((await stateOf(uma.journeyId)).optedOut).toBe(false);
  });
});

/** A customer of dealer A who bought a car just now (their sale survey follows a second later). */
async function customerOfA(firstName: string, vin: string): Promise<Lead> {
  const customer = await lead({
    source: 'WEB_FORM', preferredDealerId: dealerA, interest: { model: 'ID.3', timeframe: 'NOW' },
    contact: { firstName, lastName: `Buyer${tag}`, email: `${firstName.toLowerCase()}.${low}@example.com`, postalCode: `${territory}4` },
  });
  await offeredToA(customer.journeyId);
  expect((await sys.api({ method: 'POST', url: `/v1/journeys/${customer.journeyId}/accept` }, keys.dealerA)).statusCode).toBe(200);
  const sale = await sys.api({ method: 'POST', url: `/v1/journeys/${customer.journeyId}/sale`, payload: { vehicle: { vin, model: 'ID.3', soldOn: '2026-11-04' } } }, keys.dealerA);
  expect(sale.statusCode, sale.body).toBe(200);
  return customer;
}
/** The survey link in the customer's sale survey, on this test's server. */
async function surveyLinkOf(who: string): Promise<string> {
  const mail = await eventually(async () => smtp.inbox.find((m) => m.to.includes(`${who}.${low}@`) && m.subject === 'How did we do?'), 20_000);
  const url = new URL(/(https?:\/\/\S+\/survey\S*)/.exec(mail.text)![1]!);
  return `${baseUrl}${url.pathname}${url.search}`;
}

/** The link in the latest mail to `to` whose subject matches, on this test's server. */
async function linkIn(to: string, subject: RegExp): Promise<string> {
  const mail = await eventually(async () => smtp.inbox.filter((m) => m.to.includes(to) && subject.test(m.subject)).at(-1), 20_000);
  const url = new URL(/(https?:\/\/\S+\/my\S*)/.exec(mail.text)![1]!);
  return `${baseUrl}${url.pathname}${url.search}`;
}
const linksSent = (customerId: string) => sys.db.communication.count({ where: { customerId, templateId: { startsWith: 'my-page-link' } } });

describe("the customer's own page", () => {
  it('the request form answers alike for known and unknown addresses; a known one gets a link by e-mail, at most three an hour', async () => {
    const ask = (email: string, remoteAddress: string) => sys.app.inject({ method: 'POST', url: '/my', payload: { email, lang: 'en' }, remoteAddress });
    const unknown = await ask(`nobody.${low}@example.com`, '192.0.2.1');
    const known = await ask(`UMA.${low}@example.com`, '192.0.2.2');
    expect([unknown.statusCode, known.statusCode]).toEqual([200, 200]);
    expect(known.body).toBe(unknown.body);
    expect(await linkIn(`uma.${low}@example.com`, /^Your link to your data/)).toMatch(/\/my\?token=[\w.-]+&lang=en$/);
    expect(smtp.inbox.filter((m) => m.to.includes(`nobody.${low}`))).toEqual([]);
    // Five more at once (from five addresses): two of them get a link, the others are answered alike.
    await eventually(async () => ((await linksSent(uma.customerId)) === 1 ? true : undefined), 10_000);
    await Promise.all([4, 5, 6, 7, 8].map((n) => ask(`uma.${low}@example.com`, `192.0.2.${n}`)));
    await eventually(async () => ((await linksSent(uma.customerId)) === 3 ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await linksSent(uma.customerId)).toBe(3);
    // One address asking again and again is paused (and told so on a page).
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await ask(`x${i}.${low}@example.com`, '192.0.2.9')).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('in Chromium, in German on a phone: the link opens her page, a consent ticked there is in force at once, details corrected, data downloaded, erasure by a second link; axe finds nothing serious', async () => {
    const greta = await lead({ source: 'WEB_FORM', contact: { firstName: 'Greta', lastName: `Gruber${tag}`, email: `greta.${low}@example.com`, postalCode: '80331', country: 'DE' } });
    await started(greta);
    expect((await promotion(greta.customerId)).json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'de-DE', acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/my`);
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('Ihre E-Mail-Adresse').fill(`greta.${low}@example.com`);
    await page.getByRole('button', { name: 'Link senden' }).click();
    expect(await page.locator('#message').textContent()).toContain('Wenn wir diese Adresse kennen');
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.goto(await linkIn(`greta.${low}@example.com`, /^Ihr Link/));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hallo Greta');
    expect(await page.locator('#my-email').textContent()).toBe(`greta.${low}@example.com`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'my-page-de');
    // News by e-mail: ticked on the page opened from her mailbox, it needs no second click.
    await page.getByRole('group', { name: 'Neuigkeiten, Angebote und Service-Erinnerungen' }).getByLabel('E-Mail').check();
    await page.getByRole('button', { name: 'Auswahl speichern' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Ihre Auswahl ist gespeichert.');
    expect((await stateOf(greta.journeyId)).consent!.granted).toContain('EMAIL:MARKETING');
    expect((await promotion(greta.customerId)).json()).toMatchObject({ decision: 'ALLOWED' });
    expect(await sys.db.consentRecord.findMany({ where: { customerId: greta.customerId, method: 'PREFERENCE_CENTER' } })).toEqual([
      expect.objectContaining({ channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'my-page-consents-v1-de', ip: expect.any(String), userAgent: expect.stringContaining('Chrome') }),
    ]);
    await page.getByLabel('Ort').fill('München');
    await page.getByLabel('Telefon').fill('0171 2345678');
    await page.getByRole('button', { name: 'Speichern', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Gespeichert.');
    expect(await sys.db.customer.findUniqueOrThrow({ where: { id: greta.customerId }, select: { city: true, phoneE164: true } })).toEqual({ city: 'München', phoneE164: '+491712345678' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /herunterladen/ }).click()]);
    const data = JSON.parse(await streamText(await download.createReadStream()));
    expect(data).toMatchObject({ customerId: greta.customerId, contact: { email: `greta.${low}@example.com` } });
    // In English, on her choice.
    await page.getByRole('link', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello Greta');
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole('button', { name: 'Erase my data…' }).click();
    expect(await page.locator('#message').textContent()).toContain('We sent a link');
    expect((await stateOf(greta.journeyId)).stage).not.toBe('ERASED');
    await page.goto(await linkIn(`greta.${low}@example.com`, /^Please confirm: erase/));
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Yes, erase my data' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your data is erased');
    expect(await sys.db.journey.findUniqueOrThrow({ where: { id: greta.journeyId }, select: { stage: true } })).toEqual({ stage: 'ERASED' });
    await context.close();
  });

  it("a service appointment asked for on her page: a task for her dealer due in a day, a notice, in its list and workspace until done; once however often sent", async () => {
    const otto = await lead({
      source: 'WEB_FORM', preferredDealerId: dealerA, interest: { model: 'ID.3', timeframe: 'NOW' },
      contact: { firstName: 'Otto', lastName: `Owner${tag}`, email: `otto.${low}@example.com`, phone: '+49 171 5550001', postalCode: `${territory}2` },
    });
    await offeredToA(otto.journeyId);
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${otto.journeyId}/accept` }, keys.dealerA)).statusCode).toBe(200);
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${otto.journeyId}/sale`, payload: { vehicle: { vin: 'WVWZZZE1ZPP0TT771', model: 'ID.3', soldOn: '2026-11-03' } } }, keys.dealerA)).statusCode).toBe(200);
    const token = new URL(await consentLinks({ secret: DEV_CONSENT_LINK_SECRET, publicApiUrl: baseUrl }).myPageUrl(otto.customerId)).searchParams.get('token')!;
    const pageHtml = (await sys.app.inject({ method: 'GET', url: `/my?token=${token}&lang=en` })).body;
    expect(pageHtml).toContain('Ask for an appointment');
    const day = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const form = { token, lang: 'en', _submission: randomUUID(), reason: 'TYRES', preferredDate: day };
    for (let i = 0; i < 2; i++) {
      const sent = await sys.app.inject({ method: 'POST', url: '/my/appointments', payload: form });
      expect(sent.statusCode, sent.body).toBe(303);
    }
    const tasks = await sys.db.journeyTask.findMany({ where: { journeyId: otto.journeyId, kind: 'SERVICE_APPOINTMENT' } });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ assignee: dealerA, status: 'OPEN', detail: expect.stringContaining(`TYRES from ${day}`) });
    expect(Math.abs(tasks[0]!.dueAt.getTime() - Date.now() - 86_400_000)).toBeLessThan(60_000);
    const notice = await eventually(async () => (await sys.db.dealerNotice.findFirst({ where: { journeyId: otto.journeyId, kind: 'service.requested' } })) ?? undefined, 10_000);
    expect(notice).toMatchObject({ dealerId: dealerA, reason: 'TYRES', preferredDate: new Date(`${day}T00:00:00Z`) });
    // A day in the past, or a reason that is none, is refused naming the field.
    expect((await sys.app.inject({ method: 'POST', url: '/my/appointments', payload: { ...form, _submission: randomUUID(), preferredDate: '2020-01-01' } })).statusCode).toBe(400);
    // In the dealer's list (its systems, its people's workspace), not in another's; done once, then gone.
    const list = (await sys.api({ method: 'GET', url: '/v1/dealer/tasks' }, keys.dealerA)).json().items;
    const task = list.find((t: { journeyId: string; kind: string }) => t.journeyId === otto.journeyId && t.kind === 'SERVICE_APPOINTMENT');
    expect(task).toMatchObject({ customerName: `Otto Owner${tag}`, closable: true, overdue: false });
    const done = `/v1/dealer/tasks/${encodeURIComponent(task.taskId)}/done`;
    const otherKey = await createTestKey(sys.db, 'DEALER', `DLR-OTHER-${tag}`);
    expect((await sys.api({ method: 'POST', url: done }, otherKey)).statusCode).toBe(404);
    // The dealer's salesperson sees it in Chromium, calls Otto back, and marks it done.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await logIn(page, baseUrl, people.sales);
    await page.goto(`${baseUrl}/workspace/customers`);
    const row = page.locator('#open-tasks tr', { hasText: `TYRES from ${day}` });
    expect(await row.textContent()).toContain(`Otto Owner${tag}`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await row.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Task done.');
    expect(await page.locator('#open-tasks tr', { hasText: `TYRES from ${day}` }).count()).toBe(0);
    await context.close();
    expect((await sys.api({ method: 'POST', url: done }, keys.dealerA)).json()).toEqual({ taskId: task.taskId, status: 'DONE' });
    expect((await sys.api({ method: 'GET', url: '/v1/dealer/tasks' }, keys.dealerA)).json().items.map((t: { taskId: string }) => t.taskId)).not.toContain(task.taskId);
    // A prospect without a dealer is not offered the form.
    const umaToken = new URL(await consentLinks({ secret: DEV_CONSENT_LINK_SECRET, publicApiUrl: baseUrl }).myPageUrl(uma.customerId)).searchParams.get('token')!;
    expect((await sys.app.inject({ method: 'GET', url: `/my?token=${umaToken}&lang=en` })).body).not.toContain('Ask for an appointment');
    // On the phone Otto says no more text messages with offers: his journey's care story, kept for replay.
    const stated = await sys.api({ method: 'POST', url: `/v1/journeys/${otto.journeyId}/consents`, payload: { consents: [{ channel: 'SMS', purpose: 'MARKETING', granted: false }], method: 'PHONE', wordingId: 'care-call-script-v3' } });
    expect(stated.statusCode, stated.body).toBe(200);
    await recordHistoryFixture(sys.temporal.workflow.getHandle(otto.journeyId), 'journey-customer-care');
  });

  it("a survey answered 3 on its page: kept outside the journey, a restitution case with the dealer (its task, the OEM's backstop)", async () => {
    const otto = await customerOfA('Otto2', 'WVWZZZE1ZPP0SV301');
    const link = await surveyLinkOf('otto2');
    expect((await sys.app.inject({ method: 'GET', url: link })).body).toContain(`recommend Autohaus ${tag}`);
    const token = new URL(link).searchParams.get('token')!;
    // In Chromium on a phone; then the same answer again (a second click): one case.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(link);
    await page.getByLabel('3', { exact: true }).check();
    await page.getByLabel(/main reason/).fill('Nobody called me back.');
    await page.getByRole('button', { name: 'Send' }).click();
    expect(await page.locator('#message').textContent()).toContain('Your dealer will contact you');
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
    const again = await sys.app.inject({ method: 'POST', url: '/survey', payload: { token, lang: 'en', score: '3', comment: 'Nobody called me back.' } });
    expect(again.statusCode, again.body).toBe(200);
    const [answer] = await sys.db.surveyAnswer.findMany({ where: { customerId: otto.customerId } });
    expect(answer).toMatchObject({ score: 3, comment: 'Nobody called me back.', dealerId: dealerA, caseId: `survey-${answer!.communicationId}` });
    expect((await stateOf(otto.journeyId)).complaint).toMatchObject({ complaintId: `survey-${answer!.communicationId}`, escalated: false });
    expect(await sys.db.journeyTask.count({ where: { journeyId: otto.journeyId, assignee: dealerA, kind: 'COMPLAINT_FOLLOW_UP' } })).toBe(1);
    // On the dealer's list until it resolves the complaint (not closed by hand).
    const followUps = async () => (await sys.api({ method: 'GET', url: '/v1/dealer/tasks' }, keys.dealerA)).json().items
      .filter((t: { journeyId: string; kind: string }) => t.journeyId === otto.journeyId && t.kind === 'COMPLAINT_FOLLOW_UP');
    expect(await followUps()).toEqual([expect.objectContaining({ closable: false })]);
    expect((await sys.api({ method: 'POST', url: `/v1/dealer/tasks/${encodeURIComponent((await followUps())[0].taskId)}/done` }, keys.dealerA)).statusCode).toBe(404);
    const resolved = await sys.api({ method: 'POST', url: `/v1/journeys/${otto.journeyId}/complaints/survey-${answer!.communicationId}/resolution` }, keys.dealerA);
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(await followUps()).toEqual([]);
    // Out of range, or another survey's token: refused, nothing kept.
    expect((await sys.app.inject({ method: 'POST', url: '/survey', payload: { token, score: '11' } })).statusCode).toBe(400);
    const forged = new URL(await consentLinks({ secret: DEV_CONSENT_LINK_SECRET, publicApiUrl: baseUrl }).surveyUrl(otto.customerId, randomUUID())).searchParams.get('token')!;
    expect((await sys.app.inject({ method: 'POST', url: '/survey', payload: { token: forged, score: '0' } })).statusCode).toBe(404);
    expect(await sys.db.surveyAnswer.count({ where: { customerId: otto.customerId } })).toBe(1);
  });

  it('in Chromium: a promoter answers 10, passes the referral link on, and the friend\'s lead is theirs (source REFERRAL, their dealer first, on the scorecard); axe finds nothing serious', async () => {
    const paula = await customerOfA('Paula', 'WVWZZZE1ZPP0SV302');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${await surveyLinkOf('paula')}`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('10', { exact: true }).check();
    await page.getByLabel(/main reason/).fill('Great service.');
    await page.getByRole('button', { name: 'Send' }).click();
    const referral = await page.locator('#referral-link').getAttribute('href');
    expect(referral).toMatch(/\/referral\?token=/);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.goto(`${baseUrl}${new URL(referral!).pathname}${new URL(referral!).search}`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('First name').fill('Fritz');
    await page.getByLabel('Last name').fill(`Friend${tag}`);
    await page.getByLabel('Your e-mail address').fill(`fritz.${low}@example.com`);
    await page.getByLabel('Postal code').fill(`${territory}3`);
    await page.getByRole('button', { name: 'Send' }).click();
    expect(await page.locator('#message').textContent()).toContain('a dealer gets in touch');
    await context.close();
    const friend = await sys.db.customer.findUniqueOrThrow({ where: { emailNormalized: `fritz.${low}@example.com` }, include: { leads: true } });
    expect(friend.leads).toEqual([expect.objectContaining({ source: 'REFERRAL', campaign: 'REFERRAL', preferredDealerId: dealerA })]);
    expect(await sys.db.referral.findUnique({ where: { leadId: friend.leads[0]!.id } })).toMatchObject({ referrerCustomerId: paula.customerId, referrerDealerId: dealerA });
    // One link makes at most ten friends' leads a day.
    const referralToken = new URL(referral!).searchParams.get('token')!;
    const friends = [];
    for (let i = 0; i < 10; i++) {
      friends.push((await sys.app.inject({ method: 'POST', url: '/referral', payload: { token: referralToken, _submission: randomUUID(), firstName: 'F', lastName: `Friend${i}`, email: `friend${i}.${low}@example.com`, postalCode: '10115' } })).statusCode);
    }
    expect(friends).toEqual([...Array(9).fill(202), 429]);
    // Their journey will hand them to Paula's dealer first, when they are ready to buy.
    const friendsJourney = await eventually(async () => (await sys.db.journey.findUnique({ where: { customerId: friend.id } })) ?? undefined, 20_000);
    expect(await stateOf(friendsJourney.id)).toMatchObject({ preferredDealerId: dealerA, lastLeadSource: 'REFERRAL' });
    // The scorecard today, dealer A: Otto's 3 and Paula's 10 (NPS 0), Fritz's and nine friends' leads for Paula's dealer.
    const today = new Date().toISOString().slice(0, 10);
    const card = (await sys.api({ method: 'GET', url: `/v1/reports/scorecard?from=${today}&to=${today}` })).json();
    const rowOf = (process: string) => card.processes.find((p: { process: string }) => p.process === process).rows.find((r: { group: string }) => r.group === dealerA);
    expect(rowOf('feedback')).toMatchObject({ surveysAnswered: 2, promoters: 1, detractors: 1, nps: 0 });
    expect(rowOf('newValue')).toMatchObject({ referralLeads: 10 });
  });

  it('forged, expired, other purposes\' and other customers\' links are refused, and nothing changes', async () => {
    const own = consentLinks({ secret: DEV_CONSENT_LINK_SECRET, publicApiUrl: baseUrl });
    const forger = consentLinks({ secret: 'a-secret-that-is-not-the-platforms-own-secret', publicApiUrl: baseUrl });
    const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
    const umaToken = tokenOf(await own.myPageUrl(uma.customerId));
    // Uma's token with Vera's id in it: the signature no longer fits.
    const [head, payload, signature] = umaToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const swapped = [head, Buffer.from(JSON.stringify({ ...claims, sub: vera.customerId })).toString('base64url'), signature].join('.');
    const unsubscribe = tokenOf(await own.unsubscribeUrl({ customerId: uma.customerId, channel: 'EMAIL', purpose: 'MARKETING', communicationId: randomUUID() }));
    const cases: [string, string, number][] = [
      ['forged', tokenOf(await forger.myPageUrl(uma.customerId)), 403],
      ['expired', tokenOf(await own.myPageUrl(uma.customerId, new Date(Date.now() - 2 * 3_600_000))), 410],
      ["another customer's id", swapped, 403],
      ['an unsubscribe link', unsubscribe, 403],
      ['an erasure link', tokenOf(await own.myErasureUrl(uma.customerId)), 403],
    ];
    const before = { consents: await sys.db.consentRecord.count(), customer: await sys.db.customer.findUniqueOrThrow({ where: { id: vera.customerId } }), state: await stateOf(vera.journeyId) };
    for (const [what, token, status] of cases) {
      expect((await sys.app.inject({ method: 'GET', url: `/my?token=${token}` })).statusCode, what).toBe(status);
      expect((await sys.app.inject({ method: 'GET', url: `/my/data.json?token=${token}` })).statusCode, what).toBe(status);
      expect((await sys.app.inject({ method: 'POST', url: '/my/consents', payload: { token, consent: ['EMAIL:MARKETING', 'SMS:MARKETING'] } })).statusCode, what).toBe(status);
      expect((await sys.app.inject({ method: 'POST', url: '/my/contact', payload: { token, city: 'Nowhere' } })).statusCode, what).toBe(status);
    }
    // The page's own link does not erase: the erasure takes its second link.
    expect((await sys.app.inject({ method: 'POST', url: '/my/erasure', payload: { token: umaToken } })).statusCode).toBe(403);
    expect((await sys.app.inject({ method: 'GET', url: `/my?token=${umaToken}&lang=en` })).statusCode).toBe(200);
    expect(await sys.db.consentRecord.count()).toBe(before.consents);
    expect(await sys.db.customer.findUniqueOrThrow({ where: { id: vera.customerId } })).toEqual(before.customer);
    expect((await stateOf(vera.journeyId)).consent).toEqual(before.state.consent);
    expect((await stateOf(uma.journeyId)).stage).not.toBe('ERASED');
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

describe('brands', () => {
  const VW = {
    name: 'Volkswagen', defaultLanguage: 'de', senderName: 'Volkswagen', senderAddress: `brand.${low}@vw.example`, isDefault: true,
    texts: {
      de: { legalFooter: 'Volkswagen Demo GmbH · Berlin', templates: { 'model-launch': { subject: 'Der neue {{model}} ist da', text: 'Hallo {{firstName}},\n\n{{offer}}\n\nIhr {{senderName}} Team' } } },
      en: { legalFooter: 'Volkswagen Demo GmbH · Berlin, Germany' },
      fr: { templates: { 'model-launch': { subject: 'La nouvelle {{model}}', text: 'Bonjour {{firstName}}, {{offer}}' } } },
    },
  };

  it('the OEM sets a brand (its texts checked); every message then speaks for it in the customer\'s language, a missing translation in the default one, listed', async () => {
    const put = (body: object, key?: string) => sys.api({ method: 'PUT', url: '/v1/brands/VW', payload: body }, key);
    for (const [bad, field] of [
      [{ ...VW, texts: { de: { templates: { 'model-launch': { subject: 'x', text: 'Your car {{vin}}' } } } } }, 'texts.de.templates.model-launch.text'],
      [{ ...VW, texts: { de: { templates: { 'model-launch': { subject: '{{#model}}x{{/model}}', text: 'x' } } } } }, 'texts.de.templates.model-launch.subject'],
      [{ ...VW, texts: { de: { templates: { 'no-such-template': { subject: 'x', text: 'x' } } } } }, 'texts.de.templates'],
      [{ ...VW, texts: { en: { legalFooter: 'x' } } }, 'texts'],
      [{ ...VW, senderAddress: 'not an address' }, 'senderAddress'],
    ] as const) {
      const res = await put(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.body).toContain(field);
    }
    expect((await put(VW, keys.dealerA)).statusCode).toBe(403);
    expect((await put(VW, keys.ops)).statusCode).toBe(403);
    const first = await put(VW);
    expect(first.statusCode, first.body).toBe(200);
    expect((await put(VW)).json()).toEqual(first.json());
    expect((await sys.api({ method: 'GET', url: '/v1/brands' }, keys.ops)).json().items).toEqual([expect.objectContaining({
      brandId: 'VW', isDefault: true, missingTranslations: [{ language: 'en', key: 'templates.model-launch' }, { language: 'fr', key: 'legalFooter' }],
    })]);

    // Heidi (Germany) ticks e-mail news on her page; the OEM's promotion reaches her in German, from the brand, with its footer.
    const heidi = await lead({ source: 'WEB_FORM', contact: { firstName: 'Heidi', lastName: `Hahn${tag}`, email: `heidi.${low}@example.com`, country: 'DE' } });
    await started(heidi);
    const token = new URL(await consentLinks({ secret: DEV_CONSENT_LINK_SECRET, publicApiUrl: baseUrl }).myPageUrl(heidi.customerId)).searchParams.get('token')!;
    const myPage = (await sys.app.inject({ method: 'GET', url: `/my?token=${token}` })).body;
    expect(myPage).toContain('Volkswagen · Ihre Daten und Einstellungen');
    expect(myPage).toContain('Volkswagen Demo GmbH · Berlin');
    expect((await sys.app.inject({ method: 'POST', url: '/my/consents', payload: { token, _submission: randomUUID(), consent: 'EMAIL:MARKETING' } })).statusCode).toBe(303);
    expect((await promotion(heidi.customerId)).json()).toMatchObject({ decision: 'ALLOWED' });
    const german = await eventually(async () => smtp.inbox.find((m) => m.to.includes(`heidi.${low}@`) && m.subject === 'Der neue ID.7 ist da'), 20_000);
    expect(german.text).toContain('Hallo Heidi,\n\nwinter tyres\n\nIhr Volkswagen Team\n\n--\nVolkswagen Demo GmbH · Berlin');
    // Wanda (US, English): the brand has no English text for the launch: the German one, with the English footer.
    const wanda = await lead({ source: 'WEB_FORM', contact: { firstName: 'Wanda', lastName: `West${tag}`, email: `wanda.${low}@example.com`, country: 'US' } });
    await started(wanda);
    expect((await promotion(wanda.customerId)).json()).toMatchObject({ decision: 'ALLOWED' });
    const fallback = await eventually(async () => smtp.inbox.find((m) => m.to.includes(`wanda.${low}@`)), 20_000);
    expect(fallback.subject).toBe('Der neue ID.7 ist da');
    expect(fallback.text).toContain('--\nVolkswagen Demo GmbH · Berlin, Germany');
    // The workspace's brands page is the OEM's and ops' people's.
    const { cookie } = await httpLogIn((o) => sys.app.inject(o), people.sales);
    expect((await sys.app.inject({ method: 'GET', url: '/workspace/brands', headers: { cookie: cookie! } })).statusCode).toBe(403);

    // The OEM's person translates the launch text on the Brands page: it leaves the list of what is missing.
    const email = `brands.${low}@oem.example`;
    expect((await sys.api({ method: 'POST', url: '/v1/users', payload: { password: FIRST_PASSWORD, email, name: 'Bea Brands', role: 'OEM_LEAD_DESK' } })).statusCode).toBe(201);
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, baseUrl, email);
    await page.goto(`${baseUrl}/workspace/brands`);
    expect(await page.locator('.missing').textContent()).toContain('en: templates.model-launch');
    expect(await accessibilityProblems(page)).toEqual([]);
    const translate = async (text: string) => {
      await page.getByLabel('Language (ISO 639-1)', { exact: true }).first().fill('en');
      await page.getByLabel('Template').selectOption('model-launch');
      await page.getByLabel('Subject').fill('The new {{model}} is here');
      await page.getByLabel('Text', { exact: true }).fill(text);
      await page.getByRole('button', { name: 'Save the text' }).click();
    };
    await translate('Your car {{vin}}');
    expect(await page.locator('main').textContent()).toContain('texts.en.templates.model-launch.text');
    await page.goto(`${baseUrl}/workspace/brands`);
    await translate('Hello {{firstName}}, the new {{model}}: {{offer}}');
    await expect.poll(() => page.getByRole('status').textContent()).toBe('model-launch in en saved for VW.');
    expect(await page.locator('.missing').textContent()).not.toContain('en: templates.model-launch');
    await context.close();
    expect((await sys.api({ method: 'GET', url: '/v1/brands' })).json().items[0].texts.en.templates['model-launch']).toEqual({ subject: 'The new {{model}} is here', text: 'Hello {{firstName}}, the new {{model}}: {{offer}}' });
  });
});
