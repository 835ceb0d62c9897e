// Consent as the law asks for it, end to end on the real stack: an EU lead's e-mail marketing
// consent waits for the double opt-in click (the confirmation e-mail goes over real SMTP),
// promotions are suppressed naming the missing consent until then, and every marketing
// e-mail carries a one-click unsubscribe that a mail client can POST.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentLinks, UNSUBSCRIBE_LINK_DAYS } from '../../consent/links.js';
import { logTransport, smtpTransport } from '../../communications/transports.js';
import { DEV_CONSENT_LINK_SECRET } from '../../platform/config.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { recordHistoryFixture } from '../support/histories.js';
import { startSmtpServer, type ReceivedMail } from '../support/smtp.js';
import { ANY_HOUR_POLICY, eventually, silentLog, startSystem, type System } from '../support/system.js';

let sys: System;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
const journeyPolicy = ANY_HOUR_POLICY;
const links = consentLinks({ secret: DEV_CONSENT_LINK_SECRET, publicApiUrl: 'http://127.0.0.1:3000' });

beforeAll(async () => {
  smtp = await startSmtpServer();
  sys = await startSystem({ kinds: ['journeys'], journeyPolicy, transports: { email: smtpTransport(smtp.url, silentLog), other: logTransport(silentLog) } });
});
afterAll(async () => {
  await sys?.stop();
  await smtp?.stop();
});

const promotion = { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'ID.7', offer: 'spring offer' } };
const emailMarketing = { channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'web-2026-03-de', method: 'WEB_FORM' };

async function newLead(country: string, consents: object[]) {
  const email = `eva.${randomUUID().slice(0, 8)}@example.com`;
  const res = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { firstName: 'Eva', email, country }, consents } });
  expect(res.statusCode, res.body).toBe(202);
  const { customerId, journeyId } = res.json();
  await eventually(async () => ((await sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery)).stage !== 'CAPTURED' ? true : undefined));
  return { customerId, journeyId, email };
}
const ask = (customerId: string) => sys.api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: promotion });
/** The path and query of a link in an e-mail (the API runs in-process here). */
const pathOf = (url: string) => { const u = new URL(url); return `${u.pathname}${u.search}`; };
const mailTo = (email: string, subject: RegExp) => eventually(async () => smtp.inbox.find((m) => m.to === email && subject.test(m.subject)));
const consentRows = (customerId: string) => sys.db.consentRecord.findMany({ where: { customerId }, orderBy: { recordedAt: 'asc' } });
/** The confirmation page's button: a form POST to the link's own address. */
const confirmByButton = (path: string, headers: Record<string, string> = {}) =>
  sys.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: 'confirm=yes' });
/** A token with one character of its payload changed (the signature no longer fits). */
const tampered = (token: string) => { const [h, p, s] = token.split('.'); return [h, `${p!.slice(0, -2)}${p!.slice(-2) === 'AA' ? 'BB' : 'AA'}`, s].join('.'); };

describe('double opt-in for e-mail marketing (EU lead)', () => {
  let customer: Awaited<ReturnType<typeof newLead>>;
  let confirmation: ReceivedMail;

  beforeAll(async () => {
    customer = await newLead('DE', [emailMarketing, { ...emailMarketing, channel: 'PHONE', purpose: 'SALES_CONTACT', granted: false }]);
    confirmation = await mailTo(customer.email, /Please confirm/);
  });

  it('the journey sends the confirmation e-mail with a signed link, and no unsubscribe (it is not advertising)', () => {
    expect(confirmation.text).toMatch(/http:\/\/127\.0\.0\.1:3000\/v1\/consents\/confirm\?token=[\w.-]+/);
    expect(confirmation.listUnsubscribe).toBeNull();
  });

  it('before the click a promotion is SUPPRESSED NO_CONSENT naming the e-mail marketing consent', async () => {
    const res = await ask(customer.customerId);
    expect(res.json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT', missingConsent: { channel: 'EMAIL', purpose: 'MARKETING' } });
  });

  it('a changed, expired or foreign link is refused and changes nothing', async () => {
    const url = confirmation.text.match(/http:\S+\/v1\/consents\/confirm\?token=[\w.-]+/)![0];
    const token = new URL(url).searchParams.get('token')!;
    const other = await newLead('DE', [emailMarketing]);
    const requestedAt = new Date().toISOString();
    const expired = await links.confirmationUrl({ customerId: customer.customerId, channel: 'EMAIL', purpose: 'MARKETING', until: new Date(Date.now() - 1_000).toISOString(), requestedAt });
    const forged = consentLinks({ secret: 'x'.repeat(40), publicApiUrl: 'http://127.0.0.1:3000' });
    const attempts = [
      [`/v1/consents/confirm?token=${tampered(token)}`, 403],
      [pathOf(expired), 410],
      // Signed with another secret, for this customer: not ours.
      [pathOf(await forged.confirmationUrl({ customerId: customer.customerId, channel: 'EMAIL', purpose: 'MARKETING', until: new Date(Date.now() + 60_000).toISOString(), requestedAt })), 403],
      // An unsubscribe token is no confirmation token (another audience).
      [pathOf(await links.unsubscribeUrl({ customerId: customer.customerId, channel: 'EMAIL', purpose: 'MARKETING', communicationId: randomUUID() })).replace('/v1/unsubscribe', '/v1/consents/confirm'), 403],
      ['/v1/consents/confirm?token=not-a-token-at-all-but-long', 403],
    ] as const;
    for (const [path, status] of attempts) {
      for (const res of [await sys.app.inject({ method: 'GET', url: path }), await confirmByButton(path)]) {
        expect(res.statusCode, path).toBe(status);
        expect(res.headers['content-type']).toMatch(/text\/html/);
      }
    }
    // A well-signed link for a request the journey is not waiting for (another time): refused, nothing changes.
    const notThisRequest = await links.confirmationUrl({ customerId: customer.customerId, channel: 'EMAIL', purpose: 'MARKETING', until: new Date(Date.now() + 60_000).toISOString(), requestedAt });
    expect((await confirmByButton(pathOf(notThisRequest))).statusCode).toBe(409);
    expect((await ask(customer.customerId)).json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    expect((await consentRows(customer.customerId)).some((r) => r.method === 'DOUBLE_OPT_IN')).toBe(false);
    // The other customer's own link confirms the other customer only.
    const otherMail = await mailTo(other.email, /Please confirm/);
    const otherUrl = otherMail.text.match(/http:\S+\/v1\/consents\/confirm\?token=[\w.-]+/)![0];
    expect((await confirmByButton(pathOf(otherUrl))).statusCode).toBe(200);
    expect((await ask(customer.customerId)).json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    expect((await ask(other.customerId)).json()).toMatchObject({ decision: 'ALLOWED' });
  });

  it('opening the link (a mail scanner does too) confirms nothing; the page\'s button does (issue 29, finding 6)', async () => {
    const url = confirmation.text.match(/http:\S+\/v1\/consents\/confirm\?token=[\w.-]+/)![0];
    for (let scans = 0; scans < 3; scans++) {
      const opened = await sys.app.inject({ method: 'GET', url: pathOf(url), headers: { 'user-agent': 'LinkScanner/1.0' } });
      expect(opened.statusCode).toBe(200);
      expect(opened.body).toContain('<form method="post"');
      expect(opened.body).toContain('Yes, I confirm');
    }
    expect((await consentRows(customer.customerId)).some((r) => r.method === 'DOUBLE_OPT_IN')).toBe(false);
    expect((await ask(customer.customerId)).json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
  });

  it('the click confirms: recorded with its proof, promotions ALLOWED, each carrying a one-click unsubscribe', async () => {
    const url = confirmation.text.match(/http:\S+\/v1\/consents\/confirm\?token=[\w.-]+/)![0];
    const res = await confirmByButton(pathOf(url), { 'user-agent': 'Mozilla/5.0 (test)' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('Thank you, confirmed');
    const again = await confirmByButton(pathOf(url));
    expect(again.statusCode).toBe(200); // a second click is harmless
    expect(again.body).toBe(res.body);
    expect((await consentRows(customer.customerId)).filter((r) => r.method === 'DOUBLE_OPT_IN')).toHaveLength(1);

    const proof = (await consentRows(customer.customerId)).find((r) => r.method === 'DOUBLE_OPT_IN')!;
    expect(proof).toMatchObject({ channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'web-2026-03-de', userAgent: 'Mozilla/5.0 (test)', ip: expect.any(String) });

    const allowed = await ask(customer.customerId);
    expect(allowed.json()).toMatchObject({ decision: 'ALLOWED' });
    const mail = await eventually(async () => smtp.inbox.find((m) => m.communicationId === allowed.json().communicationId));
    expect(mail.listUnsubscribePost).toBe('List-Unsubscribe=One-Click');
    const unsubscribeUrl = mail.listUnsubscribe!.match(/^<(.+)>$/)![1]!;
    expect(mail.text).toContain(`Unsubscribe: ${unsubscribeUrl}`);
    // A journey that asked for a confirmation and got it: future changes must replay it.
    await recordHistoryFixture(sys.temporal.workflow.getHandle(customer.journeyId), 'journey-consent-double-opt-in');
  });
});

describe('one-click unsubscribe (RFC 8058)', () => {
  it('a mail client\'s POST withdraws the consent at once; a foreign or changed token is refused and changes nothing', async () => {
    // A US customer: opt-out law, so a promotion goes out without a prior opt-in.
    const customer = await newLead('US', []);
    const allowed = await ask(customer.customerId);
    expect(allowed.json()).toMatchObject({ decision: 'ALLOWED' });
    const mail = await eventually(async () => smtp.inbox.find((m) => m.communicationId === allowed.json().communicationId));
    const url = mail.listUnsubscribe!.match(/^<(.+)>$/)![1]!;
    const token = new URL(url).searchParams.get('token')!;

    const oneClick = (path: string) => sys.app.inject({
      method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click',
    });
    expect((await oneClick(`/v1/unsubscribe?token=${tampered(token)}`)).statusCode).toBe(403);
    const forged = consentLinks({ secret: 'y'.repeat(40), publicApiUrl: 'http://127.0.0.1:3000' });
    expect((await oneClick(pathOf(await forged.unsubscribeUrl({ customerId: customer.customerId, channel: 'EMAIL', purpose: 'MARKETING', communicationId: randomUUID() })))).statusCode).toBe(403);
    expect((await ask(customer.customerId)).json()).toMatchObject({ decision: 'ALLOWED' });

    const res = await oneClick(pathOf(url));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('You are unsubscribed');
    await eventually(async () => ((await ask(customer.customerId)).json().decision === 'SUPPRESSED' ? true : undefined));
    expect((await ask(customer.customerId)).json()).toMatchObject({ reason: 'NO_CONSENT', missingConsent: { channel: 'EMAIL', purpose: 'MARKETING' } });
    expect((await consentRows(customer.customerId)).at(-1)).toMatchObject({ method: 'UNSUBSCRIBE', granted: false, communicationId: allowed.json().communicationId });
    // The person clicks too (after their mail client did): the same page, one record.
    const twice = await oneClick(pathOf(url));
    expect(twice.body).toBe(res.body);
    expect((await consentRows(customer.customerId)).filter((r) => r.method === 'UNSUBSCRIBE')).toHaveLength(1);

    // The link opened from the e-mail (GET) shows the button and changes nothing.
    const page = await sys.app.inject({ method: 'GET', url: pathOf(url) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('name="List-Unsubscribe" value="One-Click"');

    // The export shows the consents with their proof.
    const exported = (await sys.api({ method: 'GET', url: `/v1/customers/${customer.customerId}/export` })).json();
    expect(JSON.stringify(exported)).toContain('UNSUBSCRIBE');
  });

  it('opening an unsubscribe link changes nothing; a link older than its validity has expired (issue 29, finding 6)', async () => {
    const customer = await newLead('US', []);
    const url = await links.unsubscribeUrl({ customerId: customer.customerId, channel: 'EMAIL', purpose: 'MARKETING', communicationId: randomUUID() });
    for (let scans = 0; scans < 3; scans++) expect((await sys.app.inject({ method: 'GET', url: pathOf(url) })).statusCode).toBe(200);
    expect((await ask(customer.customerId)).json()).toMatchObject({ decision: 'ALLOWED' });
    expect(await consentRows(customer.customerId)).toEqual([]);
    const old = await links.unsubscribeUrl({ customerId: customer.customerId, channel: 'EMAIL', purpose: 'MARKETING', communicationId: randomUUID() }, new Date(Date.now() - (UNSUBSCRIBE_LINK_DAYS + 1) * 86_400_000));
    const expired = await sys.app.inject({ method: 'POST', url: pathOf(old), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(expired.statusCode).toBe(410);
    expect((await ask(customer.customerId)).json()).toMatchObject({ decision: 'ALLOWED' });
  });

  it('a POST without the one-click body is refused naming it', async () => {
    const url = await links.unsubscribeUrl({ customerId: randomUUID(), channel: 'EMAIL', purpose: 'MARKETING', communicationId: randomUUID() });
    const res = await sys.app.inject({ method: 'POST', url: pathOf(url), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'foo=bar' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('List-Unsubscribe');
  });
});
