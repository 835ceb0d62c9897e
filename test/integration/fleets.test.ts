// Companies and fleets (issue 13, seed 004) on the real stack: a fleet manager's lead and a
// buyer's ADF lead make ONE company journey, qualified by fleet size; the hand-off goes to
// the dealer with a fleet desk (not the nearer one without); the dealer records five
// vehicles, each with its driver; each driver's service reminder reaches that driver over
// real SMTP while the renewal offer reaches the decision-maker, and a driver never gets it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logTransport, smtpTransport } from '../../communications/transports.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { recordHistoryFixture } from '../support/histories.js';
import { startSmtpServer } from '../support/smtp.js';
import { ANY_HOUR_POLICY, createTestKey, customerSnapshot, eventually, silentLog, startSystem, type System } from '../support/system.js';

let sys: System;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
// The yearly service reminder every 4 s, so the drivers' reminders come while the test looks;
// surveys a week after the sale (not within the test).
const journeyPolicy = { ...ANY_HOUR_POLICY, serviceReminderIntervalMs: 4_000 };

const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const territory = `FL${tag}`;
const deskId = `DLR-FLEET-${tag}`;
const nearId = `DLR-NEAR-${tag}`;
let deskKey = '';
let nearKey = '';
const mail = (who: string) => `${who}.${tag.toLowerCase()}@example.com`;
const company = { name: `Hafen Logistik ${tag} GmbH`, fleetSize: 40, postalCode: `${territory}1`, country: 'US' };

beforeAll(async () => {
  smtp = await startSmtpServer();
  sys = await startSystem({ kinds: ['journeys'], journeyPolicy, transports: { email: smtpTransport(smtp.url, silentLog), other: logTransport(silentLog) } });
  // The nearer dealer covers the postal code more precisely, but has no fleet desk.
  const near = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id: nearId, name: 'Autohaus Nah', territory: [`${territory}1`], brands: ['VW'] } });
  expect(near.statusCode, near.body).toBe(201);
  const desk = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id: deskId, name: 'Flottenzentrum', territory: [territory], brands: ['VW'], capabilities: ['FLEET_DESK'] } });
  expect(desk.statusCode, desk.body).toBe(201);
  expect(desk.json().capabilities).toEqual(['FLEET_DESK']);
  deskKey = await createTestKey(sys.db, 'DEALER', deskId);
  nearKey = await createTestKey(sys.db, 'DEALER', nearId);
});
afterAll(async () => {
  await sys?.stop();
  await smtp?.stop();
});

const fiveCars = Array.from({ length: 5 }, (_, i) => ({
  vin: `WVWZZZE1ZP${tag}${i}`, model: 'ID.Buzz Cargo', soldOn: '2026-11-20',
  driver: { firstName: `Driver${i + 1}`, email: mail(`driver${i + 1}`) },
}));

describe('a company and its fleet', () => {
  it('one company journey from two doors → fleet-desk hand-off → five vehicles with drivers → reminders to each driver, the renewal offer to the decision-maker', async () => {
    // The fleet manager asks on the web form.
    const first = await sys.api({
      method: 'POST', url: '/v1/leads',
      payload: { source: 'WEB_FORM', interest: { model: 'ID.Buzz Cargo', timeframe: 'WITHIN_3_MONTHS' }, contact: { firstName: 'Frida', email: mail('frida'), country: 'US' }, company },
    });
    expect(first.statusCode, first.body).toBe(202);
    const { journeyId, customerId } = first.json();
    const handle = sys.temporal.workflow.getHandle(journeyId);

    // Purchasing sends the same company through a lead provider (ADF): same name and postal code, same journey.
    const adf = `<?xml version="1.0"?><adf><prospect><customer><contact>
      <name part="first">Paul</name><name part="last">Einkauf</name><name part="full" type="business">HAFEN-LOGISTIK ${tag} gmbh</name>
      <email>${mail('paul')}</email><address><postalcode>${territory}1</postalcode><country>US</country></address></contact>
      <company role="procurement"/></customer></prospect></adf>`;
    const second = await sys.api({ method: 'POST', url: '/v1/leads/adf', payload: adf, headers: { 'content-type': 'application/xml' } });
    expect(second.statusCode, second.body).toBe(202);
    expect(second.json().journeys[0]).toMatchObject({ customerId, journeyId });

    // Qualified by its fleet and offered to the dealer with a fleet desk only.
    await eventually(async () => ((await handle.query(journeyStateQuery)).handoff?.dealerId ? true : undefined));
    const offered = await handle.query(journeyStateQuery);
    expect(offered).toMatchObject({ stage: 'HANDED_OFF', handoff: { dealerId: deskId }, account: { fleetSize: 40 } });
    expect(offered.account!.contacts.map((c) => c.role).sort()).toEqual(['DECISION_MAKER', 'PROCUREMENT']);
    expect(offered.score).toBeGreaterThanOrEqual(60);
    expect(JSON.stringify(offered)).not.toContain('frida'); // ids and roles only, never the people's data

    // The nearer dealer was never offered it: it cannot act on the company.
    const stranger = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/fleet-sale`, payload: { vehicles: fiveCars } }, nearKey);
    expect(stranger.statusCode).toBe(404);
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/accept` }, deskKey)).statusCode).toBe(200);

    // A private sale is refused for a company; a driver with an unreadable phone is a 400 naming it; neither writes anything.
    const before = await customerSnapshot(sys, journeyId, customerId);
    const single = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/sale`, payload: { vehicle: { vin: fiveCars[0]!.vin, model: 'ID.4', soldOn: '2026-11-20' } } }, deskKey);
    expect(single.statusCode).toBe(409);
    expect(single.json().detail).toMatch(/fleet sale/);
    const badPhone = await sys.api({
      method: 'POST', url: `/v1/journeys/${journeyId}/fleet-sale`,
      payload: { vehicles: fiveCars.map((v, i) => (i === 2 ? { ...v, driver: { ...v.driver, phone: 'not a number' } } : v)) },
    }, deskKey);
    expect(badPhone.statusCode).toBe(400);
    expect(badPhone.json().errors[0].field).toBe('vehicles.2.driver.phone');
    const twice = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/fleet-sale`, payload: { vehicles: [fiveCars[0], fiveCars[0]] } }, deskKey);
    expect(twice.statusCode).toBe(400);
    expect(await customerSnapshot(sys, journeyId, customerId)).toEqual(before);
    expect(await sys.db.companyContact.count({ where: { companyId: customerId, role: 'DRIVER' } })).toBe(0);

    // The sale of five vehicles, each with its driver; sent twice (a retry), taken once.
    const sold = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/fleet-sale`, payload: { vehicles: fiveCars } }, deskKey);
    expect(sold.statusCode, sold.body).toBe(200);
    expect(sold.json()).toMatchObject({ stage: 'DEALER_OWNED', dealerId: deskId });
    const again = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/fleet-sale`, payload: { vehicles: fiveCars } }, deskKey);
    expect(again.statusCode).toBe(200);
    expect(await sys.db.sale.count({ where: { customerId } })).toBe(5);

    const people = (await sys.api({ method: 'GET', url: `/v1/customers/${customerId}/people` }, deskKey)).json();
    expect(people).toMatchObject({ kind: 'COMPANY', companyName: company.name, fleetSize: 40 });
    const byRole = (role: string) => people.items.filter((p: { role: string }) => p.role === role);
    expect(byRole('DECISION_MAKER').map((p: { email: string }) => p.email)).toEqual([mail('frida')]);
    expect(byRole('PROCUREMENT').map((p: { email: string }) => p.email)).toEqual([mail('paul')]);
    expect(byRole('DRIVER').map((p: { email: string }) => p.email).sort()).toEqual(fiveCars.map((v) => v.driver.email).sort());
    // The other dealer sees none of them.
    expect((await sys.api({ method: 'GET', url: `/v1/customers/${customerId}/people` }, nearKey)).statusCode).toBe(404);

    // Each driver is reminded of their own car's service, over SMTP, by the dealer; the decision-maker is not.
    const driverMails = fiveCars.map((v) => v.driver.email);
    const reminders = await eventually(async () => {
      const got = smtp.inbox.filter((m) => m.subject === 'Time for your ID.Buzz Cargo service');
      return driverMails.every((to) => got.some((m) => m.to === to)) ? got : undefined;
    }, 20_000);
    expect(reminders.every((m) => driverMails.includes(m.to))).toBe(true);
    expect(reminders[0]!.text).toContain('Flottenzentrum');

    // The renewal offer: to the decision-maker when no one is named; never to a driver.
    const renewal = { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'fleet-renewal', variables: { model: 'ID.Buzz Cargo', offer: 'Trade in five, get the sixth serviced free.' } };
    const offer = await sys.api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: renewal }, deskKey);
    expect(offer.json()).toMatchObject({ decision: 'ALLOWED' });
    const sentOffer = await eventually(async () => smtp.inbox.find((m) => m.communicationId === offer.json().communicationId));
    expect(sentOffer.to).toBe(mail('frida'));
    const driver = byRole('DRIVER')[0].contactId;
    const toDriver = await sys.api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: { ...renewal, recipientId: driver } }, deskKey);
    expect(toDriver.json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'CONTACT_ROLE' });
    // Someone who is not one of the company's people cannot be named at all.
    const outsider = await sys.api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: { ...renewal, recipientId: randomUUID() } }, deskKey);
    expect(outsider.statusCode).toBe(400);
    expect(outsider.json().errors[0].field).toBe('recipientId');
    // The OEM's own promotion waits out the post-purchase cool-down, as for a private buyer.
    expect((await sys.api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: renewal })).json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'POST_PURCHASE_COOL_DOWN' });
    await recordHistoryFixture(handle, 'journey-fleet-sale');
  });

  it('a company is the same company by its VAT id whatever its name is spelt; without a VAT id or postal code it is a 400, nothing stored', async () => {
    const vatId = `DE${String(Date.now()).slice(-9)}`;
    const send = (name: string, who: string, extra: object = {}) => sys.api({
      method: 'POST', url: '/v1/leads',
      payload: { source: 'FAIR', event: 'IAA Transportation', contact: { email: mail(who), country: 'DE' }, company: { name, vatId, fleetSize: 8, ...extra } },
    });
    const a = await send(`Nordwind Transporte ${tag} GmbH`, 'anna');
    const b = await send(`NORDWIND TRANSPORTE ${tag} AG`, 'bernd', { contactRole: 'DRIVER' });
    expect(a.statusCode, a.body).toBe(202);
    expect(b.json().customerId).toBe(a.json().customerId);
    expect(await sys.db.customer.count({ where: { vatId } })).toBe(1);

    const leadsBefore = await sys.db.lead.count();
    const anonymous = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email: mail('nobody') }, company: { name: 'Somebody Ltd' } } });
    expect(anonymous.statusCode).toBe(400);
    expect(anonymous.json().errors[0].field).toContain('company.vatId');
    expect(await sys.db.lead.count()).toBe(leadsBefore);
  });
});
