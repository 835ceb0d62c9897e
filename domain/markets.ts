/**
 * How an OEM and its partners split the customer in a market (seed 000): the OEM reaches
 * consumers only through its partners (PARTNER_LED), the OEM addresses consumers itself
 * and dealers sell and service (OEM_DIRECT), or the shared model (SHARED: the rules in
 * communications.ts as they are). A market is a country (ISO 3166-1 alpha-2). Pure.
 */
import type { Purpose, Sender } from './messages.js';

export const OWNERSHIP_MODELS = ['PARTNER_LED', 'OEM_DIRECT', 'SHARED'] as const;
export type OwnershipModel = (typeof OWNERSHIP_MODELS)[number];

/** The market a journey belongs to and the model it follows there; `version` orders the OEM's changes. */
export interface MarketModel {
  market: string;
  model: OwnershipModel;
  version: number;
}

/** Markets nobody has set follow today's rules. */
export const DEFAULT_MODEL: OwnershipModel = 'SHARED';

/**
 * What the market's model says about one message before the shared rules are asked:
 * - `SHARED_RULES`: decide as in the shared model (owner, sales, cool-down);
 * - `SUPPRESS`: the model gives this sender no voice for this purpose now;
 * - `VIA_OWNING_DEALER`: the OEM's content goes out in the name of the customer's dealer
 *   (then the shared rules are asked for that dealer as the sender);
 * - `OEM_SPEAKS`: the OEM may send it itself, whoever owns the customer (still subject to
 *   the cool-down after a purchase and to the dealer's sales window).
 */
export type MarketVerdict = 'SHARED_RULES' | 'SUPPRESS' | 'VIA_OWNING_DEALER' | 'OEM_SPEAKS';

/** Messages the law or the customer's own request makes necessary: no ownership model silences them. */
const ESSENTIAL: readonly Purpose[] = ['TRANSACTIONAL', 'LEGAL'];

/**
 * The policy table: model × purpose × sender × who owns the customer now.
 * PARTNER_LED: the OEM never contacts consumers itself: its messages go through the owning
 *   dealer (a dealer's sales team or the dealer after the sale) or not at all.
 * OEM_DIRECT: the relationship and its communications are the OEM's: it promotes, surveys
 *   and reminds of service itself; dealers follow up their own sales and remind of their
 *   own service, but do not promote or survey.
 */
export function marketVerdict(model: OwnershipModel, purpose: Purpose, sender: Sender, owner: 'OEM' | 'DEALER_SALES' | 'DEALER'): MarketVerdict {
  if (model === 'SHARED' || ESSENTIAL.includes(purpose)) return 'SHARED_RULES';
  if (model === 'PARTNER_LED') {
    if (sender.kind === 'DEALER') return 'SHARED_RULES';
    return owner === 'OEM' ? 'SUPPRESS' : 'VIA_OWNING_DEALER';
  }
  // OEM_DIRECT
  if (sender.kind === 'DEALER') return purpose === 'PROMOTION' || purpose === 'SURVEY' ? 'SUPPRESS' : 'SHARED_RULES';
  if (purpose === 'SALES_FOLLOW_UP') return 'SHARED_RULES'; // following up a sale is the seller's
  return 'OEM_SPEAKS';
}

/** The model a journey follows: the newest the OEM set for its market, or SHARED. */
export const modelOf = (market: MarketModel | null | undefined): OwnershipModel => market?.model ?? DEFAULT_MODEL;

/** Whether `next` is news for a journey that knows `current`: its market's newer version, or the first it hears of. */
export function isNewerMarketModel(current: MarketModel | null | undefined, next: MarketModel): boolean {
  if (!current) return true;
  if (current.market !== next.market) return false;
  return next.version > current.version;
}

/** The ownership ledger's reason for a change of model: no personal data, the OEM's words after the colon. */
export const marketModelReason = (next: MarketModel, reason: string) => `MARKET_MODEL: ${next.market} ${next.model} (v${next.version}): ${reason}`;
