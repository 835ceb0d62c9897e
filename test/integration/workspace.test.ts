// The workspace in a real browser (Debian's chromium driven by playwright-core) against the
// real stack: a salesperson logs in, sees an offer appear in the inbox without reloading,
// accepts it, records the sale, and the journey is DEALER_OWNED; a person of another dealer
// gets the 404 page for that customer; failed logins all read the same and the fifth pauses
// sign-in; first logins choose their own password, the lead desk proves a second factor. What a browser cannot show (CSRF refusals, cookie flags, the users API's rules)
// is checked over HTTP. Screenshots of each page go to .data/screenshots (git-ignored).
import { KPI_IDS } from '../../domain/kpis.js';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../support/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { ANY_HOUR_POLICY, eventually, startSystem, type System } from '../support/system.js';
import { currentPassword, FIRST_PASSWORD, httpLogIn, logIn as logInSteps, submitLoginForm } from '../support/workspace-login.js';
import { LOGIN_REFUSED } from '../../domain/users.js';

const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const dealerA = `DLR-WA-${tag}`;
const dealerB = `DLR-WB-${tag}`;
const territoryA = `WA${tag}`;
/** The car of the owner the OEM's customer file brings dealer B (then recalled). */
const olgasVin = `WVWZZZ1JZXW${tag.slice(0, 6).toUpperCase().replace(/[^0-9A-HJ-NPR-Z]/g, '7').padEnd(6, '7')}`;
const PASSWORD = FIRST_PASSWORD;

let sys: System;
let browser: Browser;
let baseUrl = '';
const people = { sales: '', other: '', locked: '' };
/**
 * The lead desk's people, one per test that logs in at the desk: a TOTP code counts once per
 * 30-second step, so one person logging in five times would wait for the clock three times.
 */
const deskPeople = { unlocks: '', logsOut: '', reassigns: '', followsImports: '', setsHours: '' };

async function createUser(body: Record<string, unknown>, key?: string) {
  const res = await sys.api({ method: 'POST', url: '/v1/users', payload: { password: PASSWORD, ...body } }, key);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; email: string };
}

/** Every step of a login (their own password at the first, the lead desk's second factor). */
const logIn = (page: Page, email: string, password?: string) => logInSteps(page, baseUrl, email, password);


beforeAll(async () => {
  // Messages at any hour: the recall's owner is written to in real time, also when the suite runs at night in Berlin.
  sys = await startSystem({ journeyPolicy: ANY_HOUR_POLICY });
  baseUrl = await sys.app.listen({ host: '127.0.0.1', port: 0 });
  for (const [id, territory] of [[dealerA, territoryA], [dealerB, `WB${tag}`]]) {
    const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${id}`, territory: [territory], brands: ['VW'] } });
    expect(res.statusCode, res.body).toBe(201);
  }
  people.sales = (await createUser({ email: `sales.${tag}@a.example`, name: 'Sam Sales', role: 'SALESPERSON', dealerId: dealerA })).email;
  people.other = (await createUser({ email: `other.${tag}@b.example`, name: 'Olga Other', role: 'SALES_MANAGER', dealerId: dealerB })).email;
  people.locked = (await createUser({ email: `forgetful.${tag}@a.example`, name: 'Fred Forgetful', role: 'SALESPERSON', dealerId: dealerA })).email;
  for (const job of Object.keys(deskPeople) as (keyof typeof deskPeople)[]) {
    deskPeople[job] = (await createUser({ email: `desk.${job.toLowerCase()}.${tag}@oem.example`, name: `Dora Desk (${job})`, role: 'OEM_LEAD_DESK' })).email;
  }
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

describe('the workspace in a browser', () => {
  it('a salesperson sees an offer arrive, accepts it and records the sale: the journey is DEALER_OWNED; another dealer gets a 404 page', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone on the showroom floor
    await logIn(page, people.sales);
    await page.waitForURL(`${baseUrl}/workspace`);
    await expect.poll(() => page.locator('#no-offers').isVisible()).toBe(true);
    await screenshot(page, 'inbox-empty');

    // A lead in dealer A's territory while the inbox is open: it appears without a reload.
    const lead = await sys.api({
      method: 'POST', url: '/v1/leads',
      payload: { source: 'WEB_FORM', interest: { model: 'ID.7', timeframe: 'NOW' }, contact: { firstName: 'Wanda', lastName: 'Web', email: `wanda.${tag}@example.com`, postalCode: `${territoryA}1` } },
    });
    expect(lead.statusCode, lead.body).toBe(202);
    const { journeyId, customerId } = lead.json();
    const offer = page.locator(`article.offer[data-journey="${journeyId}"]`);
    await offer.waitFor({ timeout: 20_000 });
    await expect.poll(() => offer.locator('.countdown').textContent()).toMatch(/\d+ min \d{2} s/);
    await screenshot(page, 'inbox-offer');

    await offer.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(new RegExp(`/workspace/customers/${customerId}`));
    expect(await page.locator('#stage').textContent()).toBe('IN_SALES');
    await screenshot(page, 'customer-in-sales');

    await page.getByLabel('VIN').fill('WVWZZZE1ZPP054321');
    await page.getByLabel('Model').fill('ID.7 Pro');
    await page.getByRole('button', { name: 'Record the sale' }).click();
    await page.waitForURL(/done=/);
    expect(await page.locator('#stage').textContent()).toBe('DEALER_OWNED');
    expect(await page.getByRole('status').textContent()).toContain('Sale recorded');
    await screenshot(page, 'customer-sold');
    const state = await sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery);
    expect(state).toMatchObject({ stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: dealerA, vehicle: { vin: 'WVWZZZE1ZPP054321' } });

    // After the sale: a service visit, a complaint and its resolution, each the journey's own Update.
    await page.getByLabel('Workshop order number').fill('WS-9');
    await page.getByRole('button', { name: 'Record the service visit' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Service visit WS-9 recorded.');
    await page.getByLabel('Complaint number').fill('K-9');
    await page.getByRole('button', { name: 'Record a complaint' }).click();
    await page.getByRole('button', { name: 'Complaint K-9 is resolved' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Complaint K-9 resolved.');
    expect(await page.getByRole('button', { name: 'Complaint K-9 is resolved' }).count()).toBe(0);
    expect(await page.locator('table').first().textContent()).toMatch(/Service visit WS-9[\s\S]*Complaint K-9[\s\S]*Complaint resolved K-9/);
    expect((await sys.db.aftersalesEvent.findMany({ where: { journeyId } })).map((e) => [e.kind, e.ref])).toEqual(expect.arrayContaining([
      ['SERVICE_VISIT', 'WS-9'], ['COMPLAINT_OPENED', 'K-9'], ['COMPLAINT_RESOLVED', 'K-9'],
    ]));
    // A message the OEM asks for shows with the journey's decision on it and why.
    const asked = await sys.api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'ID.7', offer: 'winter tyres' } } });
    expect(asked.statusCode, asked.body).toBe(200);
    expect(asked.json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    await expect.poll(async () => {
      await page.reload();
      return page.locator('#messages').textContent().catch(() => '');
    }, { timeout: 20_000 }).toMatch(/PROMOTION by EMAIL from OEM\s*SUPPRESSED \(NO_CONSENT\)/);
    await screenshot(page, 'customer-after-sales');

    await page.goto(`${baseUrl}/workspace/customers`);
    await page.getByLabel('Search').fill('wanda');
    await expect.poll(() => page.getByRole('link', { name: 'Wanda Web' }).isVisible()).toBe(true);
    await screenshot(page, 'customers');

    // Dealer B's person: the customer does not exist for them, as over the API.
    const other = await browser.newPage();
    await logIn(other, people.other);
    await other.waitForURL(`${baseUrl}/workspace`);
    const response = await other.goto(`${baseUrl}/workspace/customers/${customerId}`);
    expect(response!.status()).toBe(404);
    expect(await other.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
    expect(await other.content()).not.toContain('Wanda');
    await screenshot(other, 'other-dealer-404');
    const sale = await other.request.post(`${baseUrl}/workspace/journeys/${journeyId}/sale`, { form: { vin: 'WVWZZZE1ZPP000000', model: 'x', soldOn: '2026-01-01' } });
    expect(sale.status()).toBe(403); // no CSRF token: refused before anything else
    await other.close();
    await page.close();
  });

  it('every refusal reads the same; five failed logins pause sign-in from that address even for the right password; the lead desk lifts it', async () => {
    const page = await browser.newPage();
    for (let attempt = 1; attempt <= 5; attempt++) {
      await logIn(page, people.locked, 'not my password');
      expect(await page.getByRole('alert').textContent()).toBe(LOGIN_REFUSED);
    }
    await screenshot(page, 'login-refused');
    // Paused: the right password is refused with the same words (nothing tells a pause from a wrong password).
    await logIn(page, people.locked, PASSWORD);
    expect(await page.getByRole('alert').textContent()).toBe(LOGIN_REFUSED);
    expect(page.url()).toContain('/workspace/login');
    const listed = (await sys.api({ method: 'GET', url: '/v1/users' })).json().items.find((u: { email: string }) => u.email === people.locked);
    expect(listed.lockedUntil).not.toBeNull();
    // An unknown address is refused with the same words.
    await logIn(page, `nobody.${tag}@example.com`, PASSWORD);
    expect(await page.getByRole('alert').textContent()).toBe(LOGIN_REFUSED);

    // The OEM lead desk lifts the pause on the people page; the right password works again (and the first login asks for their own).
    const desk = await browser.newPage();
    await logIn(desk, deskPeople.unlocks);
    await desk.waitForURL(`${baseUrl}/workspace/desk`);
    await desk.getByRole('link', { name: 'People' }).click();
    const row = desk.locator(`tr[data-user="${people.locked}"]`);
    expect(await row.textContent()).toContain('locked until');
    await row.getByRole('button', { name: `Unlock ${people.locked}` }).click();
    await expect.poll(() => desk.getByRole('status').textContent()).toBe(`${people.locked} is unlocked.`);
    await screenshot(desk, 'people-oem');
    await desk.close();
    await logIn(page, people.locked, PASSWORD);
    await page.waitForURL(`${baseUrl}/workspace`);
    await page.close();
  });

  it('pages need a login; logging out ends the session; the OEM lead desk logs in too', async () => {
    const page = await browser.newPage();
    const bounced = await page.goto(`${baseUrl}/workspace/customers`);
    expect(bounced!.url()).toContain('/workspace/login?next=%2Fworkspace%2Fcustomers');
    await submitLoginForm(page, deskPeople.logsOut);
    // The lead desk is not a dealer: the dealers' customer list is not for its role.
    await page.waitForURL(`${baseUrl}/workspace/customers`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not for your role');
    await page.goto(`${baseUrl}/workspace`);
    expect(page.url()).toBe(`${baseUrl}/workspace/desk`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Lead desk');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'l2l_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/workspace' });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/workspace\/login/);
    await page.goto(`${baseUrl}/workspace`);
    expect(page.url()).toContain('/workspace/login');
    await page.close();
  });

  it('the OEM lead desk sees today\'s leads by source and reassigns an escalation to a dealer: the dealer\'s sales team has the customer', async () => {
    // Nobody covers this postcode: the journey escalates to the OEM.
    const lead = await sys.api({
      method: 'POST', url: '/v1/leads',
      payload: { source: 'WEB_FORM', campaign: `winter-${tag}`, interest: { model: 'ID.3', timeframe: 'NOW' }, contact: { firstName: 'Eske', lastName: 'Escalated', email: `eske.${tag}@example.com`, postalCode: `ZQ${tag}` } },
    });
    expect(lead.statusCode, lead.body).toBe(202);
    const { journeyId, customerId } = lead.json();
    await eventually(async () => ((await sys.db.journey.findUnique({ where: { id: journeyId } }))?.stage === 'ESCALATED' ? true : undefined));

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, deskPeople.reassigns);
    await page.waitForURL(`${baseUrl}/workspace/desk`);
    expect(await page.locator('#leads-by-source').textContent()).toMatch(/WEB_FORM\s*\d+/);
    expect(await page.locator('#latest-leads').textContent()).toContain('Eske Escalated');
    await expect.poll(() => page.locator('canvas[data-chart]').first().getAttribute('data-drawn')).toBe('true');
    const escalation = page.locator(`article.escalation[data-journey="${journeyId}"]`);
    expect(await escalation.textContent()).toContain('no dealer covers the customer');
    await screenshot(page, 'lead-desk');

    await escalation.getByLabel('Reassign to').selectOption(dealerA);
    await escalation.getByLabel('Reason (on the ownership ledger)').fill('customer lives near A, called us');
    await escalation.getByRole('button', { name: 'Reassign' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`Reassigned to ${dealerA}.`);
    expect(await page.locator(`article.escalation[data-journey="${journeyId}"]`).count()).toBe(0);
    const state = await sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery);
    expect(state).toMatchObject({ stage: 'IN_SALES', owner: 'DEALER_SALES', dealerId: dealerA });
    const ledger = await sys.db.ownershipChange.findMany({ where: { customerId }, orderBy: { at: 'desc' }, take: 1 });
    expect(ledger[0]).toMatchObject({ toDealerId: dealerA, actor: `oem:${deskPeople.reassigns}`, reason: 'REASSIGNED: customer lives near A, called us' });

    // The scorecard: charts where they read better, every process as a table.
    await page.getByRole('link', { name: 'Scorecard' }).click();
    await page.waitForURL(/\/workspace\/scorecard/);
    expect(await page.locator('#process-engagement table').first().textContent()).toContain(dealerA);
    // Three charts of the period, and a weekly trend per KPI.
    await expect.poll(() => page.locator('canvas[data-drawn="true"]').count()).toBe(3 + KPI_IDS.length);
    await page.getByLabel('By', { exact: true }).selectOption('source');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('#process-identification table').first().textContent()).toContain('WEB_FORM');
    await screenshot(page, 'scorecard');
    await page.close();
  });

  it('the lead desk follows an import and reads its rejected rows', async () => {
    const csv = `firstName;lastName;email;postalCode;model\nIda;Import;ida.${tag}@example.com;${territoryA}3;ID.5\nNo;Contact;;;ID.5\n`;
    const res = await sys.api({ method: 'POST', url: `/v1/imports?event=${encodeURIComponent(`Auto Show ${tag}`)}&date=2026-11-28&fileName=stand.csv`, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode, res.body).toBe(202);
    const { importId } = res.json().import;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, deskPeople.followsImports);
    await page.waitForURL(`${baseUrl}/workspace/desk`);
    await page.getByRole('link', { name: 'Imports' }).click();
    const row = page.locator(`tr[data-import="${importId}"]`);
    // The list refreshes by itself until the import is done.
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/2\/2\s*COMPLETED/);
    await screenshot(page, 'imports');
    await row.getByRole('link', { name: `Auto Show ${tag}` }).click();
    expect(await page.locator('#import-ok').textContent()).toBe('1');
    expect(await page.locator('#import-rejected').textContent()).toBe('1');
    expect(await page.locator('#rejected-rows').textContent()).toMatch(/\d+\s*REJECTED/);
    const download = await page.request.get(`${baseUrl}/workspace/imports/${importId}/rejections.csv`);
    expect(await download.text()).toMatch(/^row,outcome,column,reason\n\d+,REJECTED,/);
    await screenshot(page, 'import');

    // The customer base is followed on the same page: an owner, and a row with a car that is no VIN.
    // (The owner is dealer B's: its sales manager finds the summary among its customers in the next test.)
    const base = `E-Mail;FIN;Modell;Kaufdatum;Verkaufshändler\nolga.${tag}@example.com;${olgasVin};Golf;2025-01-02;${dealerB}\nnils.${tag}@example.com;NO-VIN;Golf;2025-01-02;${dealerB}\n`;
    // Sent from the imports page's form (streamed into the same import as the API's).
    await page.goto(`${baseUrl}/workspace/imports`);
    const upload = page.locator('form[action="/workspace/customer-imports"]');
    await upload.getByLabel(/Where the file comes from/).fill('CRM');
    await upload.getByLabel('File', { exact: true }).setInputFiles({ name: 'owners.csv', mimeType: 'text/csv', buffer: Buffer.from(base) });
    await Promise.all([page.waitForURL(/\/workspace\/customer-imports\/[0-9a-f-]{36}/), upload.getByRole('button', { name: 'Send the file' }).click()]);
    expect(await page.getByRole('status').textContent()).toContain('owners.csv received: 2 rows');
    const customerImportId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await sys.db.customerImport.findUniqueOrThrow({ where: { id: customerImportId } })).toMatchObject({ source: 'CRM', fileName: 'owners.csv', dryRun: false, totalRows: 2 });
    // Without the form's token: refused before the file is read, nothing stored.
    const forged = await page.request.post(`${baseUrl}/workspace/customer-imports`, { multipart: { source: 'CRM', file: { name: 'forged.csv', mimeType: 'text/csv', buffer: Buffer.from(base) } } });
    expect(forged.status()).toBe(403);
    expect(await sys.db.customerImport.count({ where: { fileName: 'forged.csv' } })).toBe(0);
    await page.goto(`${baseUrl}/workspace/imports`);
    const customerRow = page.locator(`tr[data-customer-import="${customerImportId}"]`);
    await expect.poll(() => customerRow.textContent(), { timeout: 30_000 }).toMatch(/2\/2\s*COMPLETED/);
    await customerRow.getByRole('link', { name: 'CRM' }).click();
    expect(await page.locator('#customer-import-imported').textContent()).toBe('1');
    expect(await page.locator('#customer-import-rejected').textContent()).toBe('1');
    expect(await page.locator('#customer-import-report').textContent()).toMatch(/2\s*REJECTED\s*vin/);
    const report = await page.request.get(`${baseUrl}/workspace/customer-imports/${customerImportId}/report.csv`);
    expect(await report.text()).toMatch(/^row,externalId,outcome,column,reason,conflicts\n2,,REJECTED,vin,/);

    // A safety recall for Olga's car and a VIN nobody owns: started from its page, followed to its end.
    await eventually(async () => ((await sys.db.journey.count({ where: { customer: { emailNormalized: `olga.${tag}@example.com`.toLowerCase() }, stage: 'DEALER_OWNED' } })) === 1 ? true : undefined));
    const recall = await sys.api({ method: 'POST', url: '/v1/recalls', payload: { recallCode: `RC-${tag}`, vins: [olgasVin, 'WVWZZZ1JZXW999999'] } });
    expect(recall.statusCode, recall.body).toBe(201);
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: `Recall RC-${tag}` }).click();
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(async () => {
      await page.reload();
      return page.locator('#campaign-status').textContent();
    }, { timeout: 30_000 }).toBe('COMPLETED');
    expect(await page.locator('#campaign-sent').textContent()).toBe('1');
    expect(await page.locator('#recall-owner-unknown').textContent()).toContain('WVWZZZ1JZXW999999');
    expect(await page.locator('canvas[data-chart]').count()).toBe(1); // what became of the owners (a recall has no control group)
    await screenshot(page, 'recall');

    // A promotion to dealer B's owners from the lead desk's form: a draft, started, followed to its end.
    // Olga gave no e-mail consent (a German owner): her journey suppresses it.
    const segment = await sys.api({ method: 'POST', url: '/v1/segments', payload: { name: `B owners ${tag}`, filter: { dealerIds: [dealerB] } } });
    expect(segment.statusCode, segment.body).toBe(201);
    await page.getByRole('link', { name: 'All campaigns' }).click();
    await page.getByLabel('Name', { exact: true }).fill(`Winter tyres ${tag}`);
    await page.getByLabel('Segment').selectOption({ label: `B owners ${tag} (version 1)` });
    await page.getByLabel('Subject').fill('Winter tyres');
    await page.getByLabel(/^Text/).fill('Hello {{firstName}}, your winter tyres are waiting. {{senderName}}');
    // Nobody held out: with one customer in the segment, the default 10 % would hold Olga out one run in ten.
    await page.getByLabel('Held out (%)').fill('0');
    await page.getByRole('button', { name: 'Save as draft' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Draft saved');
    expect(await page.locator('#campaign-status').textContent()).toBe('DRAFT');
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(async () => {
      await page.reload();
      return page.locator('#campaign-status').textContent();
    }, { timeout: 30_000 }).toBe('COMPLETED');
    expect(await page.locator('#campaign-outcomes').textContent()).toMatch(/\d/);
    expect(await page.locator('main, body').first().textContent()).toMatch(/By reason: no consent 1/);
    expect(await page.locator('canvas[data-chart]').count()).toBe(2);
    await screenshot(page, 'campaign');
    await page.close();
  });

  it('a sales manager sets the dealership\'s webhook (its secret shown once) and adds a salesperson; the OEM sets the opening hours', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await logIn(page, people.other);
    await page.waitForURL(`${baseUrl}/workspace`);
    // The OEM's customer file of the test before brought dealer B one owner: told once, among its customers.
    await page.goto(`${baseUrl}/workspace/customers`);
    expect(await page.locator('#imported-customers tbody tr').first().locator('td').nth(1).textContent()).toBe('1');
    // The recall of the test before gave dealer B a repair task for Olga's car: recorded from her page, the task closes.
    const task = page.locator('#recall-tasks tbody tr', { hasText: olgasVin });
    await task.getByRole('link', { name: 'open' }).click();
    await page.getByRole('button', { name: 'Record the repair' }).click();
    expect(await page.getByRole('status').textContent()).toContain(`Recall repair of ${olgasVin} recorded.`);
    await page.goto(`${baseUrl}/workspace/customers`);
    expect(await page.locator('#recall-tasks').count()).toBe(0);
    expect((await page.request.get(`${baseUrl}/workspace/campaigns`)).status()).toBe(403);
    // The OEM's import pages are not a dealer's.
    expect((await page.request.get(`${baseUrl}/workspace/customer-imports/${randomUUID()}`)).status()).toBe(403);
    expect((await page.request.get(`${baseUrl}/workspace/imports`)).status()).toBe(403);
    const dealerUpload = await page.request.post(`${baseUrl}/workspace/customer-imports`, { multipart: { source: 'DMS', file: { name: 'dealer.csv', mimeType: 'text/csv', buffer: Buffer.from('E-Mail\na@b.example\n') } } });
    expect(dealerUpload.status()).toBe(403);
    expect(await sys.db.customerImport.count({ where: { fileName: 'dealer.csv' } })).toBe(0);
    await page.goto(`${baseUrl}/workspace`);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(`${baseUrl}/workspace/dealers/${dealerB}/settings`);
    await page.getByLabel('Webhook URL (empty: none)').fill('http://localhost:9/l2l-hook');
    await page.getByLabel('ADF e-mail to your CRM (empty: none)').fill(`crm.${tag.toLowerCase()}@b.example`);
    await page.getByRole('button', { name: 'Save the channels' }).click();
    const secret = await page.locator('#webhook-secret').textContent();
    expect(secret).toMatch(/^whsec_/);
    const saved = await sys.db.dealerDeliverySettings.findUniqueOrThrow({ where: { dealerId: dealerB } });
    expect(saved).toMatchObject({ webhookUrl: 'http://localhost:9/l2l-hook', adfEmail: `crm.${tag.toLowerCase()}@b.example`, webhookSecret: secret });
    await screenshot(page, 'settings-dealer');
    await page.goto(`${baseUrl}/workspace/dealers/${dealerB}/settings`);
    expect(await page.locator('#webhook-secret').count()).toBe(0); // never shown again
    await page.getByRole('button', { name: 'Rotate the signing secret' }).click();
    expect(await page.locator('#webhook-secret').textContent()).not.toBe(secret);
    // Opening hours are the OEM's to set: shown, not editable, for the dealer.
    expect(await page.locator('#opening-hours input').count()).toBe(0);
    // Another dealer's settings do not exist for B's manager; the lead desk is the OEM's.
    expect((await page.goto(`${baseUrl}/workspace/dealers/${dealerA}/settings`))!.status()).toBe(404);
    expect((await page.goto(`${baseUrl}/workspace/desk`))!.status()).toBe(403);
    await page.goto(`${baseUrl}/workspace/dealers/${dealerB}/settings`);

    // A salesperson of B, added by B's manager, logs in.
    await page.getByRole('link', { name: 'People' }).click();
    expect(await page.getByLabel('Role').locator('option').allTextContents()).toEqual(['SALESPERSON']);
    await page.getByLabel('Name').fill('Nina New');
    await page.getByLabel('E-mail').fill(`nina.${tag.toLowerCase()}@b.example`);
    await page.getByLabel(/First password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Add the person' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`nina.${tag.toLowerCase()}@b.example can log in now.`);
    expect(await page.locator('#people').textContent()).not.toContain(people.sales); // dealer A's people are not B's to see
    await screenshot(page, 'people-manager');
    const nina = await browser.newPage();
    await logIn(nina, `nina.${tag.toLowerCase()}@b.example`);
    await nina.waitForURL(`${baseUrl}/workspace`);
    // A salesperson has no settings or people pages.
    expect((await nina.goto(`${baseUrl}/workspace/dealers/${dealerB}/settings`))!.status()).toBe(403);
    expect((await nina.goto(`${baseUrl}/workspace/users`))!.status()).toBe(403);
    // Deactivated by the manager: the next page is the login.
    await page.locator(`tr[data-user="nina.${tag.toLowerCase()}@b.example"]`).getByRole('button', { name: /^Deactivate/ }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`nina.${tag.toLowerCase()}@b.example can no longer log in.`);
    await nina.goto(`${baseUrl}/workspace`);
    expect(nina.url()).toContain('/workspace/login');
    await nina.close();
    await page.close();

    // What the forms do not offer is refused too: B's manager may not set hours, nor touch A's people.
    const manager = await sessionOf(people.other);
    expect((await manager.post(`/workspace/dealers/${dealerB}/hours`, { 'open-MON': '06:00', 'close-MON': '22:00' })).statusCode).toBe(403);
    const salesOfA = await sys.db.userAccount.findUniqueOrThrow({ where: { email: people.sales } });
    expect((await manager.post(`/workspace/users/${salesOfA.id}`, { change: 'deactivate' })).statusCode).toBe(404);
    expect(await sys.db.userAccount.findUniqueOrThrow({ where: { email: people.sales } })).toMatchObject({ active: true });

    const desk = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(desk, deskPeople.setsHours);
    await desk.goto(`${baseUrl}/workspace/dealers`);
    await desk.getByRole('link', { name: `Autohaus ${dealerB}` }).click();
    await desk.getByLabel('Opens on MON').fill('08:00');
    await desk.getByLabel('Closes on MON').fill('18:00');
    await desk.getByLabel(/Closed days/).fill('2026-12-24 2026-12-25');
    await desk.getByRole('button', { name: 'Save the opening hours' }).click();
    await expect.poll(() => desk.getByRole('status').textContent()).toContain('Opening hours saved');
    expect(await sys.db.dealer.findUniqueOrThrow({ where: { id: dealerB } })).toMatchObject({ businessHours: { MON: ['08:00', '18:00'] }, closedOn: ['2026-12-24', '2026-12-25'] });
    await screenshot(desk, 'settings-oem');
    await desk.close();
  });
});

/** A logged-in person over HTTP (no browser): their session cookie and a CSRF token for forms. */
const form = (token: string, fields: Record<string, string> = {}) => new URLSearchParams({ _csrf: token, ...fields }).toString();
const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/**
 * The login form submitted over HTTP, from an address of its own (TEST-NET-1): the browser's logins
 * all come from 127.0.0.1, and the form takes 20 attempts a minute from one address. 303 when the
 * password was taken, 401 when refused.
 */
async function submitLogin(email: string, password = currentPassword(email)) {
  return (await httpLogIn((o) => sys.app.inject(o), email, password, '192.0.2.10')).first;
}

async function sessionOf(email: string) {
  const { first, cookie: signedIn } = await httpLogIn((o) => sys.app.inject(o), email);
  expect(first.statusCode, first.body).toBe(303);
  const cookie = signedIn!;
  const home = await sys.app.inject({ method: 'GET', url: '/workspace', headers: { cookie } });
  const token = tokenIn(home.body);
  return {
    get: (url: string) => sys.app.inject({ method: 'GET', url, headers: { cookie } }),
    post: (url: string, fields: Record<string, string> = {}) =>
      sys.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form(token, fields) }),
  };
}

describe('the pages follow the API\'s access rules, by how the dealer stands with the customer', () => {
  const SALE = { vin: 'WVWZZZE1ZPP077777', model: 'ID.4', soldOn: '2026-11-30' };

  async function offeredToA(firstName: string) {
    const res = await sys.api({
      method: 'POST', url: '/v1/leads',
      payload: { source: 'WEB_FORM', interest: { model: 'ID.4', timeframe: 'NOW' }, contact: { firstName, email: `${firstName.toLowerCase()}.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territoryA}2` } },
    });
    expect(res.statusCode).toBe(202);
    const { journeyId, customerId } = res.json();
    await eventually(async () => ((await sys.db.journey.findUnique({ where: { id: journeyId } }))?.offeredDealerId === dealerA ? true : undefined));
    return { journeyId, customerId };
  }

  it('offered, current, former (declined) and another dealer: the customer page, accept and sale', async () => {
    const a = await sessionOf(people.sales);
    const b = await sessionOf(people.other);
    const { journeyId, customerId } = await offeredToA('Olli');

    // OFFERED to A: A sees the customer and may answer, not yet sell (403); B does not see it at all.
    expect((await a.get(`/workspace/customers/${customerId}`)).body).toContain('Olli');
    expect((await a.post(`/workspace/journeys/${journeyId}/sale`, SALE)).statusCode).toBe(403);
    for (const res of [await b.get(`/workspace/customers/${customerId}`), await b.post(`/workspace/journeys/${journeyId}/accept`), await b.post(`/workspace/journeys/${journeyId}/sale`, SALE)]) {
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('Olli');
    }
    // CURRENT: A accepted; a repeated accept is harmless; B still sees nothing.
    expect((await a.post(`/workspace/journeys/${journeyId}/accept`)).statusCode).toBe(303);
    expect((await a.post(`/workspace/journeys/${journeyId}/accept`)).statusCode).toBe(303);
    expect((await a.get(`/workspace/customers/${customerId}`)).body).toContain('Record the sale');
    expect((await b.get(`/workspace/customers/${customerId}`)).statusCode).toBe(404);
    // A bad VIN is a 400 page naming it, and the journey is unchanged.
    const badVin = await a.post(`/workspace/journeys/${journeyId}/sale`, { ...SALE, vin: 'WVWZZZE1ZPP0777O7' });
    expect(badVin.statusCode).toBe(400);
    expect(badVin.body).toContain('vin');
    expect((await sys.db.journey.findUnique({ where: { id: journeyId } }))!.stage).toBe('IN_SALES');

    // FORMER: A declines another customer; it sees its own history only, cannot answer again (409) or act (404).
    const other = await offeredToA('Pia');
    expect((await a.post(`/workspace/journeys/${other.journeyId}/decline`, { reason: 'no capacity this week' })).statusCode).toBe(303);
    const former = await a.get(`/workspace/customers/${other.customerId}`);
    expect(former.statusCode).toBe(200);
    expect(former.body).toContain('has moved on');
    expect(former.body).not.toContain('Pia');
    expect((await a.post(`/workspace/journeys/${other.journeyId}/accept`)).statusCode).toBe(409);
    expect((await a.post(`/workspace/journeys/${other.journeyId}/sale`, SALE)).statusCode).toBe(404);

    // FORMER after a lost sale: the customer goes back to the OEM; A can no longer act on them.
    const third = await offeredToA('Quinn');
    expect((await a.post(`/workspace/journeys/${third.journeyId}/accept`)).statusCode).toBe(303);
    expect((await a.post(`/workspace/journeys/${third.journeyId}/no-show`)).statusCode).toBe(303);
    expect((await sys.db.journey.findUnique({ where: { id: third.journeyId } }))!.stage).not.toBe('IN_SALES');
    const after = await a.get(`/workspace/customers/${third.customerId}`);
    expect(after.body).toContain('has moved on');
    expect(after.body).not.toContain('Quinn');
    expect((await a.post(`/workspace/journeys/${third.journeyId}/lost`, { reason: 'too late' })).statusCode).toBe(404);
    expect((await a.post(`/workspace/journeys/${third.journeyId}/service-visits`, { ref: 'WS-1' })).statusCode).toBe(404);
    // A blank reason is a 400 page naming it, before the journey is asked.
    expect((await a.post(`/workspace/journeys/${journeyId}/lost`, { reason: '  ' })).statusCode).toBe(400);
    expect((await sys.db.journey.findUnique({ where: { id: journeyId } }))!.stage).toBe('IN_SALES');

    // Reassigning is the OEM's and ops' (403 for a dealer, even its own customer); the scorecard
    // page shows a dealer its own rows only: A's offers are in A's card, not in B's.
    expect((await a.post(`/workspace/journeys/${journeyId}/reassign`, { to: dealerB, reason: 'swap' })).statusCode).toBe(403);
    const cardOf = async (session: typeof a) => (await session.get('/workspace/scorecard?groupBy=dealer')).body;
    expect(await cardOf(a)).toContain(dealerA);
    expect(await cardOf(b)).not.toContain(dealerA);
  });
});

describe('users over the API', () => {
  it("the OEM creates anyone; a dealer's key only its own salespeople and managers, and lists only them", async () => {
    const dealerKeyA = (await sys.api({ method: 'POST', url: '/v1/api-keys', payload: { name: 'A desk', role: 'DEALER', dealerId: dealerA } })).json().key;
    const own = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: `new.${tag}@a.example`, name: 'New', role: 'SALESPERSON', password: PASSWORD } }, dealerKeyA);
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json()).toMatchObject({ dealerId: dealerA, role: 'SALESPERSON', lockedUntil: null });
    expect(own.json()).not.toHaveProperty('passwordHash');
    const elsewhere = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: `x.${tag}@b.example`, name: 'X', role: 'SALESPERSON', dealerId: dealerB, password: PASSWORD } }, dealerKeyA);
    expect(elsewhere.statusCode).toBe(403);
    const oemRole = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: `y.${tag}@a.example`, name: 'Y', role: 'OPS', password: PASSWORD } }, dealerKeyA);
    expect(oemRole.statusCode).toBe(403);
    const listed = (await sys.api({ method: 'GET', url: '/v1/users' }, dealerKeyA)).json().items.map((u: { dealerId: string }) => u.dealerId);
    expect(new Set(listed)).toEqual(new Set([dealerA]));

    // An address in use anywhere: a generic conflict, for a dealer's key the same as for the OEM (nothing says where).
    const duplicate = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: people.sales.toUpperCase(), name: 'Again', role: 'OPS', password: PASSWORD } });
    expect(duplicate.statusCode).toBe(409);
    const elsewhereTaken = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: people.other, name: 'Again', role: 'SALESPERSON', password: PASSWORD } }, dealerKeyA);
    expect(elsewhereTaken.statusCode).toBe(409);
    expect(elsewhereTaken.json().detail).toBe(duplicate.json().detail);
    expect(elsewhereTaken.body).not.toContain(dealerB);
    expect(elsewhereTaken.body).not.toContain(people.other);
    // A password known from breaches is refused, naming the field.
    const breached = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: `b.${tag}@oem.example`, name: 'B', role: 'OPS', password: 'password1234' } });
    expect(breached.statusCode).toBe(400);
    expect(breached.json().errors).toEqual([{ field: 'password', message: expect.stringContaining('data breaches') }]);
    const short = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: `s.${tag}@oem.example`, name: 'S', role: 'OPS', password: 'short' } });
    expect(short.statusCode).toBe(400);
    expect(short.json().errors[0].field).toContain('password');
    const homeless = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: `h.${tag}@oem.example`, name: 'H', role: 'SALESPERSON', password: PASSWORD } });
    expect(homeless.json().errors).toEqual([{ field: 'dealerId', message: 'a SALESPERSON belongs to a dealer' }]);
    const nowhere = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: `n.${tag}@oem.example`, name: 'N', role: 'SALESPERSON', dealerId: 'DLR-NOWHERE', password: PASSWORD } });
    expect(nowhere.json().errors).toEqual([{ field: 'dealerId', message: 'no dealer DLR-NOWHERE' }]);
    expect((await sys.api({ method: 'GET', url: '/v1/users' }, null)).statusCode).toBe(401);
    const opsKey = (await sys.api({ method: 'POST', url: '/v1/api-keys', payload: { name: 'ops', role: 'OPS' } })).json().key;
    expect((await sys.api({ method: 'POST', url: '/v1/users', payload: { email: `o.${tag}@oem.example`, name: 'O', role: 'OPS', password: PASSWORD } }, opsKey)).statusCode).toBe(403);
    expect((await sys.api({ method: 'POST', url: '/v1/users', payload: { email: 'not an address', name: 'Z', role: 'OPS', password: PASSWORD } })).json().errors[0].field).toContain('email');
  });

  it("PATCH /v1/users/:id: a dealer's key changes only its own people (another dealer's are 404), ops none, the OEM lifts a lock", async () => {
    const dealerKeyA = (await sys.api({ method: 'POST', url: '/v1/api-keys', payload: { name: 'A admin', role: 'DEALER', dealerId: dealerA } })).json().key;
    const opsKey = (await sys.api({ method: 'POST', url: '/v1/api-keys', payload: { name: 'ops reader', role: 'OPS' } })).json().key;
    const mine = await createUser({ email: `leaver.${tag}@a.example`, name: 'Lea Leaver', role: 'SALESPERSON', dealerId: dealerA });
    const theirs = await createUser({ email: `theirs.${tag}@b.example`, name: 'Theo Theirs', role: 'SALESPERSON', dealerId: dealerB });
    const change = (id: string, payload: Record<string, unknown>, key?: string) => sys.api({ method: 'PATCH', url: `/v1/users/${id}`, payload }, key);

    const otherDealer = await change(theirs.id, { active: false }, dealerKeyA);
    expect(otherDealer.statusCode).toBe(404);
    expect((await change(randomUUID(), { active: false }, dealerKeyA)).statusCode).toBe(404);
    expect((await change(mine.id, { active: false }, opsKey)).statusCode).toBe(403);
    const empty = await change(mine.id, {}, dealerKeyA);
    expect(empty.statusCode).toBe(400);
    expect((await change(mine.id, { active: 'no' }, dealerKeyA)).json().errors[0].field).toContain('active');

    const deactivated = await change(mine.id, { active: false }, dealerKeyA);
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    expect(deactivated.json()).toMatchObject({ id: mine.id, active: false });
    expect((await submitLogin(mine.email)).statusCode).toBe(401);
    expect((await change(mine.id, { active: true }, dealerKeyA)).json()).toMatchObject({ active: true });
    expect((await submitLogin(mine.email)).statusCode).toBe(303);

    // Theirs was never touched by A's key: still active. Five wrong passwords pause it; the OEM lifts the pause.
    for (let i = 0; i < 5; i++) expect((await submitLogin(theirs.email, 'wrong')).statusCode).toBe(401);
    expect((await submitLogin(theirs.email)).statusCode).toBe(401);
    const locked = (await sys.api({ method: 'GET', url: '/v1/users' })).json().items.find((u: { id: string }) => u.id === theirs.id);
    expect(locked).toMatchObject({ active: true, lockedUntil: expect.any(String) });
    expect((await change(theirs.id, { unlock: true })).json()).toMatchObject({ lockedUntil: null });
    expect((await submitLogin(theirs.email)).statusCode).toBe(303);
  });

  it('the users API is in the OpenAPI document (and so fuzzed with every role); the pages are not', async () => {
    const paths = Object.keys((await sys.app.inject({ method: 'GET', url: '/docs/json' })).json().paths);
    expect(paths).toContain('/v1/users');
    expect(paths.filter((p) => p.startsWith('/workspace'))).toEqual([]);
  });
});
