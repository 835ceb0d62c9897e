// Contact arbitration as the journey applies it: each message decided, deferred ones decided again when due (the rules are in ../communications.ts).
import { arbitrate } from '../communications.js';
import type { Transition } from '../journey-events.js';
import type { CommunicationRequest, CommunicationsState } from '../messages.js';
import type { JourneyPolicy } from '../policy.js';
import type { Builder, RuleBook } from './builder.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const COMMUNICATIONS_RULES = {
  COMMUNICATION_REQUESTED: ({ t, state, event, policy }) => {
    const c = state.communications;
    const id = event.request.communicationId;
    if (c.decisions[id] || c.deferred.some((d) => d.request.communicationId === id)) return t.unchanged(); // a repeat
    return arbitrateInto(t, c, [event.request], event.at, policy);
  },
  DEFERRED_MESSAGE_DUE: ({ t, state, event, policy }) => {
    const c = state.communications;
    const due = c.deferred.filter((d) => d.until <= event.at);
    if (due.length === 0) return t.unchanged();
    // Decided again now: the situation may have changed while the message waited.
    const waiting = { ...c, deferred: c.deferred.filter((d) => d.until > event.at) };
    return arbitrateInto(t, waiting, due.map((d) => ({ ...d.request, notBefore: null })), event.at, policy);
  },
} satisfies Partial<RuleBook>;
/** Contact arbitration (communications.ts) on the state as changed so far; its effects become the transition's. */
export function arbitrateInto(t: Builder, start: CommunicationsState, requests: CommunicationRequest[], at: string, policy: JourneyPolicy): Transition {
  const { communications, effects } = arbitrate(t.current, start, requests, at, policy);
  for (const effect of effects) t.effect(effect);
  return t.set({ communications }).done();
}
