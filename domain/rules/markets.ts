// A market's ownership model changes: who may speak follows it from now on, on the ledger.
import { isNewerMarketModel, marketModelReason } from '../markets.js';
import type { RuleBook } from './builder.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const MARKETS_RULES = {
  MARKET_MODEL_CHANGED: ({ t, state, event }) => {
    const known = state.market;
    const applies = known ? isNewerMarketModel(known, event.market) : event.forUnknownMarket === true;
    if (!applies) return t.unchanged(); // another market, an older version, or a repeat
    // From now on: who may contact the customer follows the new model; on the ledger with the reason (the owner stays).
    const owner = { kind: state.owner, dealerId: state.dealerId };
    t.set({ market: event.market })
      .effect({ type: 'OWNER_CHANGED', from: owner, to: owner, reason: marketModelReason(event.market, event.reason), actor: event.actor });
    // A customer the OEM was nurturing goes to a dealer now, in a market that became partner-led.
    if (event.market.model === 'PARTNER_LED' && state.stage === 'QUALIFYING') t.effect({ type: 'SCORE_LEADS' });
    return t.done();
  },
} satisfies Partial<RuleBook>;
