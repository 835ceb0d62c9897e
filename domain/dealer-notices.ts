/**
 * What a dealer is told when the journey changes something that concerns it: an offer
 * made or withdrawn, the customer assigned, an outcome asked for, ownership ended. Pure:
 * derived from one transition (the state before, the event, the state after and its
 * effects); delivering them is the delivery module's job.
 */
import type { JourneyState } from './journey.js';
import type { ServiceAppointmentReason } from './journey.js';
import type { JourneyEvent, Transition } from './transitions.js';

/** `customers.imported`: a dealer's one summary of an onboarding import (about the import, not one journey). */
export const DEALER_NOTICE_KINDS = ['handoff.offered', 'handoff.withdrawn', 'customer.assigned', 'outcome.requested', 'ownership.ended', 'service.requested', 'customers.imported'] as const;
export type DealerNoticeKind = (typeof DEALER_NOTICE_KINDS)[number];

/** How a notice reaches a dealer: its webhook, or ADF e-mail into its CRM (each its own delivery). */
export const DELIVERY_CHANNELS = ['WEBHOOK', 'ADF_EMAIL'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** Why an offer was taken back from a dealer before it answered. */
export const WITHDRAWAL_REASONS = ['SLA_EXPIRED', 'REASSIGNED', 'OPTED_OUT', 'ERASED', 'SALE_REPORTED'] as const;
/** Why a dealer's ownership (sales or after-sales) ended: a category, never who has the customer now. */
/** SALE_REPORTED: the dealers' sales data shows the customer bought (DMS match-back). */
export const OWNERSHIP_END_REASONS = ['LOST', 'NO_SHOW', 'SALES_WINDOW_EXPIRED', 'REASSIGNED', 'BACK_IN_MARKET', 'ERASED', 'SALE_REPORTED'] as const;
export type NoticeReason = (typeof WITHDRAWAL_REASONS)[number] | (typeof OWNERSHIP_END_REASONS)[number] | ServiceAppointmentReason;

/** No personal data: the delivery reads what the dealer may see when it sends. */
export interface DealerNotice {
  kind: DealerNoticeKind;
  dealerId: string;
  reason?: NoticeReason;
  /** For handoff.offered: when the offer lapses. */
  offerExpiresAt?: string;
  /** For service.requested: the day the customer prefers (YYYY-MM-DD). */
  preferredDate?: string;
}

const WITHDRAWN_BY: Partial<Record<JourneyEvent['type'], NoticeReason>> = {
  HANDOFF_TIMED_OUT: 'SLA_EXPIRED', REASSIGNED: 'REASSIGNED', OPTED_OUT: 'OPTED_OUT', ERASURE_REQUESTED: 'ERASED', SALE_MATCHED: 'SALE_REPORTED',
};
const OWNERSHIP_ENDED_BY: Partial<Record<JourneyEvent['type'], NoticeReason>> = {
  LOST: 'LOST', NO_SHOW: 'NO_SHOW', SALES_WINDOW_ENDED: 'SALES_WINDOW_EXPIRED', REASSIGNED: 'REASSIGNED',
  OWNERSHIP_CYCLE_ENDED: 'BACK_IN_MARKET', ERASURE_REQUESTED: 'ERASED', SALE_MATCHED: 'SALE_REPORTED',
};

export function dealerNoticesOf(before: JourneyState | undefined, event: Pick<JourneyEvent, 'type'> | JourneyEvent, transition: Transition): DealerNotice[] {
  // An import's customers reach their dealer in one summary per import, not a notice each.
  if (event.type === 'CUSTOMER_IMPORTED') return [];
  const after = transition.state;
  const notices: DealerNotice[] = [];
  const openOffer = before?.stage === 'HANDED_OFF' ? before.handoff?.dealerId ?? null : null;
  const answered = new Set(
    transition.effects.flatMap((e) => (e.type === 'HANDOFF_RECORDED' && (e.kind === 'ACCEPTED' || e.kind === 'DECLINED') ? [e.dealerId] : [])),
  );
  // An offer that ends without the dealer's own answer is withdrawn: it must stop calling.
  if (openOffer && after.handoff?.dealerId !== openOffer && !answered.has(openOffer)) {
    notices.push({ kind: 'handoff.withdrawn', dealerId: openOffer, reason: WITHDRAWN_BY[event.type] ?? 'REASSIGNED' });
  }
  for (const effect of transition.effects) {
    if (effect.type === 'HANDOFF_RECORDED' && effect.kind === 'OFFERED') {
      notices.push({ kind: 'handoff.offered', dealerId: effect.dealerId, ...(after.handoff?.expiresAt ? { offerExpiresAt: after.handoff.expiresAt } : {}) });
    } else if (effect.type === 'DEALER_TASK' && effect.task === 'OUTCOME_CHASE') {
      notices.push({ kind: 'outcome.requested', dealerId: effect.dealerId });
    } else if (effect.type === 'DEALER_TASK' && effect.task === 'SERVICE_APPOINTMENT' && 'preferredDate' in event) {
      notices.push({ kind: 'service.requested', dealerId: effect.dealerId, reason: event.reason, preferredDate: event.preferredDate });
    } else if (effect.type === 'OWNER_CHANGED') {
      const { from, to } = effect;
      if (to.dealerId && to.dealerId !== from?.dealerId) notices.push({ kind: 'customer.assigned', dealerId: to.dealerId });
      if (from?.dealerId && from.dealerId !== to.dealerId) {
        notices.push({ kind: 'ownership.ended', dealerId: from.dealerId, reason: OWNERSHIP_ENDED_BY[event.type] ?? 'REASSIGNED' });
      }
    }
  }
  return notices;
}
