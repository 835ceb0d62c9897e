import { describe, expect, it } from 'vitest';
import { JOURNEY_STAGES, type JourneyStage, type JourneyState, type Vehicle } from '../../domain/journey.js';
import type { LeadCaptured } from '../../domain/lead.js';
import { DAY, DEFAULT_POLICY } from '../../domain/policy.js';
import {
  applyJourneyEvent, nextDeadline, startJourney, TransitionRefused,
  type JourneyEvent, type JourneyEventType, type PendingEvent,
} from '../../domain/transitions.js';

const policy = DEFAULT_POLICY;
const T0 = '2026-01-01T10:00:00.000Z';
const T1 = '2026-01-01T10:00:01.000Z';
const vehicle: Vehicle = { vin: 'WVWZZZ1JZXW000001', model: 'ID.7', soldOn: '2026-01-01' };
const lead = (leadId: string, source: LeadCaptured['source'] = 'WEB_FORM'): LeadCaptured => ({
  leadId, source, hasEmail: true, hasPhone: false, hasPostalCode: true, receivedAt: T0, consentRegime: 'OPT_OUT', consents: [],
});

/** Applies events in order, as the workflow would. */
function run(state: JourneyState, ...events: PendingEvent[]): JourneyState {
  return events.reduce((s, e) => applyJourneyEvent(s, { at: T0, ...e } as JourneyEvent, policy).state, state);
}

// One representative journey per stage, reached through the rules themselves.
// The customer asked for e-mail marketing on the form: the confirmation click is awaited in every stage.
const captured = startJourney('journey-c', 'c', { ...lead('l1'), consentRegime: 'OPT_IN', consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }] }, T0).state;
const qualifying = run(captured, { type: 'QUALIFICATION_STARTED' });
const disqualified = run(qualifying, { type: 'DISQUALIFIED', reason: 'test lead' });
const handedOff = run(qualifying, { type: 'LEAD_SCORED', score: 90 }, { type: 'HANDOFF_OFFERED', dealerId: 'd1' });
const escalated = run(qualifying, { type: 'LEAD_SCORED', score: 90 }, { type: 'NO_DEALER_AVAILABLE' });
const inSales = run(handedOff, { type: 'HANDOFF_ACCEPTED', dealerId: 'd1' });
const owned = run(inSales, { type: 'SOLD', dealerId: 'd1', vehicle });
const erased = run(qualifying, { type: 'ERASURE_REQUESTED', ground: 'CUSTOMER_REQUEST', actor: 'privacy:desk' });
const byStage: Record<JourneyStage, JourneyState> = {
  CAPTURED: captured, QUALIFYING: qualifying, DISQUALIFIED: disqualified, HANDED_OFF: handedOff,
  ESCALATED: escalated, IN_SALES: inSales, DEALER_OWNED: owned, ERASED: erased,
};

const events: Record<JourneyEventType, PendingEvent> = {
  LEAD_CAPTURED: { type: 'LEAD_CAPTURED', lead: lead('l9', 'ADF') },
  QUALIFICATION_STARTED: { type: 'QUALIFICATION_STARTED' },
  LEAD_SCORED: { type: 'LEAD_SCORED', score: 90 },
  DISQUALIFIED: { type: 'DISQUALIFIED', reason: 'competitor' },
  HANDOFF_OFFERED: { type: 'HANDOFF_OFFERED', dealerId: 'd2' },
  NO_DEALER_AVAILABLE: { type: 'NO_DEALER_AVAILABLE' },
  HANDOFF_ACCEPTED: { type: 'HANDOFF_ACCEPTED', dealerId: 'd1' },
  HANDOFF_DECLINED: { type: 'HANDOFF_DECLINED', dealerId: 'd1', reason: 'no stock' },
  HANDOFF_TIMED_OUT: { type: 'HANDOFF_TIMED_OUT' },
  SOLD: { type: 'SOLD', dealerId: 'd1', vehicle },
  LOST: { type: 'LOST', dealerId: 'd1', reason: 'bought elsewhere' },
  NO_SHOW: { type: 'NO_SHOW', dealerId: 'd1' },
  SALES_WINDOW_ENDED: { type: 'SALES_WINDOW_ENDED' },
  HANDOFF_COOL_DOWN_ENDED: { type: 'HANDOFF_COOL_DOWN_ENDED' },
  SURVEY_DUE: { type: 'SURVEY_DUE' },
  SERVICE_REMINDER_DUE: { type: 'SERVICE_REMINDER_DUE' },
  SERVICE_VISIT_RECORDED: { type: 'SERVICE_VISIT_RECORDED', dealerId: 'd1', visitId: 'v1' },
  COMPLAINT_OPENED: { type: 'COMPLAINT_OPENED', dealerId: 'd1', complaintId: 'c1' },
  COMPLAINT_RESOLVED: { type: 'COMPLAINT_RESOLVED', dealerId: 'd1', complaintId: 'c1' },
  COMPLAINT_BACKSTOP_DUE: { type: 'COMPLAINT_BACKSTOP_DUE' },
  OWNERSHIP_CYCLE_ENDED: { type: 'OWNERSHIP_CYCLE_ENDED' },
  CONTACT_CHANGED: { type: 'CONTACT_CHANGED', contact: { hasEmail: true, hasPhone: true, hasPostalCode: true } },
  ENGAGEMENT_RECORDED: { type: 'ENGAGEMENT_RECORDED', kind: 'CONFIGURATOR' },
  OPTED_OUT: { type: 'OPTED_OUT' },
  ERASURE_REQUESTED: { type: 'ERASURE_REQUESTED', ground: 'CUSTOMER_REQUEST', actor: 'privacy:desk' },
  REASSIGNED: { type: 'REASSIGNED', to: { dealerId: 'd2' }, reason: 'dealer closed', actor: 'ops:kim' },
  COMMUNICATION_REQUESTED: { type: 'COMMUNICATION_REQUESTED', request: { communicationId: 'm1', sender: { kind: 'OEM' }, purpose: 'LEGAL', channel: 'EMAIL', templateId: 'recall-notice' } },
  DEFERRED_MESSAGE_DUE: { type: 'DEFERRED_MESSAGE_DUE' },
  CONSENT_WITHDRAWN: { type: 'CONSENT_WITHDRAWN', channel: 'SMS', purpose: 'MARKETING' },
  CHANNEL_PREFERENCE_CHANGED: { type: 'CHANNEL_PREFERENCE_CHANGED', channel: 'SMS', contactable: false },
  SALE_MATCHED: { type: 'SALE_MATCHED', dealerId: 'd2', vehicle },
  CONSENT_CONFIRMED: { type: 'CONSENT_CONFIRMED', channel: 'EMAIL', purpose: 'MARKETING', requestedAt: T0 },
  MARKET_MODEL_CHANGED: { type: 'MARKET_MODEL_CHANGED', market: { market: 'DE', model: 'PARTNER_LED', version: 1 }, reason: 'dealer council', actor: 'oem:desk', forUnknownMarket: true },
  VEHICLE_EVENT: { type: 'VEHICLE_EVENT', vehicleEvent: { eventId: 'ev1', vin: vehicle.vin, kind: 'SERVICE_DUE' } },
  // A private person's journey: a fleet sale is refused in every stage (test/unit/fleets.test.ts has a company's).
  FLEET_SOLD: { type: 'FLEET_SOLD', dealerId: 'd1', vehicles: [{ ...vehicle, driverId: 'p1' }] },
  // The customer's record from the OEM's onboarding file: what is new is added, the stage stays.
  CUSTOMER_IMPORTED: {
    type: 'CUSTOMER_IMPORTED', lead: lead('l10', 'CUSTOMER_IMPORT'),
    record: { importId: 'i1', row: 1, source: 'CRM', vehicles: [{ ...vehicle, vin: 'WVWZZZ1JZXW000009', dealerId: 'd1' }], dealerId: 'd1', dealerActive: true, lastServiceOn: null, openInterest: false, notBefore: T0 },
  },
  // A recall repair by the customer's current dealer (only while the customer is with it).
  RECALL_REPAIRED: { type: 'RECALL_REPAIRED', dealerId: 'd1', recallId: 'r1', vin: 'WVWZZZ1JZXW000001' },
  CONSENTS_STATED: { type: 'CONSENTS_STATED', regime: 'OPT_IN', statements: [{ channel: 'SMS', purpose: 'SALES_CONTACT', granted: true }] },
  SERVICE_APPOINTMENT_REQUESTED: { type: 'SERVICE_APPOINTMENT_REQUESTED', requestId: 'a1', reason: 'TYRES', preferredDate: '2026-01-10' },
};

type Outcome = JourneyStage | 'x'; // x = refused
const x = 'x' as const;
// Columns follow the order of `events` above.
const table: Record<JourneyStage, Outcome[]> = {
  //             LEAD  QUAL  SCORE  DISQ  OFFER NODLR ACC  DECL TIMEO SOLD LOST NOSHW WIN  COOL SURV REMI VISIT COPEN CRES CBACK CYCLE CONT ENGAGE OPT ERASE REASSIGN  MSG  MSGDUE  WITHDRAWN  CHANNEL  MATCHED  CONFIRMED  MARKET  VEHICLE  FLEET  IMPORTED  RECALL  STATED  APPOINT
  CAPTURED:     ['CAPTURED', 'QUALIFYING', x, 'DISQUALIFIED', x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, 'CAPTURED', 'CAPTURED', 'CAPTURED', 'ERASED', 'IN_SALES', 'CAPTURED', 'CAPTURED', 'CAPTURED', 'CAPTURED', x, 'CAPTURED', 'CAPTURED', x, x, 'CAPTURED', x, 'CAPTURED', x],
  QUALIFYING:   ['QUALIFYING', x, 'HANDED_OFF', 'DISQUALIFIED', x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, 'QUALIFYING', 'QUALIFYING', 'QUALIFYING', 'ERASED', 'IN_SALES', 'QUALIFYING', 'QUALIFYING', 'QUALIFYING', 'QUALIFYING', 'DEALER_OWNED', 'QUALIFYING', 'QUALIFYING', x, x, 'QUALIFYING', x, 'QUALIFYING', x],
  DISQUALIFIED: ['QUALIFYING', x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, 'DISQUALIFIED', 'DISQUALIFIED', 'DISQUALIFIED', 'ERASED', 'IN_SALES', 'DISQUALIFIED', 'DISQUALIFIED', 'DISQUALIFIED', 'DISQUALIFIED', x, 'DISQUALIFIED', 'DISQUALIFIED', x, x, 'DISQUALIFIED', x, 'DISQUALIFIED', x],
  HANDED_OFF:   ['HANDED_OFF', x, x, x, x, x, 'IN_SALES', 'HANDED_OFF', 'HANDED_OFF', x, x, x, x, x, x, x, x, x, x, x, x, 'HANDED_OFF', 'HANDED_OFF', 'DISQUALIFIED', 'ERASED', 'IN_SALES', 'HANDED_OFF', 'HANDED_OFF', 'HANDED_OFF', 'HANDED_OFF', 'DEALER_OWNED', 'HANDED_OFF', 'HANDED_OFF', x, x, 'HANDED_OFF', x, 'HANDED_OFF', x],
  ESCALATED:    ['ESCALATED', x, 'ESCALATED', 'DISQUALIFIED', x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, 'ESCALATED', 'ESCALATED', 'ESCALATED', 'ERASED', 'IN_SALES', 'ESCALATED', 'ESCALATED', 'ESCALATED', 'ESCALATED', 'DEALER_OWNED', 'ESCALATED', 'ESCALATED', x, x, 'ESCALATED', x, 'ESCALATED', x],
  IN_SALES:     ['IN_SALES', x, x, x, x, x, 'IN_SALES', x, x, 'DEALER_OWNED', 'QUALIFYING', 'QUALIFYING', 'IN_SALES', x, x, x, x, x, x, x, x, 'IN_SALES', 'IN_SALES', 'IN_SALES', 'ERASED', 'IN_SALES', 'IN_SALES', 'IN_SALES', 'IN_SALES', 'IN_SALES', 'DEALER_OWNED', 'IN_SALES', 'IN_SALES', x, x, 'IN_SALES', 'IN_SALES', 'IN_SALES', x],
  DEALER_OWNED: ['DEALER_OWNED', x, x, x, x, x, x, x, x, 'DEALER_OWNED', x, x, x, x, 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', x, 'HANDED_OFF', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'ERASED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', x, 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED', 'DEALER_OWNED'],
  ERASED:       [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x],
};

describe('applyJourneyEvent: every stage × every event', () => {
  const eventTypes = Object.keys(events) as JourneyEventType[];
  it('the table covers every stage and every event', () => {
    expect(Object.keys(table).sort()).toEqual([...JOURNEY_STAGES].sort());
    for (const row of Object.values(table)) expect(row).toHaveLength(eventTypes.length);
    for (const stage of JOURNEY_STAGES) expect(byStage[stage].stage).toBe(stage);
  });

  for (const stage of JOURNEY_STAGES) {
    eventTypes.forEach((type, column) => {
      const outcome = table[stage][column]!;
      it(`${stage} + ${type} → ${outcome === x ? 'refused' : outcome}`, () => {
        const before = byStage[stage];
        const event = { at: T1, ...events[type] } as JourneyEvent;
        if (outcome === x) {
          expect(() => applyJourneyEvent(before, event, policy)).toThrow(TransitionRefused);
          return;
        }
        const { state, effects } = applyJourneyEvent(before, event, policy);
        expect(state.stage).toBe(outcome);
        if (effects.length > 0) {
          expect(state.revision).toBe(before.revision + 1);
          expect(effects.at(-1)).toEqual({ type: 'READ_MODEL_CHANGED' });
        } else {
          expect(state).toBe(before); // idempotent repeat: nothing changes
        }
      });
    });
  }
});

describe('erasure by the privacy desk', () => {
  it('is on the ledger with its ground, reference and caller, also when the OEM owned the customer already', () => {
    const { effects } = applyJourneyEvent(handedOff, { type: 'ERASURE_REQUESTED', ground: 'CUSTOMER_REQUEST', reference: 'PRV-1', actor: 'ops:kim', at: T1 }, policy);
    expect(effects).toContainEqual({ type: 'OWNER_CHANGED', from: { kind: 'OEM', dealerId: null }, to: { kind: 'OEM', dealerId: null }, reason: 'ERASURE: CUSTOMER_REQUEST (PRV-1)', actor: 'ops:kim' });
    const fromDealer = applyJourneyEvent(owned, { type: 'ERASURE_REQUESTED', ground: 'LEGAL_OBLIGATION', actor: 'oem:desk', at: T1 }, policy);
    expect(fromDealer.effects.filter((e) => e.type === 'OWNER_CHANGED')).toEqual([
      { type: 'OWNER_CHANGED', from: { kind: 'DEALER', dealerId: 'd1' }, to: { kind: 'OEM', dealerId: null }, reason: 'ERASURE: LEGAL_OBLIGATION', actor: 'oem:desk' },
    ]);
  });

});

describe('DMS match-back', () => {
  const other: Vehicle = { ...vehicle, vin: 'WVWZZZ1JZXW000002' };
  it('a sale in the dealers\' data makes the selling dealer the owner, whoever held the customer, with the ledger saying so', () => {
    const { state, effects } = applyJourneyEvent(inSales, { type: 'SALE_MATCHED', dealerId: 'd2', vehicle, at: T1 }, policy);
    expect(state).toMatchObject({ stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: 'd2', sales: null, vehicle, preferredDealerId: 'd2' });
    expect(effects).toContainEqual({ type: 'OWNER_CHANGED', from: { kind: 'DEALER_SALES', dealerId: 'd1' }, to: { kind: 'DEALER', dealerId: 'd2' }, reason: 'DMS_MATCHBACK', actor: 'DMS_MATCHBACK' });
    expect(effects).toContainEqual({ type: 'SALE_RECORDED', dealerId: 'd2', vehicle });
    expect(nextDeadline(state)?.event).toBe('SURVEY_DUE');
  });

  it('an open offer closes with it; a sale already on record is a no-op; another vehicle on an owned customer is refused', () => {
    expect(applyJourneyEvent(handedOff, { type: 'SALE_MATCHED', dealerId: 'd1', vehicle, at: T1 }, policy).state.handoff).toBeNull();
    expect(applyJourneyEvent(owned, { type: 'SALE_MATCHED', dealerId: 'd1', vehicle, at: T1 }, policy).state).toBe(owned);
    expect(() => applyJourneyEvent(owned, { type: 'SALE_MATCHED', dealerId: 'd1', vehicle: other, at: T1 }, policy)).toThrow(/already owns WVWZZZ1JZXW000001/);
  });
});

describe('hand-off', () => {
  it('a qualified lead asks for routing; an offer starts the acceptance SLA', () => {
    const scored = applyJourneyEvent(qualifying, { type: 'LEAD_SCORED', score: 60, at: T1 }, policy);
    expect(scored.effects).toContainEqual({ type: 'ROUTE_HANDOFF' });
    expect(handedOff.handoff).toEqual({ dealerId: 'd1', offeredAt: T0, expiresAt: '2026-01-01T11:00:00.000Z', tried: ['d1'] });
    expect(handedOff.owner).toBe('OEM');
    expect(nextDeadline(handedOff)).toEqual({ at: '2026-01-01T11:00:00.000Z', event: 'HANDOFF_TIMED_OUT' });
  });

  it("a dealer's own acceptance SLA replaces the OEM's for offers to that dealer", () => {
    const routing = applyJourneyEvent(qualifying, { type: 'LEAD_SCORED', score: 90, at: T0 }, policy).state;
    const { state } = applyJourneyEvent(routing, { type: 'HANDOFF_OFFERED', dealerId: 'd1', acceptanceSlaMs: 30 * 60_000, at: T0 }, policy);
    expect(state.handoff?.expiresAt).toBe(new Date(Date.parse(T0) + 30 * 60_000).toISOString());
    expect(nextDeadline(state)).toEqual({ at: state.handoff?.expiresAt, event: 'HANDOFF_TIMED_OUT' });
  });

  it('a lead below the threshold stays in OEM nurture', () => {
    const { state, effects } = applyJourneyEvent(qualifying, { type: 'LEAD_SCORED', score: 59, at: T1 }, policy);
    expect(state.stage).toBe('QUALIFYING');
    expect(effects).not.toContainEqual({ type: 'ROUTE_HANDOFF' });
  });

  it('a decline or timeout moves on to the next dealer, never the same one', () => {
    const declined = applyJourneyEvent(handedOff, { type: 'HANDOFF_DECLINED', dealerId: 'd1', reason: 'full', at: T1 }, policy);
    expect(declined.effects).toEqual(expect.arrayContaining([
      { type: 'HANDOFF_RECORDED', kind: 'DECLINED', dealerId: 'd1', reason: 'full' }, { type: 'ROUTE_HANDOFF' },
    ]));
    expect(() => applyJourneyEvent(declined.state, { type: 'HANDOFF_OFFERED', dealerId: 'd1', at: T1 }, policy)).toThrow(/already offered/);
    const again = applyJourneyEvent(declined.state, { type: 'HANDOFF_DECLINED', dealerId: 'd1', reason: 'full', at: T1 }, policy);
    expect(again.effects).toEqual([]); // duplicate delivery
    const timedOut = applyJourneyEvent(handedOff, { type: 'HANDOFF_TIMED_OUT', at: T1 }, policy);
    expect(timedOut.effects).toContainEqual({ type: 'HANDOFF_RECORDED', kind: 'TIMED_OUT', dealerId: 'd1' });
  });

  it('only the dealer offered the hand-off may accept it', () => {
    expect(() => applyJourneyEvent(handedOff, { type: 'HANDOFF_ACCEPTED', dealerId: 'd2', at: T1 }, policy)).toThrow(/not offered to dealer d2/);
  });

  it('with no candidate left the lead returns to the OEM with an escalation', () => {
    const declined = run(handedOff, { type: 'HANDOFF_DECLINED', dealerId: 'd1', reason: 'full' });
    const { state, effects } = applyJourneyEvent(declined, { type: 'NO_DEALER_AVAILABLE', at: T1 }, policy);
    expect(state).toMatchObject({ stage: 'ESCALATED', owner: 'OEM', escalation: { reason: 'no dealer accepted (offered to d1)' } });
    expect(effects).toContainEqual({ type: 'ESCALATED', reason: 'no dealer accepted (offered to d1)' });
  });

  it('acceptance hands the customer to the dealer sales team for the sales window', () => {
    const { state, effects } = applyJourneyEvent(handedOff, { type: 'HANDOFF_ACCEPTED', dealerId: 'd1', at: T1 }, policy);
    expect(state).toMatchObject({ stage: 'IN_SALES', owner: 'DEALER_SALES', dealerId: 'd1' });
    expect(state.sales?.endsAt).toBe(new Date(Date.parse(T1) + 30 * DAY).toISOString());
    expect(effects).toContainEqual({
      type: 'OWNER_CHANGED', from: { kind: 'OEM', dealerId: null }, to: { kind: 'DEALER_SALES', dealerId: 'd1' }, reason: 'HANDOFF_ACCEPTED', actor: 'd1',
    });
  });
});

describe('sales', () => {
  it('only the assigned dealer may report an outcome', () => {
    expect(() => applyJourneyEvent(inSales, { type: 'SOLD', dealerId: 'd2', vehicle, at: T1 }, policy)).toThrow(/not the customer's assigned dealer/);
  });

  it('a sale makes the dealer the owner and starts cool-down, survey, reminders and the ownership cycle', () => {
    expect(owned).toMatchObject({
      stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: 'd1', vehicle,
      promotionsBlockedUntil: new Date(Date.parse(T0) + 90 * DAY).toISOString(),
      survey: { kind: 'SALE', dueAt: new Date(Date.parse(T0) + 7 * DAY).toISOString() },
    });
    expect(nextDeadline(owned)).toEqual({ at: owned.survey!.dueAt, event: 'SURVEY_DUE' });
  });

  it('the window ending asks the dealer once, then the customer falls back to the OEM with a cool-down', () => {
    const chased = applyJourneyEvent(inSales, { type: 'SALES_WINDOW_ENDED', at: T1 }, policy);
    expect(chased.state.stage).toBe('IN_SALES');
    expect(chased.effects).toContainEqual({ type: 'DEALER_TASK', dealerId: 'd1', task: 'OUTCOME_CHASE' });
    expect(chased.state.sales?.endsAt).toBe(new Date(Date.parse(T1) + 3 * DAY).toISOString());
    const fell = applyJourneyEvent(chased.state, { type: 'SALES_WINDOW_ENDED', at: T1 }, policy);
    expect(fell.state).toMatchObject({ stage: 'QUALIFYING', owner: 'OEM', dealerId: null });
    expect(fell.state.handoffBlockedUntil).toBe(new Date(Date.parse(T1) + 30 * DAY).toISOString());
    expect(fell.effects).toContainEqual(expect.objectContaining({ type: 'OWNER_CHANGED', reason: 'SALES_WINDOW_EXPIRED' }));
  });

  it('during the cool-down a hot lead is not handed off; when it ends the leads are scored again', () => {
    const fell = run(inSales, { type: 'LOST', dealerId: 'd1', reason: 'price' });
    expect(applyJourneyEvent(fell, { type: 'LEAD_SCORED', score: 99, at: T1 }, policy).state.stage).toBe('QUALIFYING');
    expect(nextDeadline(fell)?.event).toBe('HANDOFF_COOL_DOWN_ENDED');
    const ended = applyJourneyEvent(fell, { type: 'HANDOFF_COOL_DOWN_ENDED', at: fell.handoffBlockedUntil! }, policy);
    expect(ended.effects).toContainEqual({ type: 'SCORE_LEADS' });
    expect(applyJourneyEvent(ended.state, { type: 'LEAD_SCORED', score: 99, at: fell.handoffBlockedUntil! }, policy).state.stage).toBe('HANDED_OFF');
  });

  it('a repeated LOST from the same dealer is a no-op', () => {
    const fell = run(inSales, { type: 'LOST', dealerId: 'd1', reason: 'price' });
    expect(applyJourneyEvent(fell, { type: 'LOST', dealerId: 'd1', reason: 'price', at: T1 }, policy).effects).toEqual([]);
  });
});

describe('ownership and service', () => {
  it("a recall repair by the customer's dealer is recorded once; another dealer's is refused", () => {
    const repaired = applyJourneyEvent(owned, { type: 'RECALL_REPAIRED', dealerId: 'd1', recallId: 'r1', vin: 'WVWZZZ1JZXW000001', at: T1 }, policy);
    expect(repaired.effects).toContainEqual({ type: 'AFTERSALES_RECORDED', kind: 'RECALL_REPAIR', dealerId: 'd1', ref: 'r1:WVWZZZ1JZXW000001' });
    expect(repaired.state.stage).toBe('DEALER_OWNED');
    expect(applyJourneyEvent(repaired.state, { type: 'RECALL_REPAIRED', dealerId: 'd1', recallId: 'r1', vin: 'WVWZZZ1JZXW000001', at: T1 }, policy).effects).toEqual([]);
    expect(() => applyJourneyEvent(owned, { type: 'RECALL_REPAIRED', dealerId: 'd2', recallId: 'r1', vin: 'WVWZZZ1JZXW000001', at: T1 }, policy)).toThrow(/not the customer's assigned dealer/);
  });

  it("a service appointment the customer asks for is a task for their dealer, due in 24 hours, asked once; without a dealer it is refused", () => {
    const asked = applyJourneyEvent(owned, { type: 'SERVICE_APPOINTMENT_REQUESTED', requestId: 'a1', reason: 'TYRES', preferredDate: '2026-01-10', at: T1 }, policy);
    expect(asked.effects).toContainEqual({
      type: 'DEALER_TASK', dealerId: 'd1', task: 'SERVICE_APPOINTMENT', detail: 'TYRES from 2026-01-10 (request a1)', dueAt: new Date(Date.parse(T1) + DAY).toISOString(),
    });
    expect(applyJourneyEvent(asked.state, { type: 'SERVICE_APPOINTMENT_REQUESTED', requestId: 'a1', reason: 'TYRES', preferredDate: '2026-01-10', at: T1 }, policy).effects).toEqual([]);
    expect(() => applyJourneyEvent(qualifying, { type: 'SERVICE_APPOINTMENT_REQUESTED', requestId: 'a2', reason: 'SERVICE', preferredDate: '2026-01-10', at: T1 }, policy)).toThrow(TransitionRefused);
  });

  it('a service visit schedules the next reminder and a survey', () => {
    const { state } = applyJourneyEvent(owned, { type: 'SERVICE_VISIT_RECORDED', dealerId: 'd1', visitId: 'v1', at: T1 }, policy);
    expect(state.serviceVisits).toBe(1);
    expect(state.serviceReminderDueAt).toBe(new Date(Date.parse(T1) + 365 * DAY).toISOString());
    expect(state.survey).toEqual({ kind: 'SERVICE', dueAt: new Date(Date.parse(T1) + 2 * DAY).toISOString() });
  });

  it('service visits and complaints are recorded for the scorecard, with the dealer\'s own ids', () => {
    const visit = applyJourneyEvent(owned, { type: 'SERVICE_VISIT_RECORDED', dealerId: 'd1', visitId: 'v1', at: T1 }, policy);
    expect(visit.effects).toContainEqual({ type: 'AFTERSALES_RECORDED', kind: 'SERVICE_VISIT', dealerId: 'd1', ref: 'v1' });
    const opened = applyJourneyEvent(owned, { type: 'COMPLAINT_OPENED', dealerId: 'd1', complaintId: 'c1', at: T1 }, policy);
    expect(opened.effects).toContainEqual({ type: 'AFTERSALES_RECORDED', kind: 'COMPLAINT_OPENED', dealerId: 'd1', ref: 'c1' });
    const resolved = applyJourneyEvent(opened.state, { type: 'COMPLAINT_RESOLVED', dealerId: 'd1', complaintId: 'c1', at: T1 }, policy);
    expect(resolved.effects).toContainEqual({ type: 'AFTERSALES_RECORDED', kind: 'COMPLAINT_RESOLVED', dealerId: 'd1', ref: 'c1' });
    // A repeat changes nothing and records nothing.
    expect(applyJourneyEvent(resolved.state, { type: 'COMPLAINT_RESOLVED', dealerId: 'd1', complaintId: 'c1', at: T1 }, policy).effects).toEqual([]);
    expect(applyJourneyEvent(opened.state, { type: 'COMPLAINT_OPENED', dealerId: 'd1', complaintId: 'c1', at: T1 }, policy).effects).toEqual([]);
  });

  it('an unresolved complaint reaches the OEM backstop', () => {
    const open = run(owned, { type: 'COMPLAINT_OPENED', dealerId: 'd1', complaintId: 'c1' }, { type: 'SURVEY_DUE' });
    expect(nextDeadline(open)).toEqual({ at: open.complaint!.backstopAt, event: 'COMPLAINT_BACKSTOP_DUE' });
    const { state, effects } = applyJourneyEvent(open, { type: 'COMPLAINT_BACKSTOP_DUE', at: T1 }, policy);
    expect(state.complaint?.escalated).toBe(true);
    expect(effects).toContainEqual({ type: 'ESCALATED', reason: 'complaint c1 unresolved by dealer d1' });
  });

  it('after the ownership cycle the customer is back in market, offered to their own dealer first', () => {
    const { state, effects } = applyJourneyEvent(owned, { type: 'OWNERSHIP_CYCLE_ENDED', at: T1 }, policy);
    expect(state).toMatchObject({ stage: 'HANDED_OFF', owner: 'OEM', preferredDealerId: 'd1' });
    expect(effects).toContainEqual({ type: 'ROUTE_HANDOFF' });
  });
});

describe('any time', () => {
  it('erasure ends the journey with pseudonymous ids only', () => {
    const { state, effects } = applyJourneyEvent(owned, { type: 'ERASURE_REQUESTED', ground: 'CUSTOMER_REQUEST', actor: 'privacy:desk', at: T1 }, policy);
    expect(state).toMatchObject({ stage: 'ERASED', vehicle: null, optedOut: true });
    expect(state.leads.every((l) => !l.hasEmail && !l.interestModel)).toBe(true);
    expect(effects).toContainEqual({ type: 'ERASE_PERSONAL_DATA' });
    expect(nextDeadline(state)).toBeNull();
  });

  it('ops reassignment records who and why', () => {
    const { effects } = applyJourneyEvent(inSales, { type: 'REASSIGNED', to: 'OEM', reason: 'dealer closed', actor: 'ops:kim', at: T1 }, policy);
    expect(effects).toContainEqual({
      type: 'OWNER_CHANGED', from: { kind: 'DEALER_SALES', dealerId: 'd1' }, to: { kind: 'OEM', dealerId: null }, reason: 'REASSIGNED: dealer closed', actor: 'ops:kim',
    });
  });

  it('remembers at most 100 leads but counts them all; ignores a redelivered lead', () => {
    let state = qualifying;
    for (let i = 2; i <= 150; i++) state = applyJourneyEvent(state, { type: 'LEAD_CAPTURED', lead: lead(`l${i}`), at: T1 }, policy).state;
    expect(state.leads).toHaveLength(100);
    expect(state.leadCount).toBe(150);
    expect(applyJourneyEvent(state, { type: 'LEAD_CAPTURED', lead: lead('l150'), at: T1 }, policy).state).toBe(state);
  });
});

describe('preferred dealer', () => {
  it('comes from the lead and the latest choice wins', () => {
    const started = startJourney('journey-c', 'c', { ...lead('l1'), preferredDealerId: 'd7' }, T0).state;
    expect(started.preferredDealerId).toBe('d7');
    const later = applyJourneyEvent(started, { type: 'LEAD_CAPTURED', lead: { ...lead('l2'), preferredDealerId: 'd8' }, at: T1 }, policy).state;
    expect(later.preferredDealerId).toBe('d8');
    const noChoice = applyJourneyEvent(later, { type: 'LEAD_CAPTURED', lead: lead('l3'), at: T1 }, policy).state;
    expect(noChoice.preferredDealerId).toBe('d8');
  });
});

describe('nextDeadline', () => {
  it('has none while nothing is waiting on time', () => {
    expect(nextDeadline(qualifying)).toBeNull();
  });
  it('takes the earliest of several', () => {
    expect(nextDeadline({ ...owned, survey: null })).toEqual({ at: owned.serviceReminderDueAt!, event: 'SERVICE_REMINDER_DUE' });
  });
});

describe('contact change', () => {
  it('re-scores a nurtured lead, since better contact data can qualify it; the same flags again change nothing', () => {
    const contact = { hasEmail: true, hasPhone: true, hasPostalCode: true };
    const { state, effects } = applyJourneyEvent(qualifying, { type: 'CONTACT_CHANGED', contact, at: T1 }, policy);
    expect(state.contact).toEqual(contact);
    expect(effects).toContainEqual({ type: 'SCORE_LEADS' });
    expect(applyJourneyEvent(state, { type: 'CONTACT_CHANGED', contact, at: T1 }, policy).effects).toEqual([]);
  });
});

describe('engagement', () => {
  it('counts and re-scores a nurtured customer', () => {
    const { state, effects } = applyJourneyEvent(qualifying, { type: 'ENGAGEMENT_RECORDED', kind: 'CONFIGURATOR', at: T1 }, policy);
    expect(state.engagements).toBe(1);
    expect(effects).toContainEqual({ type: 'SCORE_LEADS' });
    expect(applyJourneyEvent(inSales, { type: 'ENGAGEMENT_RECORDED', kind: 'EMAIL_CLICK', at: T1 }, policy).effects).not.toContainEqual({ type: 'SCORE_LEADS' });
  });
});
