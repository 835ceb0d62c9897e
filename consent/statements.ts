// Consents a person states outside a lead: to customer care on the phone or at a desk (and, next,
// on their own page). The proof — the wording they were read, how and when, who took it down —
// goes to consent_record; the journey hears the statements themselves (recordConsents) and
// decides as for a lead's: e-mail marketing under opt-in waits for the confirmation click.
import { v5 as uuidV5 } from 'uuid';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CONSENT_CHANNELS, type ConsentStatement } from '../domain/consent.js';
import { CONSENT_PURPOSES } from '../domain/messages.js';
import type { PrismaClient } from '../platform/db.js';
import { pastInstant, text } from '../platform/validation.js';

/** How a statement to a person reached us. */
export const STATEMENT_METHODS = ['PHONE', 'IN_PERSON'] as const;
export type StatementMethod = (typeof STATEMENT_METHODS)[number];

/** What care takes down: the consents as the person stated them, with their proof. */
export const ConsentStatementsBody = z
  .strictObject({
    consents: z
      .array(z.strictObject({ channel: z.enum(CONSENT_CHANNELS), purpose: z.enum(CONSENT_PURPOSES), granted: z.boolean() }))
      .min(1).max(10)
      .refine((all) => new Set(all.map((c) => `${c.channel}:${c.purpose}`)).size === all.length, 'each channel and purpose once'),
    method: z.enum(STATEMENT_METHODS).describe('How the person said it: on a call (PHONE) or in person'),
    wordingId: text(100).describe('The consent text read to the person (e.g. the call script and its version): the proof names it'),
    capturedAt: pastInstant().optional().describe('When the person said it; now when absent'),
  })
  .meta({ id: 'ConsentStatements' });
export type ConsentStatements = z.infer<typeof ConsentStatementsBody>;

/** Namespace of the records' ids derived from a request's idempotent id (a retry writes the same rows). */
const RECORD_NAMESPACE = '5d1c0a52-4c8e-4f8e-9a55-0a3f2b7f0c34';

/**
 * Writes the proof of each statement, once per request: with `requestId` (the Update's id of an
 * idempotent request) the rows' ids are derived from it, so a retry adds nothing.
 */
export async function recordConsentProof(
  db: PrismaClient,
  customerId: string,
  body: Omit<ConsentStatements, 'method'> & { method: StatementMethod | 'PREFERENCE_CENTER' },
  recordedBy: string | null,
  requestId: string | undefined,
  /** The person's own device (their page): its address and browser, as a web form's proof. */
  client?: { ip: string; userAgent: string | null },
): Promise<void> {
  const capturedAt = body.capturedAt ? new Date(body.capturedAt) : new Date();
  await db.consentRecord.createMany({
    data: body.consents.map((c, i) => ({
      id: requestId ? uuidV5(`${requestId}:${i}`, RECORD_NAMESPACE) : randomUUID(),
      customerId, channel: c.channel, purpose: c.purpose, granted: c.granted,
      wordingId: body.wordingId, method: body.method, capturedAt, recordedBy, ip: client?.ip ?? null, userAgent: client?.userAgent ?? null,
    })),
    skipDuplicates: true,
  });
}

/** What the journey hears: the statements alone (no wording, no proof). */
export const statementsOf = (body: Pick<ConsentStatements, 'consents'>): ConsentStatement[] => body.consents.map(({ channel, purpose, granted }) => ({ channel, purpose, granted }));
