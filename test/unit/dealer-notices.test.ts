import { describe, expect, it } from 'vitest';
import { dealerNoticesOf } from '../../domain/dealer-notices.js';
import type { JourneyState, Vehicle } from '../../domain/journey.js';
import type { LeadCaptured } from '../../domain/lead.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { applyJourneyEvent, startJourney, type JourneyEvent, type PendingEvent } from '../../domain/transitions.js';

const T0 = '2026-01-05T10:00:00.000Z';
const vehicle: Vehicle = { vin: 'WVWZZZ1JZXW000001', model: 'ID.7', soldOn: '2026-01-05' };
const lead: LeadCaptured = { leadId: 'l1', source: 'WEB_FORM', hasEmail: true, hasPhone: false, hasPostalCode: true, receivedAt: T0, consentRegime: 'OPT_OUT', consents: [] };

const step = (state: JourneyState, event: PendingEvent) => applyJourneyEvent(state, { at: T0, ...event } as JourneyEvent, DEFAULT_POLICY);
const run = (state: JourneyState, ...events: PendingEvent[]) => events.reduce((s, e) => step(s, e).state, state);
/** What the dealers are told when `event` happens to a journey in `state`. */
const told = (state: JourneyState, event: PendingEvent) => dealerNoticesOf(state, event, step(state, event));

const qualifying = run(startJourney('journey-c', 'c', lead, T0).state, { type: 'QUALIFICATION_STARTED' });
const waiting = run(qualifying, { type: 'LEAD_SCORED', score: 90 });
const offered = run(waiting, { type: 'HANDOFF_OFFERED', dealerId: 'd1' });
const inSales = run(offered, { type: 'HANDOFF_ACCEPTED', dealerId: 'd1' });
const owned = run(inSales, { type: 'SOLD', dealerId: 'd1', vehicle });

describe('what dealers are told, event by event', () => {
  it('an offer: the dealer, with the deadline', () => {
    expect(told(waiting, { type: 'HANDOFF_OFFERED', dealerId: 'd1' })).toEqual([
      { kind: 'handoff.offered', dealerId: 'd1', offerExpiresAt: offered.handoff!.expiresAt },
    ]);
  });

  it('accepted: customer.assigned (the dealer answered itself: no withdrawal)', () => {
    expect(told(offered, { type: 'HANDOFF_ACCEPTED', dealerId: 'd1' })).toEqual([{ kind: 'customer.assigned', dealerId: 'd1' }]);
  });

  it('declined by the dealer: nothing for it to be told', () => {
    expect(told(offered, { type: 'HANDOFF_DECLINED', dealerId: 'd1', reason: 'full' })).toEqual([]);
  });

  it.each([
    [{ type: 'HANDOFF_TIMED_OUT' }, 'SLA_EXPIRED'],
    [{ type: 'ERASURE_REQUESTED', ground: 'CUSTOMER_REQUEST', actor: 'privacy:desk' }, 'ERASED'],
    [{ type: 'OPTED_OUT' }, 'OPTED_OUT'],
    [{ type: 'REASSIGNED', to: 'OEM', reason: 'VIP', actor: 'ops:x' }, 'REASSIGNED'],
  ] as [PendingEvent, string][])('%j withdraws the open offer: %s', (event, reason) => {
    expect(told(offered, event)).toContainEqual({ kind: 'handoff.withdrawn', dealerId: 'd1', reason });
  });

  it('reassigned to another dealer: the offered dealer is withdrawn, the new one assigned', () => {
    expect(told(offered, { type: 'REASSIGNED', to: { dealerId: 'd2' }, reason: 'closer', actor: 'ops:x' })).toEqual([
      { kind: 'handoff.withdrawn', dealerId: 'd1', reason: 'REASSIGNED' },
      { kind: 'customer.assigned', dealerId: 'd2' },
    ]);
  });

  it('the outcome chase when the sales window ends, then ownership ends with the fallback', () => {
    expect(told(inSales, { type: 'SALES_WINDOW_ENDED' })).toEqual([{ kind: 'outcome.requested', dealerId: 'd1' }]);
    const chased = run(inSales, { type: 'SALES_WINDOW_ENDED' });
    expect(told(chased, { type: 'SALES_WINDOW_ENDED' })).toEqual([{ kind: 'ownership.ended', dealerId: 'd1', reason: 'SALES_WINDOW_EXPIRED' }]);
  });

  it.each([
    [{ type: 'LOST', dealerId: 'd1', reason: 'bought elsewhere' }, 'LOST'],
    [{ type: 'NO_SHOW', dealerId: 'd1' }, 'NO_SHOW'],
  ] as [PendingEvent, string][])('%j ends the sales team\'s ownership: %s', (event, reason) => {
    expect(told(inSales, event)).toEqual([{ kind: 'ownership.ended', dealerId: 'd1', reason }]);
  });

  it('a sale keeps the customer with the same dealer: nothing to tell', () => {
    expect(told(inSales, { type: 'SOLD', dealerId: 'd1', vehicle })).toEqual([]);
  });

  it('back in market: the owning dealer is told its ownership ended (and the routing offers it first, separately)', () => {
    expect(told(owned, { type: 'OWNERSHIP_CYCLE_ENDED' })).toEqual([{ kind: 'ownership.ended', dealerId: 'd1', reason: 'BACK_IN_MARKET' }]);
  });

  it('erasure of an owned customer: ownership ended, ERASED; never who has them now', () => {
    expect(told(owned, { type: 'ERASURE_REQUESTED', ground: 'CUSTOMER_REQUEST', actor: 'privacy:desk' })).toEqual([{ kind: 'ownership.ended', dealerId: 'd1', reason: 'ERASED' }]);
  });

  it('events that do not concern a dealer tell none', () => {
    expect(told(qualifying, { type: 'LEAD_SCORED', score: 10 })).toEqual([]);
    expect(told(owned, { type: 'SERVICE_VISIT_RECORDED', dealerId: 'd1', visitId: 'v1' })).toEqual([]);
  });
});
