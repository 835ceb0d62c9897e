/**
 * What ops read of a journey in the Temporal UI without opening its history: a one-line
 * summary fixed at start and the current details (stage, owner, dealer, next deadline and
 * why). Pure, and free of personal data on purpose: ids, stages and times only — the UI and
 * the server keep these like history.
 */
import type { JourneyState } from './journey.js';
import type { LeadSource } from './lead.js';
import type { Deadline } from './transitions.js';

/** Why the journey will wake up next, in words ops use. */
const DEADLINE_REASONS: Partial<Record<Deadline['event'], string>> = {
  HANDOFF_TIMED_OUT: "the dealer's acceptance SLA ends",
  SALES_WINDOW_ENDED: 'the sales window ends',
  HANDOFF_COOL_DOWN_ENDED: 'the hand-off cool-down ends',
  SURVEY_DUE: 'the satisfaction survey is due',
  SERVICE_REMINDER_DUE: 'the service reminder is due',
  OWNERSHIP_CYCLE_ENDED: 'the ownership cycle ends (back in market)',
  COMPLAINT_BACKSTOP_DUE: 'the complaint backstop: the OEM steps in',
  DEFERRED_MESSAGE_DUE: 'a deferred message may go out',
};

/** Set once when the journey starts (the Temporal UI's summary column). */
export function journeyStaticSummary(customerId: string, firstSource: LeadSource): string {
  return `Journey of customer ${customerId}, first lead from ${firstSource}`;
}

/** The details page's "current details": Markdown the UI renders, recomputed after every change. */
export function journeyCurrentDetails(state: JourneyState, deadline: Deadline | null): string {
  const offer = state.stage === 'HANDED_OFF'
    ? state.handoff?.dealerId
      ? `offered to **${state.handoff.dealerId}**${state.handoff.expiresAt ? ` until ${state.handoff.expiresAt}` : ''}`
      : 'choosing a dealer'
    : null;
  const lines = [
    `**Stage** ${state.stage} · **Owner** ${state.owner} · **Dealer** ${state.dealerId ?? '—'}`,
    ...(offer ? [`**Hand-off** ${offer}${state.handoff?.tried.length ? ` (tried: ${state.handoff.tried.join(', ')})` : ''}`] : []),
    `**Next** ${deadline ? `${deadline.at}: ${DEADLINE_REASONS[deadline.event] ?? deadline.event} (${deadline.event})` : 'nothing scheduled; waiting for news'}`,
    `**Leads** ${state.leadCount}, last from ${state.lastLeadSource} · **Revision** ${state.revision}`,
  ];
  return lines.join('\n');
}
