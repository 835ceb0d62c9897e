import type { LeadCaptured } from './lead.js';
import { MAX_REMEMBERED_LEADS, type JourneyStage, type JourneyState } from './journey.js';

/** Things that happen to a journey. `at` is workflow time (ISO-8601). */
export type JourneyEvent =
  | { type: 'LEAD_CAPTURED'; lead: LeadCaptured; at: string }
  | { type: 'QUALIFICATION_STARTED'; at: string };

/** What the workflow must do after a transition. */
export type JourneyEffect =
  | { type: 'STAGE_CHANGED'; from: JourneyStage | null; to: JourneyStage }
  | { type: 'READ_MODEL_CHANGED' };

export interface Transition {
  state: JourneyState;
  effects: JourneyEffect[];
}

export class TransitionRefused extends Error {
  constructor(readonly stage: JourneyStage, readonly event: JourneyEvent['type'], reason: string) {
    super(`${event} is not allowed in stage ${stage}: ${reason}`);
  }
}

/** A journey comes into being with its first lead: stage CAPTURED, owned by the OEM. */
export function startJourney(journeyId: string, customerId: string, lead: LeadCaptured, at: string): Transition {
  const state: JourneyState = {
    journeyId,
    customerId,
    stage: 'CAPTURED',
    owner: 'OEM',
    dealerId: null,
    leads: [lead],
    leadCount: 1,
    lastLeadSource: lead.source,
    revision: 1,
    startedAt: at,
    stageChangedAt: at,
    updatedAt: at,
  };
  return { state, effects: [{ type: 'STAGE_CHANGED', from: null, to: 'CAPTURED' }, { type: 'READ_MODEL_CHANGED' }] };
}

/**
 * The journey's rules as a pure function: (state, event) → (state, effects).
 * The workflow interprets the effects; nothing here does I/O or reads a clock.
 */
export function applyJourneyEvent(state: JourneyState, event: JourneyEvent): Transition {
  switch (event.type) {
    case 'LEAD_CAPTURED': {
      // A redelivered lead (API retry, outbox relay) changes nothing.
      if (state.leads.some((l) => l.leadId === event.lead.leadId)) return { state, effects: [] };
      const leads = [...state.leads, event.lead].slice(-MAX_REMEMBERED_LEADS);
      return {
        state: {
          ...state,
          leads,
          leadCount: state.leadCount + 1,
          lastLeadSource: event.lead.source,
          revision: state.revision + 1,
          updatedAt: event.at,
        },
        effects: [{ type: 'READ_MODEL_CHANGED' }],
      };
    }
    case 'QUALIFICATION_STARTED': {
      if (state.stage !== 'CAPTURED') {
        throw new TransitionRefused(state.stage, event.type, 'qualification starts only from CAPTURED');
      }
      return {
        state: { ...moveTo(state, 'QUALIFYING', event.at), owner: 'OEM' },
        effects: [{ type: 'STAGE_CHANGED', from: state.stage, to: 'QUALIFYING' }, { type: 'READ_MODEL_CHANGED' }],
      };
    }
  }
}

function moveTo(state: JourneyState, stage: JourneyStage, at: string): JourneyState {
  return { ...state, stage, stageChangedAt: at, updatedAt: at, revision: state.revision + 1 };
}
