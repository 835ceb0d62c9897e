// The ownership models per market (seed 000) as a table: model × purpose × sender × the
// customer's stage, each cell the decision contact arbitration reaches. The SHARED rows are
// today's rules, so they also show what the other two models change.
import { describe, expect, it } from 'vitest';
import { decideCommunication } from '../../domain/communications.js';
import type { JourneyState, Vehicle } from '../../domain/journey.js';
import type { LeadCaptured } from '../../domain/lead.js';
import { OWNERSHIP_MODELS, type MarketModel, type OwnershipModel } from '../../domain/markets.js';
import { PURPOSES, type CommunicationRequest, type Purpose, type Sender } from '../../domain/messages.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { applyJourneyEvent, startJourney, type JourneyEvent, type PendingEvent } from '../../domain/transitions.js';

const policy = DEFAULT_POLICY;
const T = '2026-01-01T10:00:00.000Z';
// Noon in Berlin a year later: past the post-purchase cool-down, outside quiet hours.
const LATER = '2027-01-15T11:00:00.000Z';
const vehicle: Vehicle = { vin: 'WVWZZZ1JZXW000001', model: 'ID.7', soldOn: '2026-01-01' };
const lead: LeadCaptured = { leadId: 'l1', source: 'WEB_FORM', hasEmail: true, hasPhone: true, hasPostalCode: true, receivedAt: T, consentRegime: 'OPT_OUT', consents: [] };
const run = (state: JourneyState, at: string, ...events: PendingEvent[]) =>
  events.reduce((s, e) => applyJourneyEvent(s, { at, ...e } as JourneyEvent, policy).state, state);

const qualifying = run(startJourney('journey-c', 'c', lead, T).state, T, { type: 'QUALIFICATION_STARTED' });
const inSales = run(qualifying, T, { type: 'LEAD_SCORED', score: 90 }, { type: 'HANDOFF_OFFERED', dealerId: 'd1' }, { type: 'HANDOFF_ACCEPTED', dealerId: 'd1' });
const owned = run(inSales, T, { type: 'SOLD', dealerId: 'd1', vehicle });
const inMarket = (state: JourneyState, model: OwnershipModel): JourneyState => ({ ...state, market: { market: 'DE', model, version: 1 } });

const OEM: Sender = { kind: 'OEM' };
const D1: Sender = { kind: 'DEALER', dealerId: 'd1' };
const ask = (sender: Sender, purpose: Purpose): CommunicationRequest => ({ communicationId: 'm1', sender, purpose, channel: 'EMAIL', templateId: 't' });
/** A: allowed; B: allowed, in the name of dealer d1; otherwise the reason for the suppression. */
function code(state: JourneyState, sender: Sender, purpose: Purpose, at = LATER): string {
  const d = decideCommunication(state, ask(sender, purpose), at, policy);
  if (d.decision === 'ALLOWED') return d.onBehalfOf ? `B:${d.onBehalfOf}` : 'A';
  return d.decision === 'SUPPRESSED' ? d.reason : `DEFERRED:${d.reason}`;
}

const A = 'A', B = 'B:d1', NO = 'NOT_OWNER', MM = 'MARKET_MODEL', SALES = 'IN_DEALER_SALES';
type Row = Record<Purpose, [qualifying: string, inSales: string, owned: string]>;
/** model → sender → purpose → [QUALIFYING (OEM owns), IN_SALES (d1's sales team), DEALER_OWNED (d1)]. */
const TABLE: Record<OwnershipModel, { OEM: Row; D1: Row }> = {
  SHARED: {
    OEM: {
      PROMOTION: [A, SALES, A], SALES_FOLLOW_UP: [A, NO, NO], SERVICE_REMINDER: [A, NO, B], SURVEY: [A, NO, B],
      TRANSACTIONAL: [A, A, A], LEGAL: [A, A, A],
    },
    D1: {
      PROMOTION: [NO, A, A], SALES_FOLLOW_UP: [NO, A, A], SERVICE_REMINDER: [NO, A, A], SURVEY: [NO, A, A],
      TRANSACTIONAL: [NO, A, A], LEGAL: [NO, NO, NO],
    },
  },
  // The OEM never speaks itself: through the customer's dealer, or not at all. Law and transactions still go.
  PARTNER_LED: {
    OEM: {
      PROMOTION: [MM, B, B], SALES_FOLLOW_UP: [MM, B, B], SERVICE_REMINDER: [MM, B, B], SURVEY: [MM, B, B],
      TRANSACTIONAL: [A, A, A], LEGAL: [A, A, A],
    },
    D1: {
      PROMOTION: [NO, A, A], SALES_FOLLOW_UP: [NO, A, A], SERVICE_REMINDER: [NO, A, A], SURVEY: [NO, A, A],
      TRANSACTIONAL: [NO, A, A], LEGAL: [NO, NO, NO],
    },
  },
  // The OEM owns the relationship: it promotes, reminds and surveys itself (never into a dealer's sales
  // window); dealers follow up their sales and remind of their service, but neither promote nor survey.
  OEM_DIRECT: {
    OEM: {
      PROMOTION: [A, SALES, A], SALES_FOLLOW_UP: [A, NO, NO], SERVICE_REMINDER: [A, A, A], SURVEY: [A, A, A],
      TRANSACTIONAL: [A, A, A], LEGAL: [A, A, A],
    },
    D1: {
      PROMOTION: [MM, MM, MM], SALES_FOLLOW_UP: [NO, A, A], SERVICE_REMINDER: [NO, A, A], SURVEY: [MM, MM, MM],
      TRANSACTIONAL: [NO, A, A], LEGAL: [NO, NO, NO],
    },
  },
};

describe('ownership model × purpose × sender × stage', () => {
  const stages = [['QUALIFYING', qualifying], ['IN_SALES', inSales], ['DEALER_OWNED', owned]] as const;
  for (const model of OWNERSHIP_MODELS) {
    for (const [senderName, sender] of [['OEM', OEM], ['D1', D1]] as const) {
      for (const purpose of PURPOSES) {
        stages.forEach(([stage, state], i) => {
          const expected = TABLE[model][senderName][purpose][i]!;
          it(`${model}: ${senderName} ${purpose} while ${stage} → ${expected}`, () => {
            expect(code(inMarket(state, model), sender, purpose)).toBe(expected);
          });
        });
      }
    }
  }

  it('a journey that knows no market follows the shared rules', () => {
    for (const purpose of PURPOSES) {
      expect(code(owned, OEM, purpose)).toBe(code(inMarket(owned, 'SHARED'), OEM, purpose));
      expect(code(qualifying, D1, purpose)).toBe(code(inMarket(qualifying, 'SHARED'), D1, purpose));
    }
  });

  it('the OEM promotion keeps its post-purchase cool-down when it goes out in the dealer\'s name', () => {
    const justSold = run(inSales, '2027-01-10T10:00:00.000Z', { type: 'SOLD', dealerId: 'd1', vehicle });
    expect(code(inMarket(justSold, 'PARTNER_LED'), OEM, 'PROMOTION')).toBe('POST_PURCHASE_COOL_DOWN');
    expect(code(inMarket(justSold, 'OEM_DIRECT'), OEM, 'PROMOTION')).toBe('POST_PURCHASE_COOL_DOWN');
    expect(code(inMarket(justSold, 'PARTNER_LED'), OEM, 'SERVICE_REMINDER')).toBe(B);
  });

  it('consent and opt-out still come first: the model never lets through what the customer refused', () => {
    const optedOut = { ...inMarket(owned, 'PARTNER_LED'), optedOut: true };
    expect(code(optedOut, OEM, 'PROMOTION')).toBe('OPTED_OUT');
    expect(code(optedOut, OEM, 'LEGAL')).toBe(A);
  });
});

describe('the journey learns its market and the OEM\'s changes', () => {
  const DE = (model: OwnershipModel, version: number): MarketModel => ({ market: 'DE', model, version });
  const change = (state: JourneyState, market: MarketModel, forUnknownMarket = false) =>
    applyJourneyEvent(state, { type: 'MARKET_MODEL_CHANGED', market, reason: 'dealer council decision', actor: 'oem:desk', forUnknownMarket, at: LATER }, policy);

  it('from its first lead, and a later lead never takes it back to an older version', () => {
    const started = startJourney('journey-c', 'c', { ...lead, market: DE('SHARED', 2) }, T).state;
    expect(started.market).toEqual(DE('SHARED', 2));
    const stale = applyJourneyEvent(started, { type: 'LEAD_CAPTURED', lead: { ...lead, leadId: 'l2', market: DE('OEM_DIRECT', 1) }, at: T }, policy).state;
    expect(stale.market).toEqual(DE('SHARED', 2));
    const moved = applyJourneyEvent(started, { type: 'LEAD_CAPTURED', lead: { ...lead, leadId: 'l3', market: { market: 'AT', model: 'PARTNER_LED', version: 1 } }, at: T }, policy).state;
    expect(moved.market).toEqual({ market: 'AT', model: 'PARTNER_LED', version: 1 });
  });

  it('a newer version for its market applies at once and is on the ownership ledger; the owner stays', () => {
    const before = inMarket(owned, 'SHARED');
    const { state, effects } = change(before, DE('PARTNER_LED', 2));
    expect(state.market).toEqual(DE('PARTNER_LED', 2));
    expect(state.owner).toBe('DEALER');
    expect(effects).toContainEqual({
      type: 'OWNER_CHANGED', from: { kind: 'DEALER', dealerId: 'd1' }, to: { kind: 'DEALER', dealerId: 'd1' },
      reason: 'MARKET_MODEL: DE PARTNER_LED (v2): dealer council decision', actor: 'oem:desk',
    });
    expect(code(state, OEM, 'PROMOTION')).toBe(B);
  });

  it('a repeat, an older version or another market change nothing', () => {
    const known = inMarket(owned, 'SHARED'); // DE v1
    expect(change(known, DE('PARTNER_LED', 1)).effects).toEqual([]);
    expect(change(known, { market: 'FR', model: 'PARTNER_LED', version: 5 }).effects).toEqual([]);
    expect(change(known, { market: 'FR', model: 'PARTNER_LED', version: 5 }, true).effects).toEqual([]);
  });

  it('a partner-led market hands every lead to a dealer: the OEM does not nurture what it may not write to', () => {
    const cold = { type: 'LEAD_SCORED', score: 10, at: LATER } as const;
    expect(applyJourneyEvent(inMarket(qualifying, 'SHARED'), cold, policy).state.stage).toBe('QUALIFYING');
    expect(applyJourneyEvent(inMarket(qualifying, 'OEM_DIRECT'), cold, policy).state.stage).toBe('QUALIFYING');
    expect(applyJourneyEvent(inMarket(qualifying, 'PARTNER_LED'), cold, policy).state.stage).toBe('HANDED_OFF');
    // Switched while the OEM nurtures the customer: scored again, and so handed off.
    expect(change(inMarket(qualifying, 'SHARED'), DE('PARTNER_LED', 2)).effects).toContainEqual({ type: 'SCORE_LEADS' });
    expect(change(inMarket(owned, 'SHARED'), DE('PARTNER_LED', 2)).effects).not.toContainEqual({ type: 'SCORE_LEADS' });
    // After a fallback the cool-down still holds.
    const fellBack = run(inMarket(inSales, 'PARTNER_LED'), LATER, { type: 'LOST', dealerId: 'd1', reason: 'bought elsewhere' });
    expect(applyJourneyEvent(fellBack, cold, policy).state.stage).toBe('QUALIFYING');
  });

  it('a journey from before markets follows only a change for the default country', () => {
    expect(change(owned, DE('PARTNER_LED', 1)).effects).toEqual([]);
    expect(change(owned, DE('PARTNER_LED', 1), true).state.market).toEqual(DE('PARTNER_LED', 1));
  });
});
