// Consent and privacy: withdrawals, confirmations of the request a link was made for, opt-out, erasure.
import { type ConsentState, confirmed, consentKey, withdrawn as consentWithdrawn, withStatements } from '../consent.js';
import { CHANNELS, type Channel } from '../messages.js';
import type { RuleBook } from './builder.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const CONSENT_RULES = {
  // Consents are given with their proof (a lead, a web form, a confirmed link, a statement to care), never without.
  CONSENTS_STATED: ({ t, state, event, policy }) => {
    // As a lead's: a grant that needs the person's confirmation (e-mail marketing under opt-in) waits for the click.
    const { consent, confirmationDue } = withStatements(state.consent, event.regime, event.statements, event.at, policy.consentConfirmationWindowMs, event.verifiedChannel);
    if (sameConsent(consent, state.consent) && confirmationDue.length === 0) return t.unchanged();
    t.set({ consent });
    for (const due of confirmationDue) t.effect({ type: 'CONSENT_CONFIRMATION_DUE', ...due });
    return t.done();
  },
  CONSENT_WITHDRAWN: ({ t, state, event }) => {
    let consent: ConsentState = state.consent;
    for (const ch of channelsOf(event.channel)) consent = consentWithdrawn(consent, consentKey(ch, event.purpose));
    if (sameConsent(consent, state.consent)) return t.unchanged();
    return t.set({ consent }).done();
  },
  CHANNEL_PREFERENCE_CHANGED: ({ t, state, event }) => {
    const c = state.communications;
    const channels = channelsOf(event.channel);
    const withdrawn = event.contactable ? c.withdrawn.filter((ch) => !channels.includes(ch)) : [...new Set([...c.withdrawn, ...channels])];
    if (withdrawn.length === c.withdrawn.length && withdrawn.every((ch) => c.withdrawn.includes(ch))) return t.unchanged();
    return t.set({ communications: { ...c, withdrawn } }).done();
  },
  CONSENT_CONFIRMED: ({ t, state, event, refuse }) => {
    const key = consentKey(event.channel, event.purpose);
    if (state.consent.granted.includes(key)) return t.unchanged(); // a second click
    const consent = confirmed(state.consent, key, event.requestedAt, event.at);
    if (!consent) return refuse(`no confirmation of ${key} is awaited for this link (withdrawn since, asked again, or expired)`);
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
    const reason = `ERASURE: ${event.ground}${event.reference ? ` (${event.reference})` : ''}`;
    const actor = event.actor;
    // The privacy desk's erasure is on the ledger with its ground even when the OEM owned the customer already.
    if (state.owner === 'OEM') t.effect({ type: 'OWNER_CHANGED', from: { kind: 'OEM', dealerId: null }, to: { kind: 'OEM', dealerId: null }, reason, actor });
    return t
      .moveTo('ERASED')
      .owner({ kind: 'OEM', dealerId: null }, reason, actor)
      .set({
        leads: state.leads.map(({ leadId, source, receivedAt, consentRegime }) => ({ leadId, source, receivedAt, hasEmail: false, hasPhone: false, hasPostalCode: false, consentRegime, consents: [] })),
        handoff: null, sales: null, vehicle: null, survey: null, serviceReminderDueAt: null, complaint: null,
        ownershipCycleEndsAt: null, handoffBlockedUntil: null, optedOut: true, contact: null,
        ...(state.account ? { account: { fleetSize: null, contacts: [] }, fleet: null } : {}),
      })
      .effect({ type: 'ERASE_PERSONAL_DATA' })
      .done();
  },
} satisfies Partial<RuleBook>;
const channelsOf = (channel: Channel | 'ALL'): readonly Channel[] => (channel === 'ALL' ? CHANNELS : [channel]);

/** Two consent states that say the same. */
export function sameConsent(a: ConsentState, b: ConsentState): boolean {
  return a.regime === b.regime && a.granted.join() === b.granted.join() && a.refused.join() === b.refused.join() && a.awaitingConfirmation.length === b.awaitingConfirmation.length;
}
