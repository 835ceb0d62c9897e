// The access rules as a table: every role, and for dealers every standing × what a route does.
import { describe, expect, it } from 'vitest';
import {
  CUSTOMER_USES, DEALER_STANDINGS, dealerStanding, decideCustomerAccess, decideDealerRecordAccess, decideRouteAccess, journeyAsSeenByDealer,
  type CustomerUse, type DealerStanding, type Principal,
} from '../../domain/access.js';
import type { JourneyStage, JourneyState } from '../../domain/journey.js';

const dealer: Principal = { keyId: 'k1', name: 'A sales', role: 'DEALER', dealerId: 'A' };
const oem: Principal = { keyId: 'k2', name: 'lead desk', role: 'OEM', dealerId: null };
const ops: Principal = { keyId: 'k3', name: 'ops', role: 'OPS', dealerId: null };

describe('dealerStanding', () => {
  const facts = (stage: JourneyStage, dealerId: string | null, offeredDealerId: string | null, involved = true) => ({ journey: { stage, dealerId, offeredDealerId }, dealerWasInvolved: involved });
  it.each([
    ['in sales with A', facts('IN_SALES', 'A', null), 'CURRENT'],
    ['owned by A', facts('DEALER_OWNED', 'A', null), 'CURRENT'],
    ['offered to A', facts('HANDED_OFF', null, 'A'), 'OFFERED'],
    ['offered to B after A', facts('HANDED_OFF', null, 'B'), 'FORMER'],
    ['in sales with B', facts('IN_SALES', 'B', null), 'FORMER'],
    ['fell back to the OEM', facts('QUALIFYING', null, null), 'FORMER'],
    ['escalated after A declined', facts('ESCALATED', null, null), 'FORMER'],
    ['erased while A owned them', facts('ERASED', null, null), 'FORMER'],
    ['never involved, offered to B', facts('HANDED_OFF', null, 'B', false), 'NONE'],
    ['no journey', { journey: null, dealerWasInvolved: false }, 'NONE'],
  ] as const)('%s → %s', (_label, f, standing) => {
    expect(dealerStanding(f, 'A')).toBe(standing);
  });
  it('an offer in a stage other than HANDED_OFF is not an open offer', () => {
    expect(dealerStanding(facts('QUALIFYING', null, 'A'), 'A')).toBe('FORMER');
  });
});

describe('decideCustomerAccess', () => {
  const expected: Record<CustomerUse, Record<DealerStanding, number>> = {
    'view-journey': { CURRENT: 200, OFFERED: 200, FORMER: 404, NONE: 404 },
    'answer-offer': { CURRENT: 200, OFFERED: 200, FORMER: 409, NONE: 404 },
    'read-customer': { CURRENT: 200, OFFERED: 403, FORMER: 404, NONE: 404 },
    act: { CURRENT: 200, OFFERED: 403, FORMER: 404, NONE: 404 },
    'own-history': { CURRENT: 200, OFFERED: 200, FORMER: 200, NONE: 404 },
  };
  for (const use of CUSTOMER_USES) {
    for (const standing of DEALER_STANDINGS) {
      it(`dealer, ${use}, ${standing} → ${expected[use][standing]}`, () => {
        const decision = decideCustomerAccess(dealer, use, standing);
        expect(decision.allow ? 200 : decision.status).toBe(expected[use][standing]);
      });
    }
    it(`OEM and OPS pass ${use} (their roles are checked per route)`, () => {
      expect(decideCustomerAccess(oem, use, 'NONE')).toEqual({ allow: true });
      expect(decideCustomerAccess(ops, use, 'NONE')).toEqual({ allow: true });
    });
  }
  it('a refusal to a former dealer says nothing of who has the customer now', () => {
    for (const use of CUSTOMER_USES) {
      const d = decideCustomerAccess(dealer, use, 'FORMER');
      if (!d.allow) expect(d.reason).not.toMatch(/stage|IN_SALES|DEALER_OWNED|sold/i);
    }
  });
});

describe('decideRouteAccess and dealer records', () => {
  it('401 without a key, 403 for the wrong role, public routes for all', () => {
    expect(decideRouteAccess(null, { roles: ['OEM'] })).toMatchObject({ allow: false, status: 401 });
    expect(decideRouteAccess(dealer, { roles: ['OEM', 'OPS'] })).toMatchObject({ allow: false, status: 403 });
    expect(decideRouteAccess(null, { public: true })).toEqual({ allow: true });
    expect(decideRouteAccess(ops, { roles: ['OPS'] })).toEqual({ allow: true });
  });
  it("a page for some people's roles: those people pass, other people and every key are refused (403)", () => {
    const managers = { roles: ['DEALER', 'OEM'], userRoles: ['SALES_MANAGER', 'OEM_LEAD_DESK'] } as const;
    expect(decideRouteAccess({ ...dealer, userRole: 'SALES_MANAGER' }, managers)).toEqual({ allow: true });
    expect(decideRouteAccess({ ...oem, userRole: 'OEM_LEAD_DESK' }, managers)).toEqual({ allow: true });
    expect(decideRouteAccess({ ...dealer, userRole: 'SALESPERSON' }, managers)).toMatchObject({ allow: false, status: 403 });
    expect(decideRouteAccess(dealer, managers)).toMatchObject({ allow: false, status: 403 });
    expect(decideRouteAccess({ ...ops, userRole: 'OPS' }, managers)).toMatchObject({ allow: false, status: 403 });
  });
  it('a dealer key reaches its own dealer record only', () => {
    expect(decideDealerRecordAccess(dealer, 'A')).toEqual({ allow: true });
    expect(decideDealerRecordAccess(dealer, 'B')).toMatchObject({ allow: false, status: 404 });
    expect(decideDealerRecordAccess(oem, 'B')).toEqual({ allow: true });
  });
});

describe('journeyAsSeenByDealer', () => {
  it('keeps only the dealer itself in the list of dealers tried', () => {
    const state = { handoff: { dealerId: 'A', offeredAt: 't', expiresAt: 't', tried: ['B', 'C', 'A'] } } as JourneyState;
    expect(journeyAsSeenByDealer(state, 'A').handoff!.tried).toEqual(['A']);
    expect(state.handoff!.tried).toEqual(['B', 'C', 'A']);
  });
});
