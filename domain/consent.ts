/**
 * Consent as a lead brings it: for which channel and purpose, granted or not, the wording the
 * person saw, and how it was captured. Types only so far; the proof is kept in the consent
 * records (the journey will learn only the resulting state).
 */
export const CONSENT_CHANNELS = ['EMAIL', 'SMS', 'PHONE', 'POST', 'IN_VEHICLE'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];
/** MARKETING: advertising; SALES_CONTACT: being contacted about one's own inquiry. */
export const CONSENT_PURPOSES = ['MARKETING', 'SALES_CONTACT'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
/** How the consent was captured. */
export const CONSENT_METHODS = ['WEB_FORM', 'FAIR_SIGN_UP', 'LEAD_PROVIDER', 'PHONE', 'IN_PERSON'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

export interface ConsentGiven {
  channel: ConsentChannel;
  purpose: ConsentPurpose;
  granted: boolean;
  /** The id of the wording (consent text, version) the person was shown. */
  wordingId: string;
  method: ConsentMethod;
  /** When the person gave it; the lead's time when not said. */
  capturedAt?: string;
}
