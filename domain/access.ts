/**
 * Who may do what through the API. Pure rules, decided once for every route: the
 * route declares the roles it serves and whether it is about one customer; the API's
 * access hook asks these functions and nothing else.
 */
export const ROLES = ['OEM', 'DEALER', 'OPS'] as const;
export type Role = (typeof ROLES)[number];

/** The caller, as identified by their API key. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  /** Set for DEALER keys: the dealership the key acts for. */
  dealerId: string | null;
}

/**
 * What a route declares. `customer` names the route parameter that identifies the
 * customer (their id, or their journey id); dealers only reach customers they have
 * been assigned, now or before.
 */
export type RouteAccess =
  | { public: true }
  | { roles: readonly Role[]; customer?: { param: string; kind: 'customerId' | 'journeyId' }; dealerParam?: string };

export type AccessDecision =
  | { allow: true }
  /** 401: no valid key. 403: the route is not for this role. 404: not yours (existence never leaks). */
  | { allow: false; status: 401 | 403 | 404; reason: string };

const ALLOW: AccessDecision = { allow: true };

/** Before the request is read: is there a valid key, and is the route for its role? */
export function decideRouteAccess(principal: Principal | null, access: RouteAccess): AccessDecision {
  if ('public' in access) return ALLOW;
  if (!principal) return { allow: false, status: 401, reason: 'a valid API key is required' };
  if (!access.roles.includes(principal.role)) {
    return { allow: false, status: 403, reason: `this route is for ${access.roles.join(', ')} keys, not ${principal.role}` };
  }
  return ALLOW;
}

/**
 * For routes about one customer or one dealer: OEM and OPS keys see everything their
 * route allows; a dealer sees only customers it has been offered or assigned (now or
 * before) and only its own dealer record. Anything else looks like it does not exist.
 */
export function decideResourceAccess(
  principal: Principal,
  resource: { kind: 'customer'; dealerRelated: boolean } | { kind: 'dealer'; dealerId: string },
): AccessDecision {
  if (principal.role !== 'DEALER') return ALLOW;
  const mine = resource.kind === 'customer' ? resource.dealerRelated : resource.dealerId === principal.dealerId;
  return mine ? ALLOW : { allow: false, status: 404, reason: 'not found' };
}

/** Customer id from a route parameter that holds either the customer id or the journey id. */
export function customerIdFrom(value: string, kind: 'customerId' | 'journeyId'): string {
  return kind === 'journeyId' ? value.replace(/^journey-/, '') : value;
}
