/**
 * Outbound messages as the journey knows them: purposes, channels, requests, decisions,
 * and the little state it keeps to arbitrate. Types and constants only; the rules that
 * decide are in communications.ts.
 */
export const PURPOSES = ['PROMOTION', 'SALES_FOLLOW_UP', 'SERVICE_REMINDER', 'SURVEY', 'TRANSACTIONAL', 'LEGAL'] as const;
export type Purpose = (typeof PURPOSES)[number];
export const CHANNELS = ['EMAIL', 'SMS', 'PHONE', 'IN_VEHICLE'] as const;
export type Channel = (typeof CHANNELS)[number];

/** MARKETING: advertising; SALES_CONTACT: being contacted about one's own inquiry. */
export const CONSENT_PURPOSES = ['MARKETING', 'SALES_CONTACT'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
/** The consent a suppressed message lacked: for this channel, for this purpose. */
export interface MissingConsent {
  channel: Channel;
  purpose: ConsentPurpose;
}

export type Sender = { kind: 'OEM' } | { kind: 'DEALER'; dealerId: string };

/** What the journey sees of a request: no template variables, no addresses (no personal data in history). */
export interface CommunicationRequest {
  communicationId: string;
  sender: Sender;
  purpose: Purpose;
  channel: Channel;
  templateId: string;
  /** ISO-8601; not before this. */
  notBefore?: string | null;
  /** A company's journey: the person of the company it is for (a contact's customer id; absent: the decision-maker). */
  recipientId?: string;
}

export const SUPPRESSION_REASONS = [
  'ERASED', 'NO_CONTACT_DETAILS', 'OPTED_OUT', 'NO_CONSENT', 'NOT_OWNER', 'IN_DEALER_SALES', 'POST_PURCHASE_COOL_DOWN',
  /** The market's ownership model gives this sender no voice for this purpose (domain/markets.ts). */
  'MARKET_MODEL',
  /** A company's journey: the recipient is not one of its people, or their role does not receive this purpose (domain/fleets.ts). */
  'CONTACT_ROLE',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];
export const DEFERRAL_REASONS = ['NOT_BEFORE', 'FREQUENCY_CAP', 'QUIET_HOURS'] as const;
export type DeferralReason = (typeof DEFERRAL_REASONS)[number];

export type CommunicationDecision =
  /** `onBehalfOf`: OEM content sent in the name of the dealer who owns the customer. */
  | { decision: 'ALLOWED'; onBehalfOf?: string }
  | { decision: 'DEFERRED'; reason: DeferralReason; until: string }
  /** `missingConsent` with NO_CONSENT under the legal regime (journeys that know the customer's consents). */
  | { decision: 'SUPPRESSED'; reason: SuppressionReason; missingConsent?: MissingConsent };

/** What the journey keeps to arbitrate: messages sent within the cap window, and those waiting. */
export interface CommunicationsState {
  /** `recipientId`: in a company's journey, the person it went to (the cap counts per person). */
  sent: { communicationId: string; at: string; purpose: Purpose; capped: boolean; recipientId?: string }[];
  deferred: { request: CommunicationRequest; until: string }[];
  /** Recent decisions by id, so a repeated request gets the same answer. */
  decisions: Record<string, CommunicationDecision>;
  /** Channels the customer withdrew consent for. */
  withdrawn: Channel[];
}

/** Attempts to hand a message to its transport before it is recorded as failed. */
export const SEND_ATTEMPTS = 8;

export const EMPTY_COMMUNICATIONS: CommunicationsState = { sent: [], deferred: [], decisions: {}, withdrawn: [] };

/** Purposes that count towards and are held by the frequency cap. */
export const CAPPED: readonly Purpose[] = ['PROMOTION', 'SALES_FOLLOW_UP', 'SURVEY'];
