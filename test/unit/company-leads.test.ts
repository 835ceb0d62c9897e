// Companies as leads name them, whichever door they come in by (the JSON schema, ADF, a fair
// file's row), how a company is told apart, who is offered one, and the drivers a fleet sale
// brings in. The rules of roles and fleets themselves are in fleets.test.ts.
import { describe, expect, it } from 'vitest';
import { companyIdentityOf, type AccountContact } from '../../domain/fleets.js';
import type { JourneyState } from '../../domain/journey.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { chooseDealer, type DealerCandidate } from '../../domain/routing.js';
import { applyJourneyEvent, startJourney, TransitionRefused, type JourneyEvent, type PendingEvent } from '../../domain/transitions.js';
import { parseAdf } from '../../intake/adf.js';
import { leadFromRow } from '../../intake/import-file.js';
import { checkLead } from '../../intake/lead-schema.js';

describe('companyIdentityOf', () => {
  it('tells a company apart by its VAT id, else by its name without legal form and its postal code', () => {
    expect(companyIdentityOf({ name: 'Müller Logistik GmbH', vatId: 'de 123.456.789', postalCode: '10115' }))
      .toEqual({ vatKey: 'VAT:DE123456789', nameKey: 'NAME:muller logistik|10115' });
    expect(companyIdentityOf({ name: 'MÜLLER-LOGISTIK gmbh', postalCode: '101 15' })).toEqual({ vatKey: null, nameKey: 'NAME:muller logistik|10115' });
    expect(companyIdentityOf({ name: 'Müller Logistik GmbH' })).toBeNull();
  });
});

describe('a lead naming a company', () => {
  const base = { source: 'WEB_FORM', contact: { firstName: 'Frida', email: 'frida@example.com', postalCode: '10115' } };

  it('takes the company with the contact\'s role (the decision-maker unless said)', () => {
    const checked = checkLead({ ...base, company: { name: 'Müller Logistik GmbH', vatId: 'DE 123 456 789', fleetSize: 40 } });
    expect(checked).toEqual({ lead: expect.objectContaining({ company: { name: 'Müller Logistik GmbH', vatId: 'DE 123 456 789', fleetSize: 40, contactRole: 'DECISION_MAKER' } }) });
  });

  it.each([
    [{ name: 'Müller Logistik' }, { postalCode: undefined }, 'company.vatId', /VAT id or a postal code/],
    [{ name: 'Müller Logistik', vatId: '123' }, {}, 'company.vatId', /country prefix/],
    [{ name: 'Müller Logistik', fleetSize: 0 }, {}, 'company.fleetSize', /./],
    [{ name: 'Müller Logistik', contactRole: 'CEO' }, {}, 'company.contactRole', /./],
    [{ name: '' }, {}, 'company.name', /./],
  ])('refuses %j naming the field', (company, contact, field, message) => {
    const checked = checkLead({ ...base, contact: { ...base.contact, ...contact }, company });
    expect(checked).toMatchObject({ field, message: expect.stringMatching(message) });
  });
});

describe('ADF: <name type="business"> and the <company> extension', () => {
  const adf = (extension: string) => `<?xml version="1.0"?><adf><prospect>
    <requestdate>2026-11-20T09:15:00Z</requestdate>
    <customer><contact>
      <name part="first">Frida</name><name part="last">Fleet</name><name part="full" type="business">Müller Logistik GmbH</name>
      <email>frida@example.com</email><address><street line="1">Hafenstraße 1</street><city>Berlin</city><postalcode>10115</postalcode><country>DE</country></address>
    </contact>${extension}</customer></prospect></adf>`;

  it('makes the business name the company and the individual names the contact', () => {
    const [prospect] = parseAdf(adf('<company vatid="DE123456789" fleetsize="25" role="procurement"/>'));
    expect(prospect!.lead.contact).toMatchObject({ firstName: 'Frida', lastName: 'Fleet', email: 'frida@example.com', postalCode: '10115' });
    expect(prospect!.lead.company).toEqual({ name: 'Müller Logistik GmbH', vatId: 'DE123456789', fleetSize: 25, contactRole: 'PROCUREMENT', street: 'Hafenstraße 1', city: 'Berlin' });
  });

  it('names the extension attribute at fault', () => {
    expect(() => parseAdf(adf('<company fleetsize="many"/>'))).toThrow(expect.objectContaining({ field: 'adf.prospect[0].customer.company.@fleetsize' }));
  });

  it('reads a private prospect as before', () => {
    const [prospect] = parseAdf(adf('').replace(/<name part="full" type="business">[^<]*<\/name>/, ''));
    expect(prospect!.lead.company).toBeUndefined();
  });
});

describe('a fair file row naming a company', () => {
  const event = { source: 'FAIR' as const, name: 'IAA Transportation 2026' };
  const row = (values: Record<string, string>) => ({ row: 2, values: { email: 'frida@example.com', postalCode: '30159', ...values } });

  it('carries the company, its VAT id, fleet size and the person\'s role', () => {
    const outcome = leadFromRow(row({ company: 'Müller Logistik GmbH', vatId: 'DE123456789', fleetSize: '12', contactRole: 'decision maker' }), event);
    expect(outcome).toMatchObject({ lead: { company: { name: 'Müller Logistik GmbH', vatId: 'DE123456789', fleetSize: 12, contactRole: 'DECISION_MAKER' } } });
  });

  it.each([
    [{ vatId: 'DE123456789' }, 'company', /without a company name/],
    [{ company: 'Müller', fleetSize: 'twelve' }, 'fleetSize', /./],
    [{ company: 'Müller', contactRole: 'boss' }, 'contactRole', /./],
  ])('rejects %j naming the column', (values, field, reason) => {
    expect(leadFromRow(row(values), event)).toMatchObject({ field, reason: expect.stringMatching(reason) });
  });
});

describe('routing a company', () => {
  const dealer = (id: string, over: Partial<DealerCandidate> = {}): DealerCandidate => ({
    id, active: true, territory: ['10'], capacity: 10, openLoad: 0, lastOfferTurn: null, ...over,
  });
  const request = { postalCode: '10115', preferredDealerId: null, alreadyTried: [] as string[] };

  it('offers only dealers with a fleet desk, even the one it chose; private buyers go to either', () => {
    const dealers = [dealer('private-only', { territory: ['101'] }), dealer('fleet', { fleetDesk: true })];
    expect(chooseDealer(dealers, { ...request, fleet: true })).toEqual({ dealerId: 'fleet', reason: 'TERRITORY' });
    expect(chooseDealer(dealers, { ...request, fleet: true, preferredDealerId: 'private-only' })).toEqual({ dealerId: 'fleet', reason: 'TERRITORY' });
    expect(chooseDealer(dealers, request)).toEqual({ dealerId: 'private-only', reason: 'TERRITORY' });
    expect(chooseDealer([dealers[0]!], { ...request, fleet: true })).toEqual({ dealerId: null, reason: 'NO_CANDIDATE' });
  });
});

describe('a fleet sale naming its drivers', () => {
  const T = '2026-03-02T10:00:00.000Z';
  const boss: AccountContact = { contactId: 'p-boss', role: 'DECISION_MAKER', hasEmail: true, hasPhone: false };
  const run = (state: JourneyState, ...events: PendingEvent[]) => events.reduce((s, e) => applyJourneyEvent(s, { at: T, ...e } as JourneyEvent, DEFAULT_POLICY).state, state);
  const lead = { leadId: 'l1', source: 'WEB_FORM' as const, hasEmail: true, hasPhone: false, hasPostalCode: true, receivedAt: T, consentRegime: 'OPT_OUT' as const, consents: [], account: { contact: boss, fleetSize: 12 } };
  const inSales = run(startJourney('journey-co', 'co', lead, T).state,
    { type: 'QUALIFICATION_STARTED' }, { type: 'LEAD_SCORED', score: 70 }, { type: 'HANDOFF_OFFERED', dealerId: 'desk' }, { type: 'HANDOFF_ACCEPTED', dealerId: 'desk' });
  const car = (n: number, driverId: string) => ({ vin: `WVWZZZE1ZPP00000${n}`, model: 'ID.4', soldOn: '2026-03-02', driverId });
  const driver = (contactId: string): AccountContact => ({ contactId, role: 'DRIVER', hasEmail: true, hasPhone: false });

  it('adds the drivers to the company\'s people with the sale, and each car knows its driver', () => {
    const owned = run(inSales, { type: 'FLEET_SOLD', dealerId: 'desk', vehicles: [car(1, 'p-d1'), car(2, 'p-d2')], drivers: [driver('p-d1'), driver('p-d2')] });
    expect(owned.stage).toBe('DEALER_OWNED');
    expect(owned.account!.contacts.map((c) => `${c.contactId}:${c.role}`)).toEqual(['p-boss:DECISION_MAKER', 'p-d1:DRIVER', 'p-d2:DRIVER']);
    expect(owned.fleet!.map((v) => v.driverId)).toEqual(['p-d1', 'p-d2']);
  });

  it('takes people named as drivers in the driver role only, and refuses a car whose driver is not named', () => {
    const asBoss = { ...driver('p-x'), role: 'DECISION_MAKER' as const };
    expect(() => run(inSales, { type: 'FLEET_SOLD', dealerId: 'desk', vehicles: [car(1, 'p-x')], drivers: [asBoss] })).toThrow(TransitionRefused);
    expect(() => run(inSales, { type: 'FLEET_SOLD', dealerId: 'desk', vehicles: [car(1, 'p-d9')], drivers: [driver('p-d1')] })).toThrow(/not a driver/);
  });
});
