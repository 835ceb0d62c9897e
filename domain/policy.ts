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

/** Settings that are not positive durations or counts, and what they accept. */
const SPECIAL: Record<string, (value: unknown) => string | null> = {
  quietHoursStartMinute: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1440 ? null : 'minutes after midnight, 0–1439'),
  quietHoursEndMinute: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1440 ? null : 'minutes after midnight, 0–1439'),
  oemMayActForDealer: (v) => (v === 0 || v === 1 ? null : '0 or 1'),
  customerTimeZone: (v) => {
    try {
      if (typeof v !== 'string') return 'an IANA time zone';
      new Intl.DateTimeFormat('en', { timeZone: v });
      return null;
    } catch {
      return 'an IANA time zone';
    }
  },
};

export class InvalidPolicy extends Error {
  /** The setting at fault, when one is. */
  constructor(message: string, readonly setting?: string) {
    super(message);
  }
}

/** Defaults (or `base`) overlaid with overrides; rejects unknown keys and non-positive durations. */
export function resolvePolicy(overrides: Partial<Record<string, unknown>> = {}, base: JourneyPolicy = DEFAULT_POLICY): JourneyPolicy {
  const policy: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_POLICY)) throw new InvalidPolicy(`unknown policy setting "${key}"`, key);
    const special = SPECIAL[key];
    if (special) {
      const problem = special(value);
      if (problem) throw new InvalidPolicy(`policy setting "${key}" must be ${problem}, got ${JSON.stringify(value)}`, key);
      policy[key] = value;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InvalidPolicy(`policy setting "${key}" must be a positive number, got ${JSON.stringify(value)}`, key);
    }
    policy[key] = value;
  }
  if ((policy.qualifyThreshold as number) > 100) throw new InvalidPolicy('qualifyThreshold is a score from 0 to 100', 'qualifyThreshold');
  return policy as unknown as JourneyPolicy;
}

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
