// Everything the platform holds about one customer, read once for whoever needs all of it: the
// privacy desk's export (GDPR Art. 15, api/routes/privacy.ts) and customer care's 360
// (care/customer-360.ts). The journey's live state — consent as it decides on it, the next
// deadline — is asked of the journey itself (journeyStateOf).
import type { Client } from '@temporalio/client';
import { journeyIdFor, type JourneyState } from '../domain/journey.js';
import type { PrismaClient } from '../platform/db.js';
import { isNotFound } from '../platform/temporal-errors.js';
import { journeyStateQuery } from '../workflows/definitions.js';

const TEMPORAL_DEADLINE_MS = 10_000;

/** The customer's records, oldest first in each kind; null when there is no such customer. */
export async function customerRecords(db: PrismaClient, customerId: string) {
  const customer = await db.customer.findUnique({ where: { id: customerId } });
  if (!customer) return null;
  const journeyId = journeyIdFor(customerId);
  const [journey, leads, communications, ownership, handoffs, notices, sales, tasks, consents, aftersales, people, companies, counterparts] = await Promise.all([
    db.journey.findUnique({ where: { customerId } }),
    db.lead.findMany({ where: { customerId }, orderBy: { receivedAt: 'asc' } }),
    db.communication.findMany({ where: { customerId }, orderBy: { createdAt: 'asc' }, include: { log: { orderBy: { at: 'asc' } } } }),
    db.ownershipChange.findMany({ where: { customerId }, orderBy: [{ at: 'asc' }, { key: 'asc' }] }),
    db.handoffEvent.findMany({ where: { journeyId }, orderBy: { at: 'asc' } }),
    db.dealerNotice.findMany({ where: { journeyId }, orderBy: { occurredAt: 'asc' } }),
    db.sale.findMany({ where: { customerId }, orderBy: { at: 'asc' } }),
    db.journeyTask.findMany({ where: { journeyId }, orderBy: { dueAt: 'asc' } }),
    db.consentRecord.findMany({ where: { customerId }, orderBy: [{ capturedAt: 'asc' }, { recordedAt: 'asc' }] }),
    db.aftersalesEvent.findMany({ where: { journeyId }, orderBy: { at: 'asc' } }),
    db.companyContact.findMany({ where: { companyId: customerId }, include: { contact: true }, orderBy: [{ createdAt: 'asc' }, { role: 'asc' }] }),
    db.companyContact.findMany({ where: { contactId: customerId }, include: { company: { select: { id: true, companyName: true } } }, orderBy: { createdAt: 'asc' } }),
    // A company's own counterpart per process (issue 35): one of its people.
    db.customerCounterpart.findMany({ where: { companyId: customerId }, orderBy: { process: 'asc' } }),
  ]);
  return { customer, journeyId, journey, leads, communications, ownership, handoffs, notices, sales, tasks, consents, aftersales, people, companies, counterparts };
}
export type CustomerRecords = NonNullable<Awaited<ReturnType<typeof customerRecords>>>;

/**
 * The journey's live state, or null when it has none running (never started, ended by erasure).
 * `tolerateOutage`: null too when Temporal does not answer (a page shows the records without it);
 * otherwise that error goes on (the API answers 503).
 */
export async function journeyStateOf(temporal: Client, journeyId: string, tolerateOutage = false): Promise<JourneyState | null> {
  try {
    return await temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () => temporal.workflow.getHandle(journeyId).query(journeyStateQuery));
  } catch (error) {
    if (isNotFound(error) || tolerateOutage) return null;
    throw error;
  }
}
