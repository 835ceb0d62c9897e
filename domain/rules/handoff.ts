// The hand-off: an offer to a dealer with its acceptance SLA, the next dealer after a decline or a lapse, the OEM's escalation, and reassignment.
import { addOpenTime } from '../business-hours.js';
import { NO_OFFER_YET, type RuleBook, plus } from './builder.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const HANDOFF_RULES = {
  HANDOFF_OFFERED: ({ t, state, event, policy, refuse, requireStage }) => {
    requireStage('HANDED_OFF');
    const handoff = state.handoff ?? NO_OFFER_YET;
    if (handoff.dealerId) refuse(`already offered to dealer ${handoff.dealerId}`);
    if (handoff.tried.includes(event.dealerId)) refuse(`dealer ${event.dealerId} was already offered this hand-off`);
    const sla = event.acceptanceSlaMs ?? policy.handoffAcceptanceSlaMs;
    const expiresAt = event.businessHours ? addOpenTime(event.at, sla, event.businessHours) : plus(event.at, sla);
    return t
      .set({ handoff: { dealerId: event.dealerId, offeredAt: event.at, expiresAt, tried: [...handoff.tried, event.dealerId] } })
      .effect({ type: 'HANDOFF_RECORDED', kind: 'OFFERED', dealerId: event.dealerId })
      .done();
  },
  NO_DEALER_AVAILABLE: ({ t, state, event, refuse, requireStage }) => {
    requireStage('HANDED_OFF');
    if (state.handoff?.dealerId) refuse(`the offer to dealer ${state.handoff.dealerId} is still open`);
    const reason = state.handoff?.tried.length
      ? `no dealer accepted (offered to ${state.handoff.tried.join(', ')})`
      : 'no dealer covers the customer or has capacity';
    return t
      .moveTo('ESCALATED')
      .set({ handoff: null, escalation: { reason, at: event.at } })
      .effect({ type: 'ESCALATED', reason })
      .done();
  },
  HANDOFF_ACCEPTED: ({ t, state, event, policy, refuse, requireStage }) => {
    if (state.stage === 'IN_SALES' && state.dealerId === event.dealerId) return t.unchanged();
    requireStage('HANDED_OFF');
    if (state.handoff?.dealerId !== event.dealerId) refuse(`the hand-off is not offered to dealer ${event.dealerId}`);
    return t
      .moveTo('IN_SALES')
      .owner({ kind: 'DEALER_SALES', dealerId: event.dealerId }, 'HANDOFF_ACCEPTED', event.dealerId)
      .set({
        handoff: null,
        escalation: null,
        sales: { dealerId: event.dealerId, startedAt: event.at, endsAt: plus(event.at, policy.salesWindowMs), chasedAt: null },
      })
      .effect({ type: 'HANDOFF_RECORDED', kind: 'ACCEPTED', dealerId: event.dealerId })
      .done();
  },
  HANDOFF_DECLINED: ({ t, state, event, refuse, requireStage }) => {
    requireStage('HANDED_OFF');
    if (state.handoff?.dealerId !== event.dealerId) {
      // The same decline delivered twice: that dealer was already moved past.
      if (state.handoff?.tried.includes(event.dealerId)) return t.unchanged();
      refuse(`the hand-off is not offered to dealer ${event.dealerId}`);
    }
    return t
      .set({ handoff: { ...NO_OFFER_YET, tried: state.handoff!.tried } })
      .effect({ type: 'HANDOFF_RECORDED', kind: 'DECLINED', dealerId: event.dealerId, reason: event.reason })
      .effect({ type: 'ROUTE_HANDOFF' })
      .done();
  },
  HANDOFF_TIMED_OUT: ({ t, state, refuse, requireStage }) => {
    requireStage('HANDED_OFF');
    const dealerId = state.handoff?.dealerId;
    if (!dealerId) refuse('no offer is open');
    return t
      .set({ handoff: { ...NO_OFFER_YET, tried: state.handoff!.tried } })
      .effect({ type: 'HANDOFF_RECORDED', kind: 'TIMED_OUT', dealerId: dealerId! })
      .effect({ type: 'ROUTE_HANDOFF' })
      .done();
  },
  HANDOFF_COOL_DOWN_ENDED: ({ t, state, refuse }) => {
    if (!state.handoffBlockedUntil) refuse('no cool-down is running');
    t.set({ handoffBlockedUntil: null });
    if (state.stage === 'QUALIFYING') t.effect({ type: 'SCORE_LEADS' });
    return t.done();
  },
  REASSIGNED: ({ t, state, event, policy }) => {
    // To whoever has the customer already (a repeat): nothing changes, the sales window keeps running.
    if (event.to === 'OEM' ? state.owner === 'OEM' && state.stage === 'QUALIFYING' : state.dealerId === event.to.dealerId && (state.stage === 'IN_SALES' || state.stage === 'DEALER_OWNED')) {
      return t.unchanged();
    }
    if (event.to === 'OEM') {
      return t
        .moveTo('QUALIFYING')
        .owner({ kind: 'OEM', dealerId: null }, `REASSIGNED: ${event.reason}`, event.actor)
        .set({ handoff: null, sales: null, escalation: null })
        .done();
    }
    const dealerId = event.to.dealerId;
    if (state.stage === 'DEALER_OWNED') {
      return t.owner({ kind: 'DEALER', dealerId }, `REASSIGNED: ${event.reason}`, event.actor).set({ preferredDealerId: dealerId }).done();
    }
    return t
      .moveTo('IN_SALES')
      .owner({ kind: 'DEALER_SALES', dealerId }, `REASSIGNED: ${event.reason}`, event.actor)
      .set({ handoff: null, escalation: null, sales: { dealerId, startedAt: event.at, endsAt: plus(event.at, policy.salesWindowMs), chasedAt: null } })
      .done();
  },
} satisfies Partial<RuleBook>;
