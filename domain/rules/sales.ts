// The dealer's sales window: a sale makes the customer the dealer's; a lost sale, a no-show or an expired window falls back to the OEM with a cool-down.
import type { Vehicle } from '../journey.js';
import type { JourneyPolicy } from '../policy.js';
import type { Transition } from '../journey-events.js';
import { plus, SYSTEM, type Builder, type RuleBook, type RuleContext } from './builder.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const SALES_RULES = {
  SOLD: ({ t, state, event, policy, refuse, requireStage, requireDealer }) => {
    if (state.stage === 'DEALER_OWNED' && state.dealerId === event.dealerId && state.vehicle?.vin === event.vehicle.vin) return t.unchanged();
    requireStage('IN_SALES');
    requireDealer(event.dealerId);
    if (state.account) refuse("a company's sale names each vehicle's driver: record it as a fleet sale");
    return sale(t, policy, event.dealerId, event.vehicle, 'SOLD', event.dealerId).done();
  },
  SALE_MATCHED: ({ t, state, event, policy, refuse, requireStage }) => {
    // The sale is on record already (reported by the dealer, or an earlier match): nothing to do.
    if (state.stage === 'DEALER_OWNED' && state.vehicle?.vin === event.vehicle.vin) return t.unchanged();
    if (state.stage === 'DEALER_OWNED') refuse(`the customer already owns ${state.vehicle?.vin ?? 'a vehicle'} recorded by dealer ${state.dealerId}`);
    // The sales data is the fact: whoever held the customer, the selling dealer owns them now.
    requireStage('QUALIFYING', 'HANDED_OFF', 'ESCALATED', 'IN_SALES');
    return sale(t, policy, event.dealerId, event.vehicle, 'DMS_MATCHBACK', 'DMS_MATCHBACK').set({ handoff: null, escalation: null, handoffBlockedUntil: null }).done();
  },
  LOST: (c) => fellThrough(c, `LOST: ${c.event.reason}`),
  NO_SHOW: (c) => fellThrough(c, 'NO_SHOW'),
  SALES_WINDOW_ENDED: ({ t, state, event, policy, requireStage }) => {
    requireStage('IN_SALES');
    const sales = state.sales!;
    if (!sales.chasedAt) {
      // Ask the dealer once before taking the customer back.
      return t
        .set({ sales: { ...sales, chasedAt: event.at, endsAt: plus(event.at, policy.outcomeChaseGraceMs) } })
        .effect({ type: 'DEALER_TASK', dealerId: sales.dealerId, task: 'OUTCOME_CHASE' })
        .done();
    }
    return fallBackToOem(t, policy, 'SALES_WINDOW_EXPIRED', SYSTEM).done();
  },
} satisfies Partial<RuleBook>;

/** A sale: the selling dealer owns the customer, with the after-sales timers and the post-purchase cool-down. */
export function sale(t: Builder, policy: JourneyPolicy, dealerId: string, vehicle: Vehicle, reason: string, actor: string, driverId?: string): Builder {
  const at = t.event.at;
  return t
    .moveTo('DEALER_OWNED')
    .owner({ kind: 'DEALER', dealerId }, reason, actor)
    .set({
      sales: null,
      vehicle,
      promotionsBlockedUntil: plus(at, policy.postPurchasePromotionCoolDownMs),
      survey: { kind: 'SALE', dueAt: plus(at, policy.saleSurveyDelayMs) },
      serviceReminderDueAt: plus(at, policy.serviceReminderIntervalMs),
      ownershipCycleEndsAt: plus(at, policy.ownershipCycleMs),
      preferredDealerId: dealerId,
    })
    .effect({ type: 'SALE_RECORDED', dealerId, vehicle, ...(driverId ? { driverId } : {}) });
}

/** The customer goes back to the OEM for nurture, with a cool-down before the next hand-off. */
export function fallBackToOem(t: Builder, policy: JourneyPolicy, reason: string, actor: string): Builder {
  return t
    .moveTo('QUALIFYING')
    .owner({ kind: 'OEM', dealerId: null }, reason, actor)
    .set({ sales: null, handoffBlockedUntil: plus(t.event.at, policy.handoffCoolDownMs) });
}

/** A lost sale or a no-show: back to the OEM with the cool-down; the same outcome sent twice changes nothing. */
function fellThrough({ t, state, event, policy, requireStage, requireDealer }: RuleContext<'LOST'> | RuleContext<'NO_SHOW'>, reason: string): Transition {
  // The same outcome delivered twice: the customer already fell back from this dealer.
  if (state.stage !== 'IN_SALES' && state.owner === 'OEM' && state.lastSalesDealerId === event.dealerId) return t.unchanged();
  requireStage('IN_SALES');
  requireDealer(event.dealerId);
  return fallBackToOem(t, policy, reason, event.dealerId).done();
}
