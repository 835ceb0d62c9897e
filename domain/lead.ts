import type { ConsentStatement, LegalRegime } from './consent.js';
import type { AccountContact } from './fleets.js';
import type { MarketModel } from './markets.js';

/** Where a lead may say it came from (the API's and the files' leads). */
export const LEAD_SOURCES = ['WEB_FORM', 'FAIR', 'ROADSHOW', 'ADF', 'DEALER_WALKIN', 'PHONE'] as const;
/**
 * Every source a journey's lead has: those above, CUSTOMER_IMPORT, the customer's record from
 * the OEM's onboarding file (onboarding/), and REFERRAL, a friend's lead through a promoter's
 * referral link (api/customer-page/surveys.ts), which no caller may claim. Mirrors the LeadSource enum
 * in prisma/schema.prisma.
 */
export const JOURNEY_LEAD_SOURCES = [...LEAD_SOURCES, 'CUSTOMER_IMPORT', 'REFERRAL'] as const;
export type LeadSource = (typeof JOURNEY_LEAD_SOURCES)[number];

/** How soon the customer says they intend to buy. */
export const PURCHASE_TIMEFRAMES = ['NOW', 'WITHIN_3_MONTHS', 'WITHIN_12_MONTHS', 'LATER', 'UNKNOWN'] as const;
export type PurchaseTimeframe = (typeof PURCHASE_TIMEFRAMES)[number];

/**
 * What the journey learns about a lead. Deliberately free of personal data:
 * workflow histories are kept for years and must survive an erasure request,
 * so names and contact details stay in the database, addressed by ids.
 */
export interface LeadCaptured {
  leadId: string;
  source: LeadSource;
  campaign?: string;
  event?: string;
  interestModel?: string;
  timeframe?: PurchaseTimeframe;
  hasEmail: boolean;
  hasPhone: boolean;
  hasPostalCode: boolean;
  /** The dealer the customer chose on the form or that the lead provider named, if any. */
  preferredDealerId?: string;
  /** ISO-8601 time the lead was received. */
  receivedAt: string;
  /** The marketing law of the customer's country. */
  consentRegime: LegalRegime;
  /** What the person agreed to or declined with this lead; the proof stays in the consent records. */
  consents: ConsentStatement[];
  /** The customer's market (country) and its ownership model when the lead arrived (none where the intake runs without markets). */
  market?: MarketModel;
  /**
   * A company's lead (the journey's customer is the company): the person who sent it, in
   * their role, and the fleet size the lead names. Absent for a private person's lead.
   */
  account?: { contact: AccountContact; fleetSize?: number };
}
