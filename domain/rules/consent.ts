// Consent and privacy: withdrawals, confirmations of the request a link was made for, opt-out, erasure.
import { type ConsentState, confirmed, consentKey, withdrawn as consentWithdrawn } from '../consent.js';
import { CHANNELS, type Channel } from '../messages.js';
import { type RuleBook, SYSTEM } from './builder.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const CONSENT_RULES = {
  CONSENT_CHANGED: ({ t, state, event, refuse }) => {
    if (event.purpose) {
      // One consent: granted ones come with their proof through a lead, so this is a withdrawal.
      if (event.granted) refuse('a consent is given with its proof (a lead, a web form), not by a signal');
      // Journeys from before the consent rules followed opt-out rules: they keep them, with this refusal.
      let consent: ConsentState = state.consent ?? { regime: 'OPT_OUT', granted: [], refused: [], awaitingConfirmation: [] };
      const channels: readonly Channel[] = event.channel === 'ALL' ? CHANNELS : [event.channel];
      for (const ch of channels) consent = consentWithdrawn(consent, consentKey(ch, event.purpose));
      if (state.consent && sameConsent(consent, state.consent)) return t.unchanged();
      return t.set({ consent }).done();
    }
    const c = state.communications;
    const channels: readonly Channel[] = event.channel === 'ALL' ? CHANNELS : [event.channel];
    const withdrawn = event.granted ? c.withdrawn.filter((ch) => !channels.includes(ch)) : [...new Set([...c.withdrawn, ...channels])];
    if (withdrawn.length === c.withdrawn.length && withdrawn.every((ch) => c.withdrawn.includes(ch))) return t.unchanged();
    return t.set({ communications: { ...c, withdrawn } }).done();
  },
  CONSENT_CONFIRMED: ({ t, state, event, refuse }) => {
    const key = consentKey(event.channel, event.purpose);
    if (state.consent?.granted.includes(key)) return t.unchanged(); // a second click
    const consent = state.consent ? confirmed(state.consent, key, event.requestedAt, event.at) : null;
    if (!consent) refuse(`no confirmation of ${key} is awaited for this link (withdrawn since, asked again, or expired)`);
    return t.set({ consent }).done();
  },
  OPTED_OUT: ({ t, state }) => {
    // The customer wants no more contact from us: an offer waiting on a dealer is taken back
    // (a new inquiry from them re-opens the journey).
    if (state.stage === 'HANDED_OFF' && state.handoff?.dealerId) {
      return t.moveTo('DISQUALIFIED').set({ optedOut: true, handoff: null, disqualifiedReason: 'OPTED_OUT' }).done();
    }
    if (state.optedOut) return t.unchanged();
    return t.set({ optedOut: true }).done();
  },
  ERASURE_REQUESTED: ({ t, state, event }) => {
    for (const d of state.communications.deferred) {
      t.effect({ type: 'COMMUNICATION_DECIDED', communicationId: d.request.communicationId, decision: { decision: 'SUPPRESSED', reason: 'ERASED' } });
    }
    const reason = event.ground ? `ERASURE: ${event.ground}${event.reference ? ` (${event.reference})` : ''}` : 'ERASURE';
    const actor = event.actor ?? SYSTEM;
    // The privacy desk's erasure is on the ledger with its ground even when the OEM owned the customer already.
    if (event.ground && state.owner === 'OEM') t.effect({ type: 'OWNER_CHANGED', from: { kind: 'OEM', dealerId: null }, to: { kind: 'OEM', dealerId: null }, reason, actor });
    return t
      .moveTo('ERASED')
      .owner({ kind: 'OEM', dealerId: null }, reason, actor)
      .set({
        leads: state.leads.map(({ leadId, source, receivedAt }) => ({ leadId, source, receivedAt, hasEmail: false, hasPhone: false, hasPostalCode: false })),
        handoff: null, sales: null, vehicle: null, survey: null, serviceReminderDueAt: null, complaint: null,
        ownershipCycleEndsAt: null, handoffBlockedUntil: null, optedOut: true, contact: null,
        ...(state.account ? { account: { fleetSize: null, contacts: [] }, fleet: null } : {}),
      })
      .effect({ type: 'ERASE_PERSONAL_DATA' })
      .done();
  },
} satisfies Partial<RuleBook>;
/** Two consent states that say the same. */
export function sameConsent(a: ConsentState, b: ConsentState): boolean {
  return a.regime === b.regime && a.granted.join() === b.granted.join() && a.refused.join() === b.refused.join() && a.awaitingConfirmation.length === b.awaitingConfirmation.length;
}
