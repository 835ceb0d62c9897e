// The shape of one lead, whichever door it comes in by: the JSON API, an ADF prospect,
// a fair-file row (zod; the API documents it in OpenAPI from the same schema).
import { z } from 'zod';
import { CAPTURE_METHODS, CONSENT_CHANNELS } from '../domain/consent.js';
import { CONTACT_ROLES, normalizeVatId, VAT_ID_PATTERN } from '../domain/fleets.js';
import { CONSENT_PURPOSES } from '../domain/messages.js';
import { LEAD_SOURCES, PURCHASE_TIMEFRAMES } from '../domain/lead.js';
import { email, pastInstant, text } from '../platform/validation.js';
import type { IncomingLead } from './lead-intake.js';

export { text };

const country = () => z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, e.g. DE');

/** A company's lead (B2B): the company, and the role in it of the person in `contact`. */
export const CompanyOfLead = z
  .strictObject({
    name: text(200),
    vatId: z.string().trim().max(30)
      .refine((v) => VAT_ID_PATTERN.test(normalizeVatId(v)), 'a VAT id: country prefix and number, e.g. DE123456789')
      .optional()
      .describe('Tells the company apart; without it, the name and postal code do'),
    fleetSize: z.number().int().min(1).max(1_000_000).optional().describe('Vehicles the company runs'),
    street: text(200).optional(),
    city: text(100).optional(),
    postalCode: text(12).optional().describe("The company's; the contact's when absent (routing and identity)"),
    country: country().optional(),
    contactRole: z.enum(CONTACT_ROLES).default('DECISION_MAKER').describe('DECISION_MAKER (fleet manager), PROCUREMENT (purchasing, accounts payable) or DRIVER'),
  })
  .meta({ id: 'CompanyOfLead' });

export const LeadBody = z
  .strictObject({
    source: z.enum(LEAD_SOURCES),
    campaign: text(200).optional(),
    event: text(200).optional().describe('Fair or road-show name'),
    interest: z
      .strictObject({
        model: text(100).optional(),
        timeframe: z.enum(PURCHASE_TIMEFRAMES).optional(),
        message: text(2000).optional().describe("The customer's own words (form message, ADF comments, notes)"),
      })
      .optional(),
    contact: z
      .strictObject({
        firstName: text(100).optional(),
        lastName: text(100).optional(),
        email: email().optional(),
        phone: text(40).optional(),
        postalCode: text(12).optional(),
        country: country().optional(),
      })
      .refine((c) => c.email !== undefined || c.phone !== undefined, 'a lead needs an e-mail address or a phone number to reach the customer')
      // The refinement above, stated in the OpenAPI document.
      .meta({ anyOf: [{ required: ['email'] }, { required: ['phone'] }], description: 'At least an e-mail address or a phone number' }),
    company: CompanyOfLead.optional().describe("A company's lead: the journey is the company's, the contact is one of its people"),
    receivedAt: pastInstant().optional().describe('When the customer sent it; not in the future, not before 2000. Default: now'),
    preferredDealerId: text(64).optional().describe('The dealer the customer chose; offered the hand-off first'),
    consents: z
      .array(z.strictObject({
        channel: z.enum(CONSENT_CHANNELS),
        purpose: z.enum(CONSENT_PURPOSES).describe('MARKETING: advertising; SALES_CONTACT: contact about this inquiry'),
        granted: z.boolean(),
        wordingId: text(100).describe('Id and version of the consent wording the person was shown, e.g. web-2026-03-de'),
        method: z.enum(CAPTURE_METHODS),
        capturedAt: pastInstant().optional().describe("When the person gave it; the lead's time when not given"),
      }))
      .max(20)
      .optional()
      .describe('What the person agreed to (or declined) with this lead, kept with its proof'),
  })
  // The company is told apart by its VAT id or by name and postal code: one of them is needed.
  .refine((l) => !l.company || l.company.vatId || l.company.postalCode || l.contact.postalCode, {
    path: ['company', 'vatId'], message: 'a company needs a VAT id or a postal code to be told apart from others of its name',
  })
  .meta({ id: 'Lead' });

export type LeadCheck = { lead: IncomingLead } | { field: string; message: string };

/** Checks a lead put together from another format (ADF, a file row) by the same rules as the API's. */
export function checkLead(candidate: unknown): LeadCheck {
  const parsed = LeadBody.safeParse(JSON.parse(JSON.stringify(candidate))); // drops undefined keys
  if (parsed.success) return { lead: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { field: issue.path.join('.') || 'lead', message: issue.message };
}
