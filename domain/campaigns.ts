/**
 * Campaigns and recalls as rules: which channel comes next, which template
 * language a customer gets, how fast a campaign may go, and the lift with its interval. Pure;
 * the campaign workflow and its activities apply them, each customer's journey decides each message.
 */
import type { JourneyStage } from './journey.js';
import type { Channel, ConsentPurpose, Purpose, SuppressionReason } from './messages.js';

/** What the OEM runs: a promotion, a service or survey wave, or a safety recall (by VIN list). */
export const CAMPAIGN_PURPOSES = ['PROMOTION', 'SERVICE_REMINDER', 'SURVEY', 'LEGAL'] as const satisfies readonly Purpose[];
export type CampaignPurpose = (typeof CAMPAIGN_PURPOSES)[number];

/** Whose name the messages go out in: the OEM's, or each customer's owning dealer's (on the OEM's behalf). */
export const CAMPAIGN_SENDERS = ['OEM', 'OWNING_DEALER'] as const;
export type CampaignSender = (typeof CAMPAIGN_SENDERS)[number];

export const CAMPAIGN_STATUSES = ['DRAFT', 'RUNNING', 'PAUSED', 'CANCELLED', 'COMPLETED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** What the OEM may do to a campaign once it runs. */
export const CAMPAIGN_CONTROLS = ['PAUSE', 'RESUME', 'CANCEL'] as const;
export type CampaignControl = (typeof CAMPAIGN_CONTROLS)[number];

/**
 * A segment: a typed filter over the read model (journeys, customers, sales, service visits,
 * consents, leads). Every field narrows; none given: every journey that is not erased.
 */
export interface SegmentFilter {
  /** The customer's country (a market). */
  markets?: string[];
  stages?: JourneyStage[];
  customerKind?: 'PERSON' | 'COMPANY';
  /** The dealer the customer is with (sales team or owning dealer). */
  dealerIds?: string[];
  /** One of the customer's cars is of these models (and, with the purchase range, bought in it). */
  models?: string[];
  /** YYYY-MM-DD, inclusive. */
  purchasedFrom?: string;
  purchasedTo?: string;
  /** Owns a car and has no service visit on or after this day (YYYY-MM-DD). */
  lastServiceBefore?: string;
  /** The customer's latest word on this consent is "yes". */
  consent?: { channel: Channel; purpose: ConsentPurpose };
  /** Has a lead of one of these sources... */
  leadSources?: string[];
  /** ...or (with sources: and) from one of these lead campaigns. */
  leadCampaigns?: string[];
}

/** Where a target of a campaign ended: held out, the journey's decision, a letter (recall), or too late. */
export const TARGET_OUTCOMES = ['HELD_OUT', 'ALLOWED', 'DEFERRED', 'SUPPRESSED', 'LETTER', 'WINDOW_CLOSED'] as const;
export type TargetOutcome = (typeof TARGET_OUTCOMES)[number];

/**
 * Suppressions another channel may overcome (no address on this one, no consent for it, the
 * company's person on it in the wrong role); the others (erased, opted out, not the owner)
 * hold on every channel.
 */
const CHANNEL_BOUND: readonly SuppressionReason[] = ['NO_CONTACT_DETAILS', 'NO_CONSENT', 'CONTACT_ROLE'];
export const tryNextChannel = (reason: SuppressionReason): boolean => CHANNEL_BOUND.includes(reason);

/** The channel after `channel` in the campaign's order, or null when it was the last. */
export function channelAfter(channels: readonly Channel[], channel: Channel): Channel | null {
  const i = channels.indexOf(channel);
  return i >= 0 && i + 1 < channels.length ? channels[i + 1]! : null;
}

/** The languages of the countries the platform serves; others get the campaign's default. */
const LANGUAGE_OF_COUNTRY: Record<string, string> = {
  DE: 'de', AT: 'de', CH: 'de', LI: 'de', FR: 'fr', LU: 'fr', MC: 'fr', BE: 'nl', NL: 'nl', IT: 'it', SM: 'it', ES: 'es',
  PT: 'pt', GB: 'en', IE: 'en', US: 'en', CA: 'en', AU: 'en', SE: 'sv', DK: 'da', NO: 'nb', FI: 'fi', PL: 'pl', CZ: 'cs',
};

/**
 * The template language for a customer: their own (from the OEM's records) if the campaign has it,
 * else their country's, else the campaign's default.
 */
export function templateLanguageFor(customer: { language: string | null; country: string | null }, languages: readonly string[], defaultLanguage: string): string {
  const ofCountry = customer.country ? LANGUAGE_OF_COUNTRY[customer.country.toUpperCase()] : undefined;
  return [customer.language, ofCountry].find((l): l is string => !!l && languages.includes(l)) ?? defaultLanguage;
}

/**
 * How long the campaign waits after a page of `decided` messages so that it never goes faster
 * than `perHour` (the time the page's messages are worth at that pace, less the time it took).
 */
export function paceAfterPage(decided: number, perHour: number, tookMs: number): number {
  if (decided === 0 || perHour <= 0) return 0;
  return Math.max(0, Math.ceil((decided * 3_600_000) / perHour) - tookMs);
}

/**
 * Of the page's targets in order, those a dealer's hourly share lets through: at most
 * `perDealerPerHour - usedLastHour[dealer]` per dealer (targets without a dealer are never held).
 */
export function withinDealerShare<T extends { dealerId: string | null }>(targets: readonly T[], usedLastHour: ReadonlyMap<string, number>, perDealerPerHour: number | null): T[] {
  if (!perDealerPerHour) return [...targets];
  const used = new Map(usedLastHour);
  return targets.filter((t) => {
    if (!t.dealerId) return true;
    const n = used.get(t.dealerId) ?? 0;
    if (n >= perDealerPerHour) return false;
    used.set(t.dealerId, n + 1);
    return true;
  });
}

/** A group's size and how many of it converted. */
export interface GroupCount {
  customers: number;
  converted: number;
}

/** Conversion rates of treatment and control, their difference (the lift) and its 95 % interval. */
export interface Lift {
  treatmentRate: number | null;
  controlRate: number | null;
  /** Treatment rate minus control rate (percentage points as a fraction). */
  lift: number | null;
  /** The lift relative to the control rate (null when the control converted none). */
  relativeLift: number | null;
  low: number | null;
  high: number | null;
}

const Z_95 = 1.959964;

/**
 * The lift of treatment over control and its 95 % interval: the difference of two proportions
 * with the normal (Wald) approximation, se = √(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀). Null where a group is empty.
 */
export function liftOf(treatment: GroupCount, control: GroupCount): Lift {
  const rate = (g: GroupCount) => (g.customers > 0 ? g.converted / g.customers : null);
  const p1 = rate(treatment);
  const p0 = rate(control);
  if (p1 === null || p0 === null) return { treatmentRate: p1, controlRate: p0, lift: null, relativeLift: null, low: null, high: null };
  const lift = p1 - p0;
  const se = Math.sqrt((p1 * (1 - p1)) / treatment.customers + (p0 * (1 - p0)) / control.customers);
  return {
    treatmentRate: p1, controlRate: p0, lift, relativeLift: p0 > 0 ? lift / p0 : null,
    low: lift - Z_95 * se, high: lift + Z_95 * se,
  };
}
