import { describe, expect, it } from 'vitest';
import type { JourneyState, Vehicle } from '../../domain/journey.js';
import type { LeadCaptured } from '../../domain/lead.js';
import { DAY, DEFAULT_POLICY } from '../../domain/policy.js';
import { applyJourneyEvent, startJourney, TransitionRefused, type JourneyEvent, type PendingEvent } from '../../domain/transitions.js';
import { vinCheckDigit, vinMarketProblem, vinShapeProblem, type VehicleEvent } from '../../domain/vehicles.js';

describe('VINs', () => {
  it('17 characters, no I, O or Q', () => {
    expect(vinShapeProblem('WVWZZZE1ZPP077777')).toBeNull();
    expect(vinShapeProblem('WVWZZZE1ZPP07777')).toBe('a VIN has 17 characters, not 16');
    expect(vinShapeProblem('WVWZZZE1ZPP0777O7')).toContain('never I, O or Q');
    expect(vinShapeProblem('wvwzzze1zpp077777')).toContain('capital letters');
  });

  it('the check digit where the market has one (North America), not elsewhere', () => {
    // The textbook example of 49 CFR 565: check digit X.
    expect(vinCheckDigit('1M8GDM9AXKP042788')).toBe('X');
    expect(vinMarketProblem('1M8GDM9AXKP042788', 'US')).toBeNull();
    expect(vinMarketProblem('1M8GDM9A1KP042788', 'US')).toBe('the check digit (position 9) of a VIN in US must be X');
    expect(vinCheckDigit('11111111111111111')).toBe('1');
    // European VINs carry no check digit (often a Z in position 9).
    expect(vinMarketProblem('WVWZZZE1ZPP077777', 'DE')).toBeNull();
  });
});

describe('vehicle events on the journey', () => {
  const policy = DEFAULT_POLICY;
  const T = '2026-01-01T10:00:00.000Z';
  const LATER = '2026-06-01T10:00:00.000Z';
  const vehicle: Vehicle = { vin: 'WVWZZZE1ZPP077777', model: 'ID.4', soldOn: '2026-01-01' };
  const lead: LeadCaptured = { leadId: 'l1', source: 'WEB_FORM', hasEmail: true, hasPhone: false, hasPostalCode: true, receivedAt: T, consentRegime: 'OPT_OUT', consents: [] };
  const run = (state: JourneyState, ...events: PendingEvent[]) => events.reduce((s, e) => applyJourneyEvent(s, { at: T, ...e } as JourneyEvent, policy).state, state);
  const qualifying = run(startJourney('journey-c', 'c', lead, T).state, { type: 'QUALIFICATION_STARTED' });
  const inSales = run(qualifying, { type: 'LEAD_SCORED', score: 90 }, { type: 'HANDOFF_OFFERED', dealerId: 'd1' }, { type: 'HANDOFF_ACCEPTED', dealerId: 'd1' });
  const owned = run(inSales, { type: 'SOLD', dealerId: 'd1', vehicle });
  const event = (e: Partial<VehicleEvent>): JourneyEvent => ({ type: 'VEHICLE_EVENT', vehicleEvent: { eventId: 'ev1', vin: vehicle.vin, kind: 'SERVICE_DUE', ...e }, at: LATER });

  it('service due: a reminder from the owning dealer now, by e-mail, and the yearly reminder counts from today', () => {
    const { state, effects } = applyJourneyEvent(owned, event({}), policy);
    expect(effects).toContainEqual({ type: 'CUSTOMER_MESSAGE_DUE', purpose: 'SERVICE_REMINDER', dealerId: 'd1', channel: 'EMAIL' });
    expect(state.serviceReminderDueAt).toBe(new Date(Date.parse(LATER) + policy.serviceReminderIntervalMs).toISOString());
    expect(policy.serviceReminderIntervalMs).toBeGreaterThan(300 * DAY);
  });

  it('in the car where the customer agreed to in-vehicle messages', () => {
    const consenting: JourneyState = { ...owned, consent: { regime: 'OPT_IN', granted: ['IN_VEHICLE:MARKETING'], refused: [], awaitingConfirmation: [] } };
    expect(applyJourneyEvent(consenting, event({}), policy).effects).toContainEqual(expect.objectContaining({ type: 'CUSTOMER_MESSAGE_DUE', channel: 'IN_VEHICLE' }));
  });

  it('a warning light or a weak battery is a service task for the dealer; a healthy battery or the mileage only recorded', () => {
    expect(applyJourneyEvent(owned, event({ kind: 'WARNING_LIGHT', warningCode: 'P0420' }), policy).effects)
      .toContainEqual({ type: 'DEALER_TASK', dealerId: 'd1', task: 'VEHICLE_SERVICE', detail: 'WARNING_LIGHT P0420' });
    expect(applyJourneyEvent(owned, event({ kind: 'BATTERY_HEALTH', batteryHealthPercent: 65 }), policy).effects)
      .toContainEqual({ type: 'DEALER_TASK', dealerId: 'd1', task: 'VEHICLE_SERVICE', detail: 'BATTERY_HEALTH 65%' });
    expect(applyJourneyEvent(owned, event({ kind: 'BATTERY_HEALTH', batteryHealthPercent: 91 }), policy).effects).toEqual([{ type: 'READ_MODEL_CHANGED' }]);
    const mileage = applyJourneyEvent(owned, event({ kind: 'MILEAGE', mileageKm: 15_200 }), policy);
    expect(mileage.state.vehicleMileageKm).toBe(15_200);
    expect(mileage.effects).toEqual([{ type: 'READ_MODEL_CHANGED' }]);
  });

  it('a repeated event id changes nothing; another car or a customer not owned here is refused', () => {
    const once = applyJourneyEvent(owned, event({}), policy).state;
    const again = applyJourneyEvent(once, event({}), policy);
    expect(again.effects).toEqual([]);
    expect(again.state).toBe(once);
    expect(() => applyJourneyEvent(owned, event({ vin: 'WVWZZZE1ZPP000001' }), policy)).toThrow(TransitionRefused);
    expect(() => applyJourneyEvent(inSales, event({}), policy)).toThrow(/only in DEALER_OWNED/);
  });
});
