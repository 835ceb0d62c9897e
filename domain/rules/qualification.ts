// Capture and qualification: leads arrive, the OEM scores and nurtures them, disqualifies the ones that are not.
import { withStatements } from '../consent.js';
import { withContact } from '../fleets.js';
import { MAX_REMEMBERED_LEADS } from '../journey.js';
import { modelOf } from '../markets.js';
import { NO_OFFER_YET, type RuleBook } from './builder.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const QUALIFICATION_RULES = {
  LEAD_CAPTURED: ({ t, state, event, policy }) => {
    // A redelivered lead (API retry, outbox relay) changes nothing.
    if (state.leads.some((l) => l.leadId === event.lead.leadId)) return t.unchanged();
    t.set({
      leads: [...state.leads, event.lead].slice(-MAX_REMEMBERED_LEADS),
      leadCount: state.leadCount + 1,
      lastLeadSource: event.lead.source,
      // The customer's latest choice of dealer wins; their own dealer stays otherwise.
      ...(event.lead.preferredDealerId ? { preferredDealerId: event.lead.preferredDealerId } : {}),
    });
    if (event.lead.consentRegime) {
      const { consent, confirmationDue } = withStatements(state.consent, event.lead.consentRegime, event.lead.consents ?? [], event.at, policy.consentConfirmationWindowMs);
      t.set({ consent });
      for (const due of confirmationDue) t.effect({ type: 'CONSENT_CONFIRMATION_DUE', ...due });
    }
    // The customer's market as the lead names it (they moved), unless the journey knows a newer model there.
    const named = event.lead.market;
    if (named && (!state.market || state.market.market !== named.market || named.version > state.market.version)) t.set({ market: named });
    // A company's lead: its sender joins the company's people in their role; the fleet size is the latest said.
    const fromCompany = event.lead.account;
    if (fromCompany && state.account) {
      t.set({ account: { ...withContact(state.account, fromCompany.contact), fleetSize: fromCompany.fleetSize ?? state.account.fleetSize } });
    }
    // New interest re-opens a disqualified or nurtured customer to scoring.
    if (state.stage === 'DISQUALIFIED') t.moveTo('QUALIFYING').set({ disqualifiedReason: null });
    if (state.stage === 'QUALIFYING' || state.stage === 'DISQUALIFIED') t.effect({ type: 'SCORE_LEADS' });
    return t.done();
  },
  QUALIFICATION_STARTED: ({ t, requireStage }) => {
    requireStage('CAPTURED');
    return t.moveTo('QUALIFYING').effect({ type: 'SCORE_LEADS' }).done();
  },
  LEAD_SCORED: ({ t, state, event, policy, requireStage }) => {
    requireStage('QUALIFYING', 'ESCALATED');
    t.set({ score: event.score });
    // In a partner-led market the OEM does not nurture (it may not write to the customer):
    // every lead goes to a dealer. The cool-down after a fallback still holds.
    const ready = event.score >= policy.qualifyThreshold || modelOf(state.market) === 'PARTNER_LED';
    const coolingDown = state.handoffBlockedUntil != null && event.at < state.handoffBlockedUntil;
    if (ready && !coolingDown && state.stage === 'QUALIFYING') {
      t.moveTo('HANDED_OFF').set({ handoff: NO_OFFER_YET }).effect({ type: 'ROUTE_HANDOFF' });
    }
    return t.done();
  },
  DISQUALIFIED: ({ t, event, requireStage }) => {
    requireStage('CAPTURED', 'QUALIFYING', 'ESCALATED');
    return t.moveTo('DISQUALIFIED').set({ disqualifiedReason: event.reason, handoff: null }).done();
  },
  CONTACT_CHANGED: ({ t, state, event }) => {
    const before = state.contact;
    const same = before && before.hasEmail === event.contact.hasEmail && before.hasPhone === event.contact.hasPhone && before.hasPostalCode === event.contact.hasPostalCode;
    if (same) return t.unchanged();
    t.set({ contact: event.contact });
    // Better contact data can make a nurtured lead ready for a dealer.
    if (state.stage === 'QUALIFYING') t.effect({ type: 'SCORE_LEADS' });
    return t.done();
  },
  ENGAGEMENT_RECORDED: ({ t, state }) => {
    t.set({ engagements: state.engagements + 1 });
    if (state.stage === 'QUALIFYING') t.effect({ type: 'SCORE_LEADS' });
    return t.done();
  },
} satisfies Partial<RuleBook>;
