/**
 * Onboarding the OEM's customer base: a customer's record from the OEM's file (its CRM, its
 * dealers' systems) becomes a journey that starts where the customer is — an owner with their
 * dealer, a prospect in qualification, a customer of a dealer we do not know with the lead desk —
 * or adds what is new to the journey the customer has already (rules/onboarding.ts). Pure; the
 * journey starts from startImportedJourney (transitions.ts).
 */
import { consentKey, type ConsentState, type ConsentStatement, type LegalRegime } from './consent.js';
import type { Vehicle } from './journey.js';
import type { LeadCaptured } from './lead.js';
import type { JourneyPolicy } from './policy.js';

/** A vehicle the customer owns, as the OEM's records name it (`dealerId`: the dealer that sold it, else the customer's dealer). */
export interface ImportedVehicle extends Vehicle {
  dealerId: string;
}

/**
 * What a journey learns from one row of an onboarding file. No personal data: the contact
 * details and the consents' proof stay in the database; the row's lead carries the consents.
 */
export interface CustomerRecord {
  importId: string;
  row: number;
  /** The system the file came from, as the OEM names it (e.g. "CRM", "DMS export"). */
  source: string;
  vehicles: ImportedVehicle[];
  /** The customer's dealer as the file names it: the servicing dealer, else the latest vehicle's seller. */
  dealerId: string | null;
  /** That dealer is one of ours and active (looked up by the importer). */
  dealerActive: boolean;
  /** YYYY-MM-DD */
  lastServiceOn: string | null;
  /** The row names open interest (a model or a timeframe): a prospect. */
  openInterest: boolean;
  /**
   * Nothing the import causes happens before this (a hand-off, an overdue service reminder):
   * the row's place in the period over which the OEM spreads the import's consequences.
   */
  notBefore: string;
}

/** The record and the lead it was stored as (the consents in force; their proof in the consent records). */
export interface CustomerImported {
  lead: LeadCaptured;
  record: CustomerRecord;
}

/** Where an imported customer starts. BACK_IN_MARKET: owned, with the cycle over: offered to their dealer at `notBefore`. */
export const IMPORT_PLACEMENTS = ['DEALER_OWNED', 'BACK_IN_MARKET', 'QUALIFYING', 'ESCALATED'] as const;
export type ImportPlacement = (typeof IMPORT_PLACEMENTS)[number];

/** The reason on the lead desk's task for an owner whose dealer we do not know. */
export const DEALER_UNKNOWN = 'IMPORTED_DEALER_UNKNOWN';

/**
 * When the import's consequences for row `row` of `totalRows` may come (its `notBefore`): spread
 * evenly over `spreadDays` from the import's start, in the file's order.
 */
export function spreadSlot(startMs: number, spreadDays: number, row: number, totalRows: number): string {
  return new Date(startMs + Math.floor((spreadDays * 86_400_000 * (row - 1)) / Math.max(1, totalRows))).toISOString();
}

/** The customer's newest vehicle (the journey's `vehicle`). */
export function latestVehicle(vehicles: readonly ImportedVehicle[]): ImportedVehicle | null {
  return vehicles.reduce<ImportedVehicle | null>((latest, v) => (!latest || v.soldOn > latest.soldOn ? v : latest), null);
}

/** Where the record's customer starts, seen at `at`. */
export function placementOf(record: CustomerRecord, at: string, policy: JourneyPolicy): ImportPlacement {
  const vehicle = latestVehicle(record.vehicles);
  if (!vehicle) return 'QUALIFYING';
  if (!record.dealerActive) return 'ESCALATED';
  return plusMs(dayStart(vehicle.soldOn), policy.ownershipCycleMs) <= at ? 'BACK_IN_MARKET' : 'DEALER_OWNED';
}

/**
 * An owner's timers as the record says (`placement` DEALER_OWNED or BACK_IN_MARKET): the service
 * reminder on its normal schedule from the last service (else the sale) — one already overdue
 * waits for the row's place in the spread, so a million reminders do not go out at once —, the
 * ownership cycle from the purchase (over: back in market at the row's place), and no promotion
 * during the post-purchase cool-down.
 */
export function ownerTimersOf(record: CustomerRecord, placement: 'DEALER_OWNED' | 'BACK_IN_MARKET', at: string, policy: JourneyPolicy) {
  const soldAt = dayStart(latestVehicle(record.vehicles)!.soldOn);
  const reminderDue = plusMs(record.lastServiceOn ? dayStart(record.lastServiceOn) : soldAt, policy.serviceReminderIntervalMs);
  const promotionsFrom = plusMs(soldAt, policy.postPurchasePromotionCoolDownMs);
  return {
    serviceReminderDueAt: reminderDue >= at ? reminderDue : record.notBefore,
    ownershipCycleEndsAt: placement === 'BACK_IN_MARKET' ? record.notBefore : plusMs(soldAt, policy.ownershipCycleMs),
    promotionsBlockedUntil: promotionsFrom > at ? promotionsFrom : null,
  };
}

/**
 * The consents from the OEM's records: each with its proof (source, wording, date) in the
 * consent records, in force as the OEM's records say — the import asks no one to confirm
 * (nothing is sent because of it). On a journey that exists, only what it does not know yet
 * is added: a grant or refusal it holds stays.
 */
export function withImportedConsents(before: ConsentState, regime: LegalRegime, statements: readonly ConsentStatement[]): ConsentState {
  let c = { ...before, regime };
  for (const s of statements) {
    const key = consentKey(s.channel, s.purpose);
    if (c.granted.includes(key) || c.refused.includes(key) || c.awaitingConfirmation.some((a) => a.key === key)) continue;
    c = s.granted ? { ...c, granted: [...c.granted, key] } : { ...c, refused: [...c.refused, key] };
  }
  return c;
}

export const dayStart = (day: string) => `${day}T00:00:00.000Z`;
export const plusMs = (at: string, ms: number) => new Date(Date.parse(at) + ms).toISOString();

/** What became of an onboarding file's rows: a new journey, added to a customer's journey, refused. */
export const ROW_OUTCOMES = ['IMPORTED', 'MERGED', 'REJECTED'] as const;
export type RowOutcome = (typeof ROW_OUTCOMES)[number];

export interface OnboardingCounts {
  imported: number;
  merged: number;
  rejected: number;
  /** Rows with a conflict reported (a VIN another customer owns, another last name): what conflicts was not taken. */
  withConflicts: number;
  /** Rows per resulting placement (new journeys only). */
  byPlacement: Record<ImportPlacement, number>;
}

export interface OnboardingProgress extends OnboardingCounts {
  importId: string;
  status: 'RUNNING' | 'COMPLETED';
  totalRows: number;
  doneRows: number;
}

export const noPlacements = (): Record<ImportPlacement, number> => ({ DEALER_OWNED: 0, BACK_IN_MARKET: 0, QUALIFYING: 0, ESCALATED: 0 });
