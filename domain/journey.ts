import type { CommunicationsState } from './messages.js';
import type { ConsentState } from './consent.js';
import type { LeadCaptured, LeadSource } from './lead.js';
import type { FleetAccount, FleetVehicle } from './fleets.js';
import type { MarketModel } from './markets.js';

/**
 * Stages of a customer's journey, in the order a typical customer meets them.
 * CAPTURED → QUALIFYING → HANDED_OFF → IN_SALES → DEALER_OWNED, with
 * DISQUALIFIED and ESCALATED (OEM) on the side and ERASED at the very end.
 */
export const JOURNEY_STAGES = ['CAPTURED', 'QUALIFYING', 'DISQUALIFIED', 'HANDED_OFF', 'ESCALATED', 'IN_SALES', 'DEALER_OWNED', 'ERASED'] as const;
export type JourneyStage = (typeof JOURNEY_STAGES)[number];

/** Who owns the customer right now: the OEM, a dealer's sales team, or their dealer. */
export const OWNER_KINDS = ['OEM', 'DEALER_SALES', 'DEALER'] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

/** Lead summaries the journey keeps; older ones are only counted, to bound state size. */
export const MAX_REMEMBERED_LEADS = 100;

export interface Vehicle {
  vin: string;
  model: string;
  /** Date of sale, YYYY-MM-DD. */
  soldOn: string;
  price?: number;
}

/** What the journey knows of the customer's contact data: presence only, never the data. */
export interface ContactCompleteness {
  hasEmail: boolean;
  hasPhone: boolean;
  hasPostalCode: boolean;
}

/** Interest the OEM observes between leads (from its marketing systems). */
export const ENGAGEMENT_KINDS = ['EMAIL_CLICK', 'CONFIGURATOR', 'BROCHURE_DOWNLOAD', 'TEST_DRIVE_REQUEST'] as const;
export type EngagementKind = (typeof ENGAGEMENT_KINDS)[number];

/** Why personal data is erased: the grounds of GDPR Art. 17(1), a code rather than words (no personal data in history). */
/** What a customer asks their dealer's workshop for. */
export const SERVICE_APPOINTMENT_REASONS = ['SERVICE', 'INSPECTION', 'REPAIR', 'TYRES'] as const;
export type ServiceAppointmentReason = (typeof SERVICE_APPOINTMENT_REASONS)[number];
/** How long the dealer has to call the customer back about an appointment they asked for. */
export const SERVICE_APPOINTMENT_SLA_MS = 24 * 3_600_000;

export const ERASURE_GROUNDS = ['CUSTOMER_REQUEST', 'CONSENT_WITHDRAWN', 'NO_LONGER_NEEDED', 'UNLAWFUL_PROCESSING', 'LEGAL_OBLIGATION'] as const;
export type ErasureGround = (typeof ERASURE_GROUNDS)[number];

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
  score: number | null;
  /** The dealer the customer chose, or their own dealer when back in market. */
  preferredDealerId: string | null;
  /** The open offer to a dealer, and every dealer offered this hand-off so far. */
  handoff: { dealerId: string | null; offeredAt: string | null; expiresAt: string | null; tried: string[] } | null;
  /** Sales window with the dealer's sales team; `chasedAt` once the dealer was asked for an outcome. */
  sales: { dealerId: string; startedAt: string; endsAt: string; chasedAt: string | null } | null;
  /** The dealer whose sales team last owned the customer (makes a repeated LOST a no-op). */
  lastSalesDealerId: string | null;
  vehicle: Vehicle | null;
  /** No new hand-off before this (cool-down after a fallback to the OEM). */
  handoffBlockedUntil: string | null;
  /** No OEM promotions before this (post-purchase cool-down). */
  promotionsBlockedUntil: string | null;
  survey: { kind: 'SALE' | 'SERVICE'; dueAt: string } | null;
  serviceReminderDueAt: string | null;
  serviceVisits: number;
  /** The latest service visits' ids (the dealer's own): a repeat is counted once. */
  serviceVisitIds: string[];
  /** Recall repairs recorded (`<recallId>:<vin>`), so a repeated one is taken once. */
  recallRepairs: string[];
  /** Service appointments the customer asked for (their request ids): a repeat asks nothing new. */
  appointmentRequests?: string[];
  /** The latest complaints' ids, open or resolved: a repeat opens nothing. */
  complaintIds: string[];
  complaint: { complaintId: string; openedAt: string; backstopAt: string; escalated: boolean } | null;
  ownershipCycleEndsAt: string | null;
  /** The customer asked for no more contact from us (a new inquiry from them re-opens the journey). */
  optedOut: boolean;
  /** The customer's consents under their country's law (the regime from the first lead's country). */
  consent: ConsentState;
  /** Engagements recorded while nurtured; they raise the score. */
  engagements: number;
  /** Contact arbitration: recent sends, messages waiting, decisions, withdrawn channels. */
  communications: CommunicationsState;
  /** Latest contact completeness after a change of contact details. */
  contact: ContactCompleteness | null;
  disqualifiedReason: string | null;
  escalation: { reason: string; at: string } | null;
  /** The customer's market and the ownership model the OEM set for it (null: the shared model). */
  market: MarketModel | null;
  /** The connected car's latest events (ids only, to ignore repeats) and odometer. */
  vehicleEventIds: string[];
  vehicleMileageKm: number | null;
  /** Set when the customer is a company (B2B): its fleet size and its people by role. */
  account: FleetAccount | null;
  /** A company's vehicles from its fleet sales, each with its driver; `vehicle` holds the first. */
  fleet: FleetVehicle[] | null;
  /** Set when the journey started from the OEM's onboarding file: which import, its source, when. */
  imported?: { importId: string; source: string; at: string };
}

/** The journey's workflow id: a business key, so a customer can never have two. */
export function journeyIdFor(customerId: string): string {
  return `${JOURNEY_ID_PREFIX}${customerId}`;
}

const JOURNEY_ID_PREFIX = 'journey-';
/** What a journey id looks like: `journey-<customer uuid>`. */
export const JOURNEY_ID_PATTERN = /^journey-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The customer a journey id belongs to (the inverse of journeyIdFor). */
export function customerIdOfJourney(journeyId: string): string {
  return journeyId.slice(JOURNEY_ID_PREFIX.length);
}

