import type { LeadCaptured, LeadSource, PurchaseTimeframe } from './lead.js';
import type { JourneyState } from './journey.js';
import type { JourneyPolicy } from './policy.js';

/**
 * Lead score, 0–100, from what the OEM knows: where the leads came from, how soon
 * the person wants to buy, whether a model was named, how reachable they are, and
 * whether they keep coming back. Each part is listed so a dealer can see why.
 */
export interface LeadScore {
  score: number;
  parts: { reason: string; points: number }[];
}

const SOURCE_POINTS: Record<LeadSource, number> = {
  DEALER_WALKIN: 30,
  PHONE: 25,
  WEB_FORM: 20,
  ADF: 15,
  FAIR: 15,
  ROADSHOW: 10,
  // An owner or prospect from the OEM's records: known, but not asking for anything now.
  CUSTOMER_IMPORT: 5,
  // A friend a happy customer sent: warm, as a web form's.
  REFERRAL: 20,
};

const TIMEFRAME_POINTS: Record<PurchaseTimeframe, number> = {
  NOW: 35,
  WITHIN_3_MONTHS: 25,
  WITHIN_12_MONTHS: 10,
  LATER: 0,
  UNKNOWN: 5,
};

const REPEAT_POINTS_EACH = 10;
const REPEAT_POINTS_MAX = 20;
const ENGAGEMENT_POINTS_EACH = 5;
const ENGAGEMENT_POINTS_MAX = 15;

/** Scores a customer's leads as of `now` (ISO-8601); `leads` oldest first. */
export function scoreLeads(
  leads: readonly LeadCaptured[],
  now: string,
  repeatWindowMs: number,
  contact?: { hasEmail: boolean; hasPhone: boolean; hasPostalCode: boolean } | null,
  engagements = 0,
): LeadScore {
  const latest = leads.at(-1);
  if (!latest) return { score: 0, parts: [] };
  const parts: LeadScore['parts'] = [];
  const add = (reason: string, points: number) => {
    if (points > 0) parts.push({ reason, points });
  };

  const bestSource = leads.reduce((best, l) => (SOURCE_POINTS[l.source] > SOURCE_POINTS[best] ? l.source : best), latest.source);
  add(`source ${bestSource}`, SOURCE_POINTS[bestSource]);
  const timeframe = [...leads].reverse().find((l) => l.timeframe)?.timeframe ?? 'UNKNOWN';
  add(`timeframe ${timeframe}`, TIMEFRAME_POINTS[timeframe]);
  if (leads.some((l) => l.interestModel)) add('named a model', 10);
  if (contact?.hasEmail || leads.some((l) => l.hasEmail)) add('e-mail', 5);
  if (contact?.hasPhone || leads.some((l) => l.hasPhone)) add('phone', 10);
  if (contact?.hasPostalCode || leads.some((l) => l.hasPostalCode)) add('postal code', 5);

  const recent = recentLeads(leads, now, repeatWindowMs);
  if (recent > 1) add(`${recent} leads in the repeat window`, Math.min((recent - 1) * REPEAT_POINTS_EACH, REPEAT_POINTS_MAX));

  if (engagements > 0) add(`${engagements} engagement(s)`, Math.min(engagements * ENGAGEMENT_POINTS_EACH, ENGAGEMENT_POINTS_MAX));

  const score = Math.min(100, parts.reduce((sum, p) => sum + p.points, 0));
  return { score, parts };
}

const FLEET_SIZE_POINTS: readonly [minVehicles: number, points: number][] = [[50, 50], [10, 40], [3, 30]];
const FLEET_TIMEFRAME_POINTS: Record<PurchaseTimeframe, number> = { NOW: 35, WITHIN_3_MONTHS: 30, WITHIN_12_MONTHS: 15, LATER: 0, UNKNOWN: 5 };

/**
 * A company's score, 0–100: qualified by fleet size and timeframe (seed 004). Under three
 * vehicles a company is not a fleet and never reaches a fleet desk by its timeframe alone
 * (35 at most); three vehicles within three months, or ten within a year, reach 60 (the
 * default threshold). Repeated interest adds as for persons.
 */
export function scoreFleet(leads: readonly LeadCaptured[], fleetSize: number | null, now: string, repeatWindowMs: number): LeadScore {
  if (leads.length === 0) return { score: 0, parts: [] };
  const parts: LeadScore['parts'] = [];
  const add = (reason: string, points: number) => {
    if (points > 0) parts.push({ reason, points });
  };
  const size = FLEET_SIZE_POINTS.find(([min]) => (fleetSize ?? 0) >= min);
  add(`fleet of ${fleetSize ?? 'unknown size'}`, size?.[1] ?? 0);
  const timeframe = [...leads].reverse().find((l) => l.timeframe)?.timeframe ?? 'UNKNOWN';
  add(`timeframe ${timeframe}`, FLEET_TIMEFRAME_POINTS[timeframe]);
  const recent = recentLeads(leads, now, repeatWindowMs);
  if (recent > 1) add(`${recent} leads in the repeat window`, Math.min((recent - 1) * REPEAT_POINTS_EACH, REPEAT_POINTS_MAX));
  return { score: Math.min(100, parts.reduce((sum, p) => sum + p.points, 0)), parts };
}

/** Leads received within the repeat window before `now`. */
function recentLeads(leads: readonly LeadCaptured[], now: string, repeatWindowMs: number): number {
  const since = Date.parse(now) - repeatWindowMs;
  return leads.filter((l) => Date.parse(l.receivedAt) >= since).length;
}

/** The journey's score now: a company by its fleet and timeframe (seed 004), a person by their interest. */
export function scoreOfJourney(state: JourneyState, now: string, policy: Pick<JourneyPolicy, 'repeatInterestWindowMs'>): number {
  return state.account
    ? scoreFleet(state.leads, state.account.fleetSize, now, policy.repeatInterestWindowMs).score
    : scoreLeads(state.leads, now, policy.repeatInterestWindowMs, state.contact, state.engagements).score;
}
