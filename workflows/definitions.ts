// The journey's public surface, shared by the workflow, the worker and the API.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { JourneyState } from '../domain/journey.js';
import type { LeadCaptured } from '../domain/lead.js';

export const JOURNEY_TASK_QUEUE = 'journeys';

/** A lead for this customer arrived (fire-and-forget; duplicates are ignored by lead id). */
export const leadCapturedSignal = defineSignal<[LeadCaptured]>('leadCaptured');

/** The journey's live state: stage, owner, dealer, leads. */
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');

export interface JourneyInput {
  customerId: string;
  /** Set when the journey continues as new: everything it knew so far. */
  carried?: {
    state: JourneyState;
    /** Leads that arrived but were not processed yet when the run ended. */
    pendingLeads: LeadCaptured[];
  };
}
