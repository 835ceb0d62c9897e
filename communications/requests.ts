// A request to message a customer, as stored: the one writer of `communication` rows, for
// the API's senders and for the journey's own surveys and reminders. The row holds what
// the journey must not see (template variables); the journey decides on the rest.
import type { CommunicationRequest } from '../domain/messages.js';
import type { PrismaClient } from '../platform/db.js';

export interface StoredRequest extends CommunicationRequest {
  customerId: string;
  journeyId: string;
  /** Who asked: an API key's name, or "journey" for the journey's own messages. */
  requestedBy: string;
  variables: Record<string, string>;
  /** The journey's own message about one of the customer's cars (never a caller's: see activities/communications.ts). */
  vehicleVin?: string;
}

/**
 * Stores the request once; a repeat with the same id (a retry) stores nothing and
 * returns what was stored first, so the caller can tell a retry from a reused id.
 */
export async function storeCommunicationRequest(db: PrismaClient, r: StoredRequest): Promise<{ created: true } | { created: false; earlier: Pick<StoredRequest, 'customerId' | 'purpose' | 'channel' | 'templateId'> }> {
  const { count } = await db.communication.createMany({
    data: [{
      id: r.communicationId, customerId: r.customerId, journeyId: r.journeyId, senderKind: r.sender.kind,
      senderDealerId: r.sender.kind === 'DEALER' ? r.sender.dealerId : null, requestedBy: r.requestedBy,
      purpose: r.purpose, channel: r.channel, templateId: r.templateId, variables: r.variables, notBefore: r.notBefore ? new Date(r.notBefore) : null,
      recipientId: r.recipientId ?? null, vehicleVin: r.vehicleVin ?? null,
    }],
    skipDuplicates: true,
  });
  if (count === 1) return { created: true };
  const earlier = await db.communication.findUniqueOrThrow({ where: { id: r.communicationId }, select: { customerId: true, purpose: true, channel: true, templateId: true } });
  return { created: false, earlier: earlier as Pick<StoredRequest, 'customerId' | 'purpose' | 'channel' | 'templateId'> };
}
