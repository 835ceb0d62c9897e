import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { JourneyActivities } from '../activities/index.js';
import { journeyIdFor, type JourneyState } from '../domain/journey.js';
import type { LeadCaptured } from '../domain/lead.js';
import { applyJourneyEvent, startJourney, type JourneyEvent, type Transition } from '../domain/transitions.js';
import { journeyStateQuery, leadCapturedSignal, type JourneyInput } from './definitions.js';
import { CustomerOwnerKey, DealerIdKey, JourneyStageKey, LeadSourceKey } from './search-attributes.js';

const { recordJourney } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '30 seconds',
  // A database outage delays the read-model, it never fails the journey.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Continue-as-new well before Temporal's own limits; journeys live for years. */
const MAX_HISTORY_EVENTS = 2_000;

/** One customer's journey: the single referee of who owns them and what happens next. */
export async function journey(input: JourneyInput): Promise<void> {
  const journeyId = journeyIdFor(input.customerId);
  const inbox: LeadCaptured[] = [...(input.carried?.pendingLeads ?? [])];
  let state: JourneyState | undefined = input.carried?.state;

  setHandler(leadCapturedSignal, (lead) => {
    inbox.push(lead);
  });
  setHandler(journeyStateQuery, () => {
    if (!state) throw new Error('journey has not received its first lead yet');
    return state;
  });

  const now = () => new Date(Date.now()).toISOString(); // workflow time, deterministic

  async function apply(transition: Transition): Promise<void> {
    const previous = state;
    state = transition.state;
    if (transition.effects.length === 0) return;
    if (!previous || previous.stage !== state.stage || previous.owner !== state.owner || previous.dealerId !== state.dealerId || previous.lastLeadSource !== state.lastLeadSource) {
      upsertSearchAttributes(searchAttributesOf(state));
    }
    if (transition.effects.some((e) => e.type === 'READ_MODEL_CHANGED')) {
      await recordJourney(state);
    }
  }

  async function handle(event: JourneyEvent): Promise<void> {
    if (!state) throw new Error('no journey state');
    await apply(applyJourneyEvent(state, event));
  }

  for (;;) {
    await condition(() => inbox.length > 0 || historyIsLarge());
    while (inbox.length > 0) {
      const lead = inbox.shift()!;
      if (!state) {
        await apply(startJourney(journeyId, input.customerId, lead, now()));
        await handle({ type: 'QUALIFICATION_STARTED', at: now() });
      } else {
        await handle({ type: 'LEAD_CAPTURED', lead, at: now() });
      }
    }
    if (historyIsLarge() && state) {
      // Let running handlers finish so nothing they accepted is lost, then carry everything over.
      await condition(allHandlersFinished);
      await continueAsNew<typeof journey>({ customerId: input.customerId, carried: { state, pendingLeads: inbox } });
    }
  }
}

function historyIsLarge(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS;
}

function searchAttributesOf(state: JourneyState): SearchAttributeUpdatePair[] {
  return [
    { key: JourneyStageKey, value: state.stage },
    { key: CustomerOwnerKey, value: state.owner },
    { key: DealerIdKey, value: state.dealerId }, // null removes it
    { key: LeadSourceKey, value: state.lastLeadSource },
  ];
}
