import { LEGAL_REGIMES } from '../domain/consent.js';
import { z } from 'zod';
import { JOURNEY_LEAD_SOURCES, PURCHASE_TIMEFRAMES } from '../domain/lead.js';
import { JOURNEY_ID_PATTERN, JOURNEY_STAGES, OWNER_KINDS } from '../domain/journey.js';

export { LeadBody } from '../intake/lead-schema.js';

export const LeadAccepted = z
  .object({
    journeyId: z.string(),
    customerId: z.uuid(),
    leadId: z.uuid(),
    delivered: z.boolean().describe('False while the journey is unreachable; the lead is stored and redelivered'),
  })
  .meta({ id: 'LeadAccepted' });

export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(8).max(200).regex(/^[\x21-\x7E]+$/, 'visible ASCII characters').optional().describe('Replays of the same key return the first answer'),
});

export const JourneyParams = z.object({
  id: z.string().regex(JOURNEY_ID_PATTERN, 'must look like journey-<customer uuid>'),
});

const LeadSummary = z.object({
  leadId: z.string(),
  source: z.enum(JOURNEY_LEAD_SOURCES),
  campaign: z.string().optional(),
  event: z.string().optional(),
  interestModel: z.string().optional(),
  timeframe: z.enum(PURCHASE_TIMEFRAMES).optional(),
  receivedAt: z.string(),
});

export const JourneyView = z
  .object({
    journeyId: z.string(),
    customerId: z.string(),
    stage: z.enum(JOURNEY_STAGES),
    owner: z.enum(OWNER_KINDS),
    dealerId: z.string().nullable(),
    leadCount: z.number().int(),
    lastLeadSource: z.enum(JOURNEY_LEAD_SOURCES),
    leads: z.array(LeadSummary),
    startedAt: z.string(),
    stageChangedAt: z.string(),
    updatedAt: z.string(),
    score: z.number().nullable().optional(),
    handoff: z
      .object({ dealerId: z.string().nullable(), offeredAt: z.string().nullable(), expiresAt: z.string().nullable(), tried: z.array(z.string()) })
      .nullable()
      .optional()
      .describe('The open offer to a dealer and every dealer tried'),
    sales: z.object({ dealerId: z.string(), startedAt: z.string(), endsAt: z.string(), chasedAt: z.string().nullable() }).nullable().optional(),
    vehicle: z.object({ vin: z.string(), model: z.string(), soldOn: z.string(), price: z.number().optional() }).nullable().optional(),
    handoffBlockedUntil: z.string().nullable().optional().describe('Cool-down after a fallback: no hand-off before'),
    promotionsBlockedUntil: z.string().nullable().optional().describe('Post-purchase cool-down: no OEM promotions before'),
    serviceReminderDueAt: z.string().nullable().optional(),
    serviceVisits: z.number().int().optional(),
    complaint: z.object({ complaintId: z.string(), openedAt: z.string(), backstopAt: z.string(), escalated: z.boolean() }).nullable().optional(),
    ownershipCycleEndsAt: z.string().nullable().optional(),
    optedOut: z.boolean().optional(),
    consent: z
      .object({
        regime: z.enum(LEGAL_REGIMES), granted: z.array(z.string()).describe('In force, e.g. EMAIL:MARKETING'), refused: z.array(z.string()),
        awaitingConfirmation: z.array(z.object({ key: z.string(), until: z.string(), requestedAt: z.string() })).describe("Given, waiting for the person's confirmation click"),
      })
      .nullable().optional().describe('Consents as the journey decides on them (their proof is in the consent records)'),
    contact: z.object({ hasEmail: z.boolean(), hasPhone: z.boolean(), hasPostalCode: z.boolean() }).nullable().optional(),
    disqualifiedReason: z.string().nullable().optional(),
    escalation: z.object({ reason: z.string(), at: z.string() }).nullable().optional(),
  })
  .meta({ id: 'Journey' });

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  api: z.literal('ok'),
  temporal: z.enum(['ok', 'unreachable']),
  database: z.enum(['ok', 'unreachable']),
});
