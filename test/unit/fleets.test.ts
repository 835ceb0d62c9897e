import { describe, expect, it } from 'vitest';
import { decideCommunication } from '../../domain/communications.js';
import { CONTACT_ROLES, fleetSaleProblem, normalizeCompanyName, normalizeVatId, roleMayReceive, type AccountContact, type FleetVehicle } from '../../domain/fleets.js';
import type { JourneyState } from '../../domain/journey.js';
import type { LeadCaptured } from '../../domain/lead.js';
import { PURPOSES, type CommunicationRequest } from '../../domain/messages.js';
import { scoreFleet } from '../../domain/scoring.js';
import { DAY, DEFAULT_POLICY } from '../../domain/policy.js';
import { applyJourneyEvent, startJourney, TransitionRefused, type JourneyEvent, type PendingEvent } from '../../domain/transitions.js';

const policy = { ...DEFAULT_POLICY, quietHoursStartMinute: 0, quietHoursEndMinute: 0 };
const T = '2026-03-02T10:00:00.000Z';
const contact = (contactId: string, role: AccountContact['role']): AccountContact => ({ contactId, role, hasEmail: true, hasPhone: false });
const fleetLead = (leadId: string, who: AccountContact, fleetSize?: number): LeadCaptured => ({
  leadId, source: 'WEB_FORM', timeframe: 'WITHIN_3_MONTHS', hasEmail: true, hasPhone: false, hasPostalCode: true, receivedAt: T, consentRegime: 'OPT_OUT', consents: [],
  account: { contact: who, ...(fleetSize !== undefined ? { fleetSize } : {}) },
});
const run = (state: JourneyState, ...events: PendingEvent[]) => events.reduce((s, e) => applyJourneyEvent(s, { at: T, ...e } as JourneyEvent, policy).state, state);

const boss = contact('p-boss', 'DECISION_MAKER');
const drivers = ['p-d1', 'p-d2', 'p-d3', 'p-d4', 'p-d5'];
const vins = ['WVWZZZE1ZPP000001', 'WVWZZZE1ZPP000002', 'WVWZZZE1ZPP000003', 'WVWZZZE1ZPP000004', 'WVWZZZE1ZPP000005'];
const fiveCars: FleetVehicle[] = vins.map((vin, i) => ({ vin, model: 'ID.4', soldOn: '2026-03-02', driverId: drivers[i]! }));

const captured = startJourney('journey-co', 'co', fleetLead('l1', boss, 12), T).state;
const inSales = run(captured, { type: 'QUALIFICATION_STARTED' }, { type: 'LEAD_SCORED', score: 70 }, { type: 'HANDOFF_OFFERED', dealerId: 'fleet-desk' }, { type: 'HANDOFF_ACCEPTED', dealerId: 'fleet-desk' });
/** The drivers become the company's people when the dealer records the sale (the API adds them before the Update). */
const withDrivers: JourneyState = { ...inSales, account: { ...inSales.account!, contacts: [...inSales.account!.contacts, ...drivers.map((d) => contact(d, 'DRIVER'))] } };
const owned = run(withDrivers, { type: 'FLEET_SOLD', dealerId: 'fleet-desk', vehicles: fiveCars });

describe('who of a company receives what', () => {
  it('the role table: renewal and offers to the decision-maker, service to drivers, the sales conversation to procurement', () => {
    const table = Object.fromEntries(CONTACT_ROLES.map((role) => [role, PURPOSES.filter((p) => roleMayReceive(role, p))]));
    expect(table).toEqual({
      DECISION_MAKER: ['PROMOTION', 'SALES_FOLLOW_UP', 'SURVEY', 'TRANSACTIONAL', 'LEGAL'],
      PROCUREMENT: ['SALES_FOLLOW_UP', 'TRANSACTIONAL', 'LEGAL'],
      DRIVER: ['SERVICE_REMINDER', 'SURVEY', 'TRANSACTIONAL', 'LEGAL'],
    });
  });

  const request = (purpose: CommunicationRequest['purpose'], recipientId?: string, id = 'm1'): CommunicationRequest => ({
    communicationId: id, sender: { kind: 'DEALER', dealerId: 'fleet-desk' }, purpose, channel: 'EMAIL', templateId: 't', ...(recipientId ? { recipientId } : {}),
  });
  const later = new Date(Date.parse(T) + 120 * DAY).toISOString(); // past the post-purchase cool-down

  it("the owning dealer's renewal offer reaches the decision-maker, not a driver; a driver's service reminder reaches the driver, not the decision-maker", () => {
    expect(decideCommunication(owned, request('PROMOTION', 'p-boss'), later, policy)).toEqual({ decision: 'ALLOWED' });
    expect(decideCommunication(owned, request('PROMOTION'), later, policy)).toEqual({ decision: 'ALLOWED' }); // no recipient: the decision-maker
    expect(decideCommunication(owned, request('PROMOTION', 'p-d3'), later, policy)).toEqual({ decision: 'SUPPRESSED', reason: 'CONTACT_ROLE' });
    expect(decideCommunication(owned, request('SERVICE_REMINDER', 'p-d3'), later, policy)).toEqual({ decision: 'ALLOWED' });
    expect(decideCommunication(owned, request('SERVICE_REMINDER', 'p-boss'), later, policy)).toEqual({ decision: 'SUPPRESSED', reason: 'CONTACT_ROLE' });
    // Someone who is not one of the company's people.
    expect(decideCommunication(owned, request('LEGAL', 'p-stranger'), later, policy)).toEqual({ decision: 'SUPPRESSED', reason: 'CONTACT_ROLE' });
    // The owner rules still hold on top: another dealer may not promote to the decision-maker.
    expect(decideCommunication(owned, { ...request('PROMOTION', 'p-boss'), sender: { kind: 'DEALER', dealerId: 'other' } }, later, policy)).toEqual({ decision: 'SUPPRESSED', reason: 'NOT_OWNER' });
  });

  it('the frequency cap counts per person: five drivers surveyed do not use up the decision-maker\'s', () => {
    let state = owned;
    for (const [i, d] of drivers.entries()) {
      const id = `s${i}`;
      state = applyJourneyEvent(state, { type: 'COMMUNICATION_REQUESTED', request: request('SURVEY', d, id), at: later }, policy).state;
      expect(state.communications.decisions[id]).toEqual({ decision: 'ALLOWED' });
    }
    expect(decideCommunication(state, request('PROMOTION', 'p-boss', 'p1'), later, policy)).toEqual({ decision: 'ALLOWED' });
    // One person past the cap is deferred as before.
    for (let i = 0; i < policy.contactCapMax; i++) {
      state = applyJourneyEvent(state, { type: 'COMMUNICATION_REQUESTED', request: request('SURVEY', 'p-d1', `again${i}`), at: later }, policy).state;
    }
    expect(decideCommunication(state, request('SURVEY', 'p-d1', 'over'), later, policy)).toMatchObject({ decision: 'DEFERRED', reason: 'FREQUENCY_CAP' });
    expect(decideCommunication(state, request('SURVEY', 'p-d2', 'fine'), later, policy)).toEqual({ decision: 'ALLOWED' });
  });
});

describe("a company's journey", () => {
  it('starts with the sender of the lead as one of its people, in their role, and the fleet size', () => {
    expect(captured.account).toEqual({ fleetSize: 12, contacts: [boss] });
    const buyer = contact('p-buyer', 'PROCUREMENT');
    const more = run(captured, { type: 'LEAD_CAPTURED', lead: fleetLead('l2', buyer, 15) });
    expect(more.account).toEqual({ fleetSize: 15, contacts: [boss, buyer] });
    // The same person again in the same role changes nothing but the lead count.
    expect(run(more, { type: 'LEAD_CAPTURED', lead: fleetLead('l3', buyer) }).account).toEqual({ fleetSize: 15, contacts: [boss, buyer] });
  });

  it('a fleet sale: the dealer owns the company, five vehicles on record, each with its driver', () => {
    const { state, effects } = applyJourneyEvent(withDrivers, { type: 'FLEET_SOLD', dealerId: 'fleet-desk', vehicles: fiveCars, at: T }, policy);
    expect(state).toMatchObject({ stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: 'fleet-desk', vehicle: { vin: vins[0] } });
    expect(state.fleet).toEqual(fiveCars);
    expect(effects.filter((e) => e.type === 'SALE_RECORDED').map((e) => e.type === 'SALE_RECORDED' && e.vehicle.vin)).toEqual(vins);
    // Delivered twice: nothing changes.
    expect(applyJourneyEvent(state, { type: 'FLEET_SOLD', dealerId: 'fleet-desk', vehicles: fiveCars, at: T }, policy).state).toBe(state);
  });

  it('a later sale adds vehicles to the fleet of the company the dealer owns', () => {
    const sixth: FleetVehicle = { vin: 'WVWZZZE1ZPP000006', model: 'ID.7', soldOn: '2026-04-01', driverId: 'p-d1' };
    const { state, effects } = applyJourneyEvent(owned, { type: 'FLEET_SOLD', dealerId: 'fleet-desk', vehicles: [sixth], at: T }, policy);
    expect(state.fleet).toHaveLength(6);
    expect(effects.filter((e) => e.type === 'SALE_RECORDED')).toHaveLength(1);
    expect(() => applyJourneyEvent(owned, { type: 'FLEET_SOLD', dealerId: 'other', vehicles: [sixth], at: T }, policy)).toThrow(TransitionRefused);
  });

  it('refuses a private sale, a driver who is not the company\'s, a VIN twice, and a fleet sale of a private person', () => {
    expect(() => run(withDrivers, { type: 'SOLD', dealerId: 'fleet-desk', vehicle: fiveCars[0]! })).toThrow(/fleet sale/);
    expect(fleetSaleProblem(withDrivers.account!, [{ ...fiveCars[0]!, driverId: 'p-boss' }])).toBe('p-boss is not a driver of this company');
    expect(fleetSaleProblem(withDrivers.account!, [fiveCars[0]!, fiveCars[0]!])).toContain('twice');
    expect(() => run(withDrivers, { type: 'FLEET_SOLD', dealerId: 'fleet-desk', vehicles: [{ ...fiveCars[0]!, driverId: 'nobody' }] })).toThrow(TransitionRefused);
    const privatePerson = startJourney('journey-p', 'p', { ...fleetLead('l1', boss), account: undefined } as LeadCaptured, T).state;
    expect(() => run(privatePerson, { type: 'FLEET_SOLD', dealerId: 'd', vehicles: fiveCars })).toThrow(/for a company/);
  });

  it("the yearly service reminder goes to each driver about their own car; the sale survey to each driver", () => {
    const reminders = applyJourneyEvent(owned, { type: 'SERVICE_REMINDER_DUE', at: T }, policy).effects.filter((e) => e.type === 'CUSTOMER_MESSAGE_DUE');
    expect(reminders).toEqual(fiveCars.map((v) => ({ type: 'CUSTOMER_MESSAGE_DUE', purpose: 'SERVICE_REMINDER', dealerId: 'fleet-desk', recipientId: v.driverId, vin: v.vin })));
    const surveys = applyJourneyEvent(owned, { type: 'SURVEY_DUE', at: T }, policy).effects.filter((e) => e.type === 'CUSTOMER_MESSAGE_DUE');
    expect(surveys.map((e) => e.type === 'CUSTOMER_MESSAGE_DUE' && e.recipientId)).toEqual(drivers);
  });

  it("a car's service-due event reminds its driver only; a warning names the car in the dealer's task", () => {
    const event = (kind: 'SERVICE_DUE' | 'WARNING_LIGHT'): JourneyEvent => ({ type: 'VEHICLE_EVENT', vehicleEvent: { eventId: `e-${kind}`, vin: vins[2]!, kind, ...(kind === 'WARNING_LIGHT' ? { warningCode: 'P0420' } : {}) }, at: T });
    const due = applyJourneyEvent(owned, event('SERVICE_DUE'), policy);
    expect(due.effects.filter((e) => e.type === 'CUSTOMER_MESSAGE_DUE')).toEqual([
      { type: 'CUSTOMER_MESSAGE_DUE', purpose: 'SERVICE_REMINDER', dealerId: 'fleet-desk', channel: 'EMAIL', recipientId: 'p-d3', vin: vins[2] },
    ]);
    expect(due.state.serviceReminderDueAt).toBe(owned.serviceReminderDueAt); // the other cars keep the fleet's date
    expect(applyJourneyEvent(owned, event('WARNING_LIGHT'), policy).effects)
      .toContainEqual({ type: 'DEALER_TASK', dealerId: 'fleet-desk', task: 'VEHICLE_SERVICE', detail: `${vins[2]}: WARNING_LIGHT P0420` });
  });

  it('erasure forgets the company\'s people and cars', () => {
    const erased = run(owned, { type: 'ERASURE_REQUESTED', ground: 'CUSTOMER_REQUEST', actor: 'privacy:desk' });
    expect(erased.account).toEqual({ fleetSize: null, contacts: [] });
    expect(erased.fleet).toBeNull();
  });
});

describe('company identity keys', () => {
  it('VAT ids without spaces, dots or dashes; names without case, accents, punctuation or legal form', () => {
    expect(normalizeVatId('de 123.456.789')).toBe('DE123456789');
    expect(normalizeCompanyName('Müller Logistik GmbH')).toBe('muller logistik');
    expect(normalizeCompanyName('MÜLLER-LOGISTIK gmbh')).toBe('muller logistik');
    expect(normalizeCompanyName('  Acme, Inc. ')).toBe('acme');
    expect(normalizeCompanyName('AG')).toBe('ag'); // a name that is only a legal form stays
  });
});

describe('qualifying a company by fleet size and timeframe', () => {
  const withTimeframe = (timeframe: LeadCaptured['timeframe'], leadId = 'l1'): LeadCaptured => ({ ...fleetLead(leadId, boss), timeframe });
  const week = 7 * DAY;
  it.each([
    [3, 'WITHIN_3_MONTHS', 60], [10, 'WITHIN_12_MONTHS', 55], [10, 'WITHIN_3_MONTHS', 70], [50, 'WITHIN_12_MONTHS', 65],
    [2, 'NOW', 35], [null, 'NOW', 35], [3, 'LATER', 30], [50, 'UNKNOWN', 55],
  ] as const)('a fleet of %s, buying %s: %i', (size, timeframe, score) => {
    expect(scoreFleet([withTimeframe(timeframe)], size, T, week).score).toBe(score);
  });
  it('repeated interest adds; the latest timeframe counts', () => {
    const leads = [withTimeframe('LATER', 'a'), withTimeframe('WITHIN_12_MONTHS', 'b')];
    expect(scoreFleet(leads, 10, T, week)).toEqual({ score: 65, parts: [
      { reason: 'fleet of 10', points: 40 }, { reason: 'timeframe WITHIN_12_MONTHS', points: 15 }, { reason: '2 leads in the repeat window', points: 10 },
    ] });
  });
});
