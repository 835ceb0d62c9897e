/**
 * Who may do what through the API. Pure rules, decided once for every route: the
 * route declares the roles it serves and, for routes about one customer, what it does
 * with that customer; the API's access hook asks these functions and nothing else.
 */
import type { JourneyStage, JourneyState } from './journey.js';
import type { UserRole } from './users.js';

export const ROLES = ['OEM', 'DEALER', 'OPS'] as const;
export type Role = (typeof ROLES)[number];

/** The caller, as identified by their API key or, in the workspace, the person logged in. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  /** Set for DEALER keys and people: the dealership the key acts for. */
  dealerId: string | null;
  /** Set for people (never for keys): their role within the OEM or the dealership. */
  userRole?: UserRole;
}

/**
 * How a dealership stands to one customer right now.
 * - CURRENT: the customer is in its sales team's hands or is its customer (IN_SALES or DEALER_OWNED with it).
 * - OFFERED: a hand-off is offered to it and waits for its answer.
 * - FORMER: it was offered or assigned the customer before, and the customer has moved on
 *   (offer lapsed or declined, fell back to the OEM, sold or reassigned elsewhere, erased).
 * - NONE: it never had anything to do with the customer.
 */
export const DEALER_STANDINGS = ['CURRENT', 'OFFERED', 'FORMER', 'NONE'] as const;
export type DealerStanding = (typeof DEALER_STANDINGS)[number];

/** What the read model knows of a customer's journey, and whether this dealer ever took part in it. */
export interface CustomerStandingFacts {
  journey: { stage: JourneyStage; dealerId: string | null; offeredDealerId: string | null } | null;
  /** An offer, acceptance or ownership of this dealer is on record. */
  dealerWasInvolved: boolean;
}

export function dealerStanding(facts: CustomerStandingFacts, dealerId: string): DealerStanding {
  const j = facts.journey;
  if (j && (j.stage === 'IN_SALES' || j.stage === 'DEALER_OWNED') && j.dealerId === dealerId) return 'CURRENT';
  if (j && j.stage === 'HANDED_OFF' && j.offeredDealerId === dealerId) return 'OFFERED';
  return facts.dealerWasInvolved ? 'FORMER' : 'NONE';
}

/**
 * What a route does with the customer it is about. Dealers are held to this; OEM and
 * OPS keys reach every customer their route's roles allow.
 * - `view-journey`: the journey's live state (stage, open offer, leads) — the offered dealer needs it to decide.
 * - `answer-offer`: accept or decline a hand-off.
 * - `read-customer`: what belongs to whoever serves the customer now (ownership ledger, messages).
 * - `act`: change the customer or their journey (contact, consent, opt-out, messages, outcomes, service).
 * - `own-history`: what the dealership itself had with the customer (its offers, its ownership, its sales).
 */
export const CUSTOMER_USES = ['view-journey', 'answer-offer', 'read-customer', 'act', 'own-history'] as const;
export type CustomerUse = (typeof CUSTOMER_USES)[number];

/**
 * What a route declares. `customer` names the route parameter that identifies the
 * customer (their id, or their journey id) and what the route does with them.
 */
export type RouteAccess =
  | { public: true }
  | {
    roles: readonly Role[];
    customer?: { param: string; kind: 'customerId' | 'journeyId'; use: CustomerUse };
    dealerParam?: string;
    /** Workspace pages only: the people's roles it serves as well (a sales manager's settings); keys never pass. */
    userRoles?: readonly UserRole[];
  };

/** Who did it, on the ownership ledger and in audit fields: `oem:<name>`, `ops:<name>`, `dealer:<name>`. */
export const actorOf = (principal: Pick<Principal, 'role' | 'name'>) => `${principal.role.toLowerCase()}:${principal.name}`;

export type AccessDecision =
  | { allow: true }
  /**
   * 401: no valid key. 403: the route is not for this role, or not for the dealer's standing.
   * 404: not yours (existence never leaks). 409: the offer this dealer answers is closed.
   */
  | { allow: false; status: 401 | 403 | 404 | 409; reason: string };

const ALLOW: AccessDecision = { allow: true };
const NOT_FOUND: AccessDecision = { allow: false, status: 404, reason: 'not found' };

/** Before the request is read: is there a valid key, and is the route for its role? */
export function decideRouteAccess(principal: Principal | null, access: RouteAccess): AccessDecision {
  if ('public' in access) return ALLOW;
  if (!principal) return { allow: false, status: 401, reason: 'a valid API key is required' };
  if (!access.roles.includes(principal.role)) {
    return { allow: false, status: 403, reason: `this route is for ${access.roles.join(', ')} keys, not ${principal.role}` };
  }
  if (access.userRoles && !(principal.userRole && access.userRoles.includes(principal.userRole))) {
    return { allow: false, status: 403, reason: `this page is for ${access.userRoles.join(', ')}` };
  }
  return ALLOW;
}

/**
 * Which standings may use a route, and how the others are refused. A dealer that never
 * had the customer, or had them before, sees nothing of them now (404, as if they did not
 * exist: later events never leak). The dealer an offer waits on sees the journey and may
 * answer; what belongs to the customer's dealer waits until it accepts (403).
 */
export const DEALER_ACCESS: Record<CustomerUse, Record<DealerStanding, AccessDecision>> = {
  'view-journey': { CURRENT: ALLOW, OFFERED: ALLOW, FORMER: NOT_FOUND, NONE: NOT_FOUND },
  'answer-offer': {
    CURRENT: ALLOW, // a repeated accept is answered by the journey, unchanged
    OFFERED: ALLOW,
    FORMER: { allow: false, status: 409, reason: 'the hand-off is no longer offered to your dealership' },
    NONE: NOT_FOUND,
  },
  'read-customer': {
    CURRENT: ALLOW,
    OFFERED: { allow: false, status: 403, reason: "only the customer's current dealer sees this; accept the hand-off first" },
    FORMER: NOT_FOUND,
    NONE: NOT_FOUND,
  },
  act: {
    CURRENT: ALLOW,
    OFFERED: { allow: false, status: 403, reason: "only the customer's current dealer may do this; accept the hand-off first" },
    FORMER: NOT_FOUND,
    NONE: NOT_FOUND,
  },
  'own-history': { CURRENT: ALLOW, OFFERED: ALLOW, FORMER: ALLOW, NONE: NOT_FOUND },
};

/** For routes about one customer: OEM and OPS pass (their roles were checked); a dealer by its standing. */
export function decideCustomerAccess(principal: Principal, use: CustomerUse, standing: DealerStanding): AccessDecision {
  if (principal.role !== 'DEALER') return ALLOW;
  return DEALER_ACCESS[use][standing];
}

/** For routes about one dealer record: a dealer key reaches only its own. */
export function decideDealerRecordAccess(principal: Principal, dealerId: string): AccessDecision {
  if (principal.role !== 'DEALER') return ALLOW;
  return dealerId === principal.dealerId ? ALLOW : NOT_FOUND;
}

/**
 * The journey as a dealer may see it: which other dealers were offered the hand-off
 * before it is not its business (only its own place in the list stays).
 */
export function journeyAsSeenByDealer(state: JourneyState, dealerId: string): JourneyState {
  if (!state.handoff) return state;
  return { ...state, handoff: { ...state.handoff, tried: state.handoff.tried.filter((d) => d === dealerId) } };
}
