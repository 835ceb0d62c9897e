import type { LeadCaptured, LeadSource } from './lead.js';

/** Stages of a customer's journey, in the order a typical customer meets them. */
export const JOURNEY_STAGES = ['CAPTURED', 'QUALIFYING'] as const;
export type JourneyStage = (typeof JOURNEY_STAGES)[number];

/** Who owns the customer right now: the OEM, a dealer's sales team, or their dealer. */
export const OWNER_KINDS = ['OEM', 'DEALER_SALES', 'DEALER'] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

/** Lead summaries the journey keeps; older ones are only counted, to bound state size. */
export const MAX_REMEMBERED_LEADS = 100;

export interface JourneyState {
  journeyId: string;
  customerId: string;
  stage: JourneyStage;
  owner: OwnerKind;
  dealerId: string | null;
  leads: LeadCaptured[];
  leadCount: number;
  lastLeadSource: LeadSource;
  /** Bumped on every change; the read-model ignores writes older than what it holds. */
  revision: number;
  startedAt: string;
  stageChangedAt: string;
  updatedAt: string;
}

/** The journey's workflow id: a business key, so a customer can never have two. */
export function journeyIdFor(customerId: string): string {
  return `journey-${customerId}`;
}
