/**
 * Consent: what a lead brings (channel × purpose, granted or not, the wording shown, how it
 * was captured), what the journey keeps of it (the resulting state, no proof and no personal
 * data: the proof is in the consent records), and the law of the customer's country that
 * turns that state into "may this message go out". Pure.
 */
import type { Channel, ConsentPurpose, MissingConsent, Purpose } from './messages.js';

export const CONSENT_CHANNELS = ['EMAIL', 'SMS', 'PHONE', 'POST', 'IN_VEHICLE'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];
/**
 * How the consent was captured. DOUBLE_OPT_IN: the click on the confirmation link. IMPORTED: from
 * the OEM's records, with the proof they name (source, wording, date) — onboarding only.
 * PREFERENCE_CENTER: on the customer's own page, opened by a link sent to their e-mail address.
 */
export const CONSENT_METHODS = ['WEB_FORM', 'FAIR_SIGN_UP', 'LEAD_PROVIDER', 'PHONE', 'IN_PERSON', 'DOUBLE_OPT_IN', 'UNSUBSCRIBE', 'IMPORTED', 'PREFERENCE_CENTER'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];
/** Methods a lead may claim (the last two are recorded by the platform itself). */
export const CAPTURE_METHODS = ['WEB_FORM', 'FAIR_SIGN_UP', 'LEAD_PROVIDER', 'PHONE', 'IN_PERSON'] as const satisfies readonly ConsentMethod[];

export interface ConsentGiven {
  channel: ConsentChannel;
  purpose: ConsentPurpose;
  granted: boolean;
  /** The id of the wording (consent text, version) the person was shown. */
  wordingId: string;
  /** A lead's claim is one of CAPTURE_METHODS (the API checks); IMPORTED comes from onboarding only. */
  method: (typeof CAPTURE_METHODS)[number] | 'IMPORTED';
  /** When the person gave it; the lead's time when not said. */
  capturedAt?: string;
  /** IMPORTED: where the proof is, as the OEM's file names it. */
  source?: string;
}

/**
 * OPT_IN: advertising only with a prior, provable opt-in (GDPR with the ePrivacy rules; in
 * Germany UWG §7), confirmed by a click for e-mail. OPT_OUT: advertising until the person
 * objects (e.g. the US under CAN-SPAM).
 */
export const LEGAL_REGIMES = ['OPT_IN', 'OPT_OUT'] as const;
export type LegalRegime = (typeof LEGAL_REGIMES)[number];

/** Countries (ISO 3166-1 alpha-2) whose marketing law is opt-out. Everyone else: opt-in, the safe side. */
const OPT_OUT_COUNTRIES: ReadonlySet<string> = new Set(['US']);

/** The legal regime for a customer in `country`. */
export function legalRegimeOf(country: string): LegalRegime {
  return OPT_OUT_COUNTRIES.has(country.toUpperCase()) ? 'OPT_OUT' : 'OPT_IN';
}

/** "EMAIL:MARKETING": one consent, as the journey keeps it. */
export type ConsentKey = `${ConsentChannel}:${ConsentPurpose}`;
export const consentKey = (channel: ConsentChannel, purpose: ConsentPurpose): ConsentKey => `${channel}:${purpose}`;

/** A consent statement as the journey hears of it with a lead: no wording, no proof. */
export interface ConsentStatement {
  channel: ConsentChannel;
  purpose: ConsentPurpose;
  granted: boolean;
}

/** What the journey knows of the customer's consents. */
export interface ConsentState {
  regime: LegalRegime;
  /** In force (for e-mail marketing under OPT_IN: confirmed). */
  granted: ConsentKey[];
  /** Refused or withdrawn: the person said no. */
  refused: ConsentKey[];
  /**
   * Given but waiting for the confirmation click, until the request expires. `requestedAt`
   * names the request: only a link made for this request confirms it (an older link does not).
   */
  awaitingConfirmation: { key: ConsentKey; until: string; requestedAt: string }[];
}

/**
 * A consent that needs the person's confirmation before it is in force: e-mail marketing by a
 * click on a link sent there (double opt-in); text and phone marketing by a link sent by text
 * message, so a number someone typed into a form counts only once its holder confirmed it.
 */
export function needsConfirmation(regime: LegalRegime, key: ConsentKey): boolean {
  return regime === 'OPT_IN' && (key === 'EMAIL:MARKETING' || key === 'SMS:MARKETING' || key === 'PHONE:MARKETING');
}

/** Where a confirmation request goes: e-mail for e-mail, a text message for text and phone. */
export const confirmationChannelOf = (key: ConsentKey): 'EMAIL' | 'SMS' => (key.startsWith('EMAIL:') ? 'EMAIL' : 'SMS');

/**
 * The consent state after a lead's statements: the latest word per consent wins; a grant
 * that needs confirmation waits (`confirmationDue` says which, to ask for it).
 */
export function withStatements(
  before: ConsentState | null | undefined,
  regime: LegalRegime,
  statements: readonly ConsentStatement[],
  at: string,
  confirmationWindowMs: number,
  /** The person proved just now that the address of this channel is theirs (their page, opened from a link sent there): its grants need no click. */
  verifiedChannel?: ConsentChannel,
): { consent: ConsentState; confirmationDue: { key: ConsentKey; until: string; requestedAt: string }[] } {
  // The latest lead's country decides the regime from now on.
  let c: ConsentState = before ? { ...before, regime } : { regime, granted: [], refused: [], awaitingConfirmation: [] };
  const confirmationDue: { key: ConsentKey; until: string; requestedAt: string }[] = [];
  for (const s of statements) {
    const key = consentKey(s.channel, s.purpose);
    if (!s.granted) {
      c = withdrawn(c, key);
      continue;
    }
    if (c.granted.includes(key)) continue;
    c = { ...c, refused: c.refused.filter((k) => k !== key) };
    if (needsConfirmation(regime, key) && s.channel !== verifiedChannel) {
      const until = new Date(Date.parse(at) + confirmationWindowMs).toISOString();
      c = { ...c, awaitingConfirmation: [...c.awaitingConfirmation.filter((a) => a.key !== key), { key, until, requestedAt: at }] };
      confirmationDue.push({ key, until, requestedAt: at });
    } else {
      c = { ...c, granted: [...c.granted, key] };
    }
  }
  return { consent: c, confirmationDue };
}

/** The person said no (unsubscribe, withdrawal, a refusal on a form). */
export function withdrawn(c: ConsentState, key: ConsentKey): ConsentState {
  return {
    ...c,
    granted: c.granted.filter((k) => k !== key),
    refused: c.refused.includes(key) ? c.refused : [...c.refused, key],
    awaitingConfirmation: c.awaitingConfirmation.filter((a) => a.key !== key),
  };
}

/**
 * The confirmation click: in force if this very request (`requestedAt`, from the link) is awaited
 * and has not expired; otherwise null (nothing changes).
 */
export function confirmed(c: ConsentState, key: ConsentKey, requestedAt: string, at: string): ConsentState | null {
  const waiting = c.awaitingConfirmation.find((a) => a.key === key);
  if (!waiting || waiting.requestedAt !== requestedAt || at > waiting.until) return null;
  return { ...c, granted: [...c.granted, key], awaitingConfirmation: c.awaitingConfirmation.filter((a) => a.key !== key) };
}

/** Which consent a message of this purpose rests on; null for messages the law lets through (transactional, legal). */
export function consentPurposeOf(purpose: Purpose): ConsentPurpose | null {
  switch (purpose) {
    case 'PROMOTION':
    case 'SERVICE_REMINDER':
    case 'SURVEY':
      return 'MARKETING';
    case 'SALES_FOLLOW_UP':
      return 'SALES_CONTACT';
    case 'TRANSACTIONAL':
    case 'LEGAL':
      return null;
  }
}

/** What the regime rule needs to know of the journey beyond its consents. */
export interface ConsentFacts {
  /** The customer bought from us (a vehicle is on record): the existing-customer exception. */
  existingCustomer: boolean;
  /** When the customer's latest inquiry (lead) arrived. */
  lastInquiryAt: string | null;
}

/**
 * The regime table: may a message of `purpose` go to the customer on `channel` now?
 * Null when it may; otherwise the consent that is missing.
 *
 * | purpose                    | OPT_IN                                                    | OPT_OUT                 |
 * |----------------------------|-----------------------------------------------------------|-------------------------|
 * | PROMOTION                  | MARKETING granted (e-mail: confirmed)                     | unless MARKETING refused |
 * | SERVICE_REMINDER, SURVEY   | existing customer unless MARKETING refused, else as above | unless MARKETING refused |
 * | SALES_FOLLOW_UP            | SALES_CONTACT granted, or within the window after an inquiry unless refused | unless SALES_CONTACT refused |
 * | TRANSACTIONAL, LEGAL       | always                                                    | always                  |
 */
export function missingConsent(
  c: ConsentState,
  purpose: Purpose,
  channel: Channel,
  facts: ConsentFacts,
  at: string,
  salesContactWindowMs: number,
): MissingConsent | null {
  const needs = consentPurposeOf(purpose);
  if (!needs) return null;
  const key = consentKey(channel, needs);
  const missing = { channel, purpose: needs };
  if (c.refused.includes(key)) return missing;
  if (c.regime === 'OPT_OUT' || c.granted.includes(key)) return null;
  if (purpose === 'SERVICE_REMINDER' || purpose === 'SURVEY') return facts.existingCustomer ? null : missing;
  if (purpose === 'SALES_FOLLOW_UP') {
    const inWindow = facts.lastInquiryAt !== null && Date.parse(at) - Date.parse(facts.lastInquiryAt) <= salesContactWindowMs;
    return inWindow ? null : missing;
  }
  return missing;
}
