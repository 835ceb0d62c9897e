/**
 * Journey policy: every duration and threshold the journey rules use, in one typed
 * object with defaults. Passed into the workflow at start (and carried across
 * continue-as-new), so a running journey keeps the policy it began with unless
 * an operator changes it. Durations are milliseconds: plain numbers serialise
 * into workflow history without surprises.
 */
import type { ContactPolicy } from './communications.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface JourneyPolicy extends ContactPolicy {
  /** Score (0–100) at which a lead is ready for a dealer hand-off. */
  qualifyThreshold: number;
  /** How long a dealer has to accept a hand-off before it moves on. */
  handoffAcceptanceSlaMs: number;
  /** How long the dealer's sales team owns the customer without a sale. */
  salesWindowMs: number;
  /** After the window ends with no outcome, the dealer is asked once and given this long. */
  outcomeChaseGraceMs: number;
  /** After a fallback to the OEM, no new hand-off before this has passed. */
  handoffCoolDownMs: number;
  /** After a sale, no OEM promotions for this long. */
  postPurchasePromotionCoolDownMs: number;
  /** Satisfaction survey this long after a sale. */
  saleSurveyDelayMs: number;
  /** Service reminder this long after the sale or the last visit. */
  serviceReminderIntervalMs: number;
  /** Survey this long after each service visit. */
  serviceSurveyDelayMs: number;
  /** An unresolved complaint escalates to the OEM after this long. */
  complaintBackstopMs: number;
  /** After this long of ownership the customer is back in market. */
  ownershipCycleMs: number;
  /** Repeat leads within this window raise the score. */
  repeatInterestWindowMs: number;
  /** A double opt-in confirmation link works this long; an unconfirmed consent lapses after it. */
  consentConfirmationWindowMs: number;
}

export const DEFAULT_POLICY: JourneyPolicy = {
  qualifyThreshold: 60,
  handoffAcceptanceSlaMs: 60 * MINUTE,
  salesWindowMs: 30 * DAY,
  outcomeChaseGraceMs: 3 * DAY,
  handoffCoolDownMs: 30 * DAY,
  postPurchasePromotionCoolDownMs: 90 * DAY,
  saleSurveyDelayMs: 7 * DAY,
  serviceReminderIntervalMs: 365 * DAY,
  serviceSurveyDelayMs: 2 * DAY,
  complaintBackstopMs: 14 * DAY,
  ownershipCycleMs: 4 * 365 * DAY,
  repeatInterestWindowMs: 90 * DAY,
  consentConfirmationWindowMs: 7 * DAY,
  salesContactWindowMs: 90 * DAY,
  contactCapMax: 3,
  contactCapWindowMs: 7 * DAY,
  quietHoursStartMinute: 21 * 60,
  quietHoursEndMinute: 8 * 60,
  customerTimeZone: 'Europe/Berlin',
  oemMayActForDealer: 1,
};

const YEAR = 365 * DAY;

/**
 * What each setting may be, by what it means: durations in whole minutes between a floor and a
 * ceiling (the acceptance SLA 5 minutes to 7 days like a dealer's own override; cool-downs and
 * windows at least an hour), counts and scores as whole numbers, quiet hours as minutes of the
 * day. A policy that fits these cannot lapse every offer at once or flood a customer.
 */
export const POLICY_BOUNDS: Record<keyof JourneyPolicy, { kind: 'duration' | 'count'; min: number; max: number; what: string } | { kind: 'special'; what: string }> = {
  qualifyThreshold: { kind: 'count', min: 1, max: 100, what: 'a score from 1 to 100' },
  handoffAcceptanceSlaMs: { kind: 'duration', min: 5 * MINUTE, max: 7 * DAY, what: 'the acceptance SLA' },
  salesWindowMs: { kind: 'duration', min: DAY, max: YEAR, what: 'the sales window' },
  outcomeChaseGraceMs: { kind: 'duration', min: HOUR, max: 30 * DAY, what: 'the grace after the outcome chase' },
  handoffCoolDownMs: { kind: 'duration', min: HOUR, max: YEAR, what: 'the cool-down after a fallback' },
  postPurchasePromotionCoolDownMs: { kind: 'duration', min: HOUR, max: 2 * YEAR, what: 'the post-purchase cool-down' },
  saleSurveyDelayMs: { kind: 'duration', min: HOUR, max: 90 * DAY, what: 'the delay of the sale survey' },
  serviceReminderIntervalMs: { kind: 'duration', min: 30 * DAY, max: 3 * YEAR, what: 'the service reminder interval' },
  serviceSurveyDelayMs: { kind: 'duration', min: HOUR, max: 90 * DAY, what: 'the delay of the service survey' },
  complaintBackstopMs: { kind: 'duration', min: HOUR, max: 90 * DAY, what: 'the complaint backstop' },
  ownershipCycleMs: { kind: 'duration', min: 180 * DAY, max: 15 * YEAR, what: 'the ownership cycle' },
  repeatInterestWindowMs: { kind: 'duration', min: HOUR, max: 2 * YEAR, what: 'the repeat-interest window' },
  consentConfirmationWindowMs: { kind: 'duration', min: HOUR, max: 30 * DAY, what: 'the consent confirmation window' },
  salesContactWindowMs: { kind: 'duration', min: HOUR, max: 2 * YEAR, what: 'the sales-contact window' },
  contactCapMax: { kind: 'count', min: 1, max: 100, what: 'messages within the cap window' },
  contactCapWindowMs: { kind: 'duration', min: HOUR, max: 90 * DAY, what: 'the frequency-cap window' },
  quietHoursStartMinute: { kind: 'special', what: 'minutes after midnight, 0–1439' },
  quietHoursEndMinute: { kind: 'special', what: 'minutes after midnight, 0–1439' },
  customerTimeZone: { kind: 'special', what: 'an IANA time zone' },
  oemMayActForDealer: { kind: 'special', what: '0 or 1' },
};

/** How a duration's bounds read in a message: "5 minutes", "7 days". */
export function spell(ms: number): string {
  const units: [number, string][] = [[YEAR, 'year'], [DAY, 'day'], [HOUR, 'hour'], [MINUTE, 'minute']];
  const [size, name] = units.find(([u]) => ms % u === 0 && ms >= u) ?? [MINUTE, 'minute'];
  const n = ms / size;
  return `${n} ${name}${n === 1 ? '' : 's'}`;
}

/** Settings that are not durations or counts, and what they accept. */
const SPECIAL: Record<string, (value: unknown) => boolean> = {
  quietHoursStartMinute: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1440,
  quietHoursEndMinute: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1440,
  oemMayActForDealer: (v) => v === 0 || v === 1,
  customerTimeZone: (v) => {
    try {
      if (typeof v !== 'string') return false;
      new Intl.DateTimeFormat('en', { timeZone: v });
      return true;
    } catch {
      return false;
    }
  },
};

/** Settings that only make sense relative to each other: [setting, must be shorter than, why]. */
const RELATIONS: [keyof JourneyPolicy, keyof JourneyPolicy, string][] = [
  ['outcomeChaseGraceMs', 'salesWindowMs', 'the chase grace must be shorter than the sales window'],
  ['saleSurveyDelayMs', 'ownershipCycleMs', 'the sale survey must come before the ownership cycle ends'],
  ['serviceReminderIntervalMs', 'ownershipCycleMs', 'a service reminder must come within the ownership cycle'],
  ['contactCapWindowMs', 'postPurchasePromotionCoolDownMs', 'the frequency-cap window must be shorter than the post-purchase cool-down'],
];

export class InvalidPolicy extends Error {
  /** The setting at fault, when one is. */
  constructor(message: string, readonly setting?: string) {
    super(message);
  }
}

/** Why one setting's value does not fit its meaning, or null. */
export function settingProblem(key: string, value: unknown): string | null {
  const bounds = POLICY_BOUNDS[key as keyof JourneyPolicy];
  if (!bounds) return `unknown policy setting "${key}"`;
  if (bounds.kind === 'special') return SPECIAL[key]!(value) ? null : `policy setting "${key}" must be ${bounds.what}, got ${JSON.stringify(value)}`;
  const whole = typeof value === 'number' && Number.isInteger(value);
  if (bounds.kind === 'count') {
    return whole && value >= bounds.min && value <= bounds.max ? null : `policy setting "${key}" is ${bounds.what}: a whole number from ${bounds.min} to ${bounds.max}, got ${JSON.stringify(value)}`;
  }
  const fits = whole && value % MINUTE === 0 && value >= bounds.min && value <= bounds.max;
  return fits ? null : `policy setting "${key}" (${bounds.what}) is whole minutes in milliseconds from ${spell(bounds.min)} (${bounds.min}) to ${spell(bounds.max)} (${bounds.max}), got ${JSON.stringify(value)}`;
}

/** Defaults (or `base`) overlaid with overrides; rejects unknown keys, values out of bounds and settings that contradict each other. */
export function resolvePolicy(overrides: Partial<Record<string, unknown>> = {}, base: JourneyPolicy = DEFAULT_POLICY): JourneyPolicy {
  const policy: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const problem = settingProblem(key, value);
    if (problem) throw new InvalidPolicy(problem, key in POLICY_BOUNDS ? key : undefined);
    policy[key] = value;
  }
  const p = policy as unknown as JourneyPolicy;
  for (const [shorter, longer, why] of RELATIONS) {
    if ((p[shorter] as number) >= (p[longer] as number)) {
      const named = shorter in overrides ? shorter : longer in overrides ? longer : shorter;
      throw new InvalidPolicy(`${why} (${shorter} ${p[shorter]} ms, ${longer} ${p[longer]} ms)`, named);
    }
  }
  return p;
}

/**
 * Which running journeys set their next deadline of a setting's kind with it, by stage: a change
 * for running journeys moves no deadline already set (an open offer keeps its SLA), it governs
 * the next one these journeys set. Settings not named here apply to every running journey.
 */
export const SETTING_STAGES: Partial<Record<keyof JourneyPolicy, readonly string[]>> = {
  qualifyThreshold: ['QUALIFYING', 'ESCALATED'],
  repeatInterestWindowMs: ['QUALIFYING', 'ESCALATED', 'DISQUALIFIED'],
  handoffAcceptanceSlaMs: ['QUALIFYING', 'HANDED_OFF'],
  salesWindowMs: ['HANDED_OFF'],
  outcomeChaseGraceMs: ['IN_SALES'],
  handoffCoolDownMs: ['IN_SALES'],
  postPurchasePromotionCoolDownMs: ['IN_SALES'],
  saleSurveyDelayMs: ['IN_SALES'],
  ownershipCycleMs: ['IN_SALES'],
  serviceReminderIntervalMs: ['DEALER_OWNED'],
  serviceSurveyDelayMs: ['DEALER_OWNED'],
  complaintBackstopMs: ['DEALER_OWNED'],
};

/** Policy for this environment: JOURNEY_POLICY holds a JSON object of overrides. */
export function policyFromEnv(env: Record<string, string | undefined>): JourneyPolicy {
  const raw = env.JOURNEY_POLICY;
  if (!raw) return DEFAULT_POLICY;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidPolicy('JOURNEY_POLICY is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidPolicy('JOURNEY_POLICY must be a JSON object');
  return resolvePolicy(parsed as Record<string, unknown>);
}
