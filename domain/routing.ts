/**
 * Choosing the dealer a lead is offered to. Pure: the caller loads dealers, their
 * open hand-off load and the rotation record (durable, in the database).
 */
/** What a dealer can take beyond private buyers (the dealer record's capabilities). */
export const DEALER_CAPABILITIES = ['FLEET_DESK'] as const;
export type DealerCapability = (typeof DEALER_CAPABILITIES)[number];
export const FLEET_DESK: DealerCapability = 'FLEET_DESK';

export interface DealerCandidate {
  id: string;
  active: boolean;
  /** Postal-code prefixes this dealer covers. */
  territory: string[];
  capacity: number;
  /** Hand-offs and sales currently open with this dealer. */
  openLoad: number;
  /**
   * The dealer's turn in the rotation: the number of the last offer it got, from one sequence
   * (null: never offered). Numbers, not times: two offers within a clock tick still differ.
   */
  lastOfferTurn: number | null;
  /** It has a business / fleet desk (the FLEET_DESK capability): it may be offered companies. */
  fleetDesk?: boolean;
}

export interface RoutingRequest {
  postalCode: string | null;
  /** The dealer the customer chose, or their own dealer when back in market. */
  preferredDealerId: string | null;
  /** Dealers already offered this hand-off; never offered twice. */
  alreadyTried: readonly string[];
  /** A company's hand-off: only dealers with a fleet desk take it, the one it chose included. */
  fleet?: boolean;
}

export type RoutingChoice =
  | { dealerId: string; reason: 'PREFERRED' | 'TERRITORY' }
  | { dealerId: null; reason: 'NO_CANDIDATE' };

function available(dealer: DealerCandidate, request: RoutingRequest): boolean {
  return dealer.active && dealer.openLoad < dealer.capacity && !request.alreadyTried.includes(dealer.id) && (!request.fleet || dealer.fleetDesk === true);
}

/** Longest territory prefix of `postalCode` this dealer covers; 0 if none. */
export function territoryMatch(dealer: Pick<DealerCandidate, 'territory'>, postalCode: string): number {
  const code = postalCode.replace(/\s+/g, '').toUpperCase();
  let best = 0;
  for (const prefix of dealer.territory) {
    const p = prefix.replace(/\s+/g, '').toUpperCase();
    if (p.length > best && code.startsWith(p)) best = p.length;
  }
  return best;
}

/**
 * The preferred dealer if they can take it; else among available dealers (for a company,
 * those with a fleet desk) whose
 * territory covers the postal code, the most specific match, and among equals the
 * one offered a lead least recently (never-offered first, then by id).
 */
export function chooseDealer(dealers: readonly DealerCandidate[], request: RoutingRequest): RoutingChoice {
  const { preferredDealerId, postalCode } = request;
  const preferred = preferredDealerId ? dealers.find((d) => d.id === preferredDealerId) : undefined;
  if (preferred && available(preferred, request)) return { dealerId: preferred.id, reason: 'PREFERRED' };
  if (!postalCode) return { dealerId: null, reason: 'NO_CANDIDATE' };

  const ranked = dealers
    .filter((d) => available(d, request))
    .map((d) => ({ dealer: d, match: territoryMatch(d, postalCode) }))
    .filter((c) => c.match > 0)
    .sort(
      (a, b) =>
        b.match - a.match ||
        (a.dealer.lastOfferTurn ?? -1) - (b.dealer.lastOfferTurn ?? -1) ||
        a.dealer.id.localeCompare(b.dealer.id),
    );
  const choice = ranked[0];
  return choice ? { dealerId: choice.dealer.id, reason: 'TERRITORY' } : { dealerId: null, reason: 'NO_CANDIDATE' };
}
