// A change of a customer's contact details, from whoever may make it: their dealer or the OEM
// (PATCH /v1/customers/:id/contact) or the customer on their own page. Identity keys (e-mail,
// phone) stay unique — the database decides races; the journey learns what is now known (never
// the data itself). Refusals are ContactConflict with the field they are about.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { InvalidPhoneNumber, normalizeEmail, normalizePhone } from '../domain/identity.js';
import { journeyIdFor } from '../domain/journey.js';
import { isUniqueViolation, type PrismaClient } from '../platform/db.js';
import { contactChangedSignal } from '../workflows/definitions.js';

const NOTIFY_TIMEOUT_MS = 3_000;

export interface ContactDetails {
  email?: string;
  phone?: string;
  postalCode?: string;
  country?: string;
  firstName?: string;
  lastName?: string;
  street?: string;
  city?: string;
}

/** Why a change is refused: 400 a detail that is not one (a phone number), 404 no such customer, 409 erased or another customer's. */
export class ContactConflict extends Error {
  constructor(readonly status: 400 | 404 | 409, readonly field: string, message: string) {
    super(message);
  }
}

/** Applies the change; whether the journey heard of it (the details are saved either way). */
export async function changeContact(
  deps: { db: PrismaClient; temporal: Client; defaultCountry: string; log: Pick<Logger, 'warn'> },
  customerId: string,
  change: ContactDetails,
): Promise<{ journeyNotified: boolean }> {
  const { db, temporal } = deps;
  const customer = await db.customer.findUnique({ where: { id: customerId } });
  if (!customer) throw new ContactConflict(404, 'id', `no customer ${customerId}`);
  const journey = await db.journey.findUnique({ where: { customerId }, select: { stage: true } });
  if (journey?.stage === 'ERASED') throw new ContactConflict(409, 'id', 'the customer asked for erasure; no personal data is stored again');
  const { email, phone, ...rest } = change;
  let phoneE164: string | undefined;
  try {
    phoneE164 = phone ? normalizePhone(phone, change.country ?? customer.country ?? deps.defaultCountry) : undefined;
  } catch (error) {
    if (!(error instanceof InvalidPhoneNumber)) throw error;
    throw new ContactConflict(400, 'phone', error.message);
  }
  let updated;
  try {
    updated = await db.customer.update({
      where: { id: customerId },
      data: { ...rest, ...(email ? { emailNormalized: normalizeEmail(email) } : {}), ...(phoneE164 ? { phoneE164 } : {}) },
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new ContactConflict(409, isUniqueViolation(error, 'email') ? 'email' : 'phone', 'already identifies another customer');
  }
  if (!journey) return { journeyNotified: false };
  const contact = { hasEmail: updated.emailNormalized !== null, hasPhone: updated.phoneE164 !== null, hasPostalCode: updated.postalCode !== null };
  try {
    await temporal.withDeadline(Date.now() + NOTIFY_TIMEOUT_MS, () => temporal.workflow.getHandle(journeyIdFor(customerId)).signal(contactChangedSignal, contact));
    return { journeyNotified: true };
  } catch (err) {
    // The details are saved; the journey re-learns completeness with the next lead.
    deps.log.warn({ err, customerId }, 'journey not told of contact change');
    return { journeyNotified: false };
  }
}
