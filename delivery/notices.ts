// What a dealer receives for a notice: the JSON event (webhooks) and, for the ADF e-mail
// channel, an ADF document or a short text. Built when it is sent, from what the dealer
// may see at that moment: an offer that closed before its delivery went out carries no
// personal data any more (the delivery is superseded instead).
import type { DealerNoticeKind } from '../domain/dealer-notices.js';
import type { PurchaseTimeframe } from '../domain/lead.js';
import type { PrismaClient } from '../platform/db.js';
import type { DealerNotice } from '../generated/prisma/client.js';
import { adfDocument } from './adf-writer.js';
import { SERVICE_APPOINTMENT_SLA_MS } from '../domain/journey.js';

export interface NoticeContext {
  /** Where dealers call the API (the action links). */
  publicApiUrl: string;
  /** The OEM, as ADF's <provider>. */
  oemName: string;
}

/** The Standard Webhooks payload shape: type, timestamp, data. */
export interface NoticeEvent {
  type: DealerNoticeKind;
  timestamp: string;
  data: Record<string, unknown>;
}

export type NoticeContent =
  | { superseded: string }
  | { event: NoticeEvent; email: { subject: string; text: string } };

/** Kinds that carry the customer's contact details: sent only while the dealer still holds the offer or the customer. */
const CARRIES_CONTACT: readonly DealerNoticeKind[] = ['handoff.offered', 'customer.assigned', 'service.requested'];

export async function noticeContent(db: PrismaClient, notice: DealerNotice, context: NoticeContext): Promise<NoticeContent> {
  const kind = notice.kind as DealerNoticeKind;
  if (kind === 'customers.imported') return importSummaryContent(db, notice, context);
  if (!notice.journeyId || !notice.customerId) throw new Error(`notice ${notice.id} (${kind}) names no journey`);
  return journeyNoticeContent(db, { ...notice, journeyId: notice.journeyId, customerId: notice.customerId }, context);
}

/** A dealer's summary of an onboarding import: counts only, and where to read the customers. */
async function importSummaryContent(db: PrismaClient, notice: DealerNotice, context: NoticeContext): Promise<NoticeContent> {
  const [summary, imp] = await Promise.all([
    db.customerImportDealerSummary.findUnique({ where: { importId_dealerId: { importId: notice.importId!, dealerId: notice.dealerId } } }),
    db.customerImport.findUnique({ where: { id: notice.importId! }, select: { source: true, completedAt: true } }),
  ]);
  if (!summary || !imp) return { superseded: 'the import has no summary for this dealer' };
  const api = context.publicApiUrl.replace(/\/$/, '');
  const data = {
    dealerId: notice.dealerId, importId: notice.importId, source: imp.source, owners: summary.owners, backInMarket: summary.backInMarket, prospects: summary.prospects,
    actions: { summaries: { method: 'GET', url: `${api}/v1/customer-import-summaries?importId=${notice.importId}` }, customers: { method: 'GET', url: `${api}/v1/dealer/customers` } },
  };
  const subject = `Customers imported from ${imp.source}: ${summary.owners} owners, ${summary.backInMarket} back in market, ${summary.prospects} prospects`;
  const text = [
    `The OEM brought its existing customers into the platform (${imp.source}). Yours now:`,
    `- owners: ${summary.owners}`, `- back in market, offered to you first over the coming days: ${summary.backInMarket}`, `- prospects in qualification: ${summary.prospects}`,
    '', 'Nothing was sent to them because of the import. Your customers are listed in the workspace and by GET /v1/dealer/customers.',
    '', `Import: ${notice.importId}`, `Event: ${notice.id}`,
  ].join('\n');
  return { event: { type: 'customers.imported', timestamp: notice.occurredAt.toISOString(), data }, email: { subject, text } };
}

async function journeyNoticeContent(db: PrismaClient, notice: DealerNotice & { journeyId: string; customerId: string }, context: NoticeContext): Promise<NoticeContent> {
  const kind = notice.kind as DealerNoticeKind;
  const journey = await db.journey.findUnique({ where: { id: notice.journeyId } });
  const base = { dealerId: notice.dealerId, customerId: notice.customerId, journeyId: notice.journeyId };
  const api = (path: string) => `${context.publicApiUrl.replace(/\/$/, '')}/v1/journeys/${notice.journeyId}${path}`;
  const timestamp = notice.occurredAt.toISOString();
  const text = (subject: string, lines: string[]) => ({ subject, text: [...lines, '', `Journey: ${notice.journeyId}`, `Event: ${notice.id}`].join('\n') });

  if (!CARRIES_CONTACT.includes(kind)) {
    const data = { ...base, ...(notice.reason ? { reason: notice.reason } : {}) };
    if (kind === 'outcome.requested') {
      const actions = { sale: { method: 'POST', url: api('/sale') }, lost: { method: 'POST', url: api('/lost') }, noShow: { method: 'POST', url: api('/no-show') } };
      return { event: { type: kind, timestamp, data: { ...data, actions } }, email: text(`Outcome requested: ${notice.journeyId}`, ['The sales window with this customer is ending. Report the sale, a lost sale or a no-show.']) };
    }
    const subject = kind === 'handoff.withdrawn' ? `Lead withdrawn: ${notice.journeyId}` : `Customer no longer with you: ${notice.journeyId}`;
    const line = kind === 'handoff.withdrawn' ? `The lead offered to you is withdrawn (${notice.reason}). Please do not contact the customer about it.` : `Your ownership of this customer ended (${notice.reason}).`;
    return { event: { type: kind, timestamp, data }, email: text(subject, [line]) };
  }

  const offered = kind === 'handoff.offered';
  const appointment = kind === 'service.requested';
  const entitled = offered
    ? journey?.stage === 'HANDED_OFF' && journey.offeredDealerId === notice.dealerId
    : (journey?.stage === 'IN_SALES' || journey?.stage === 'DEALER_OWNED') && journey.dealerId === notice.dealerId;
  if (!entitled) return { superseded: offered ? 'the offer closed before it was delivered' : 'the customer is no longer with the dealer' };

  const [customer, lead, dealer] = await Promise.all([
    db.customer.findUniqueOrThrow({ where: { id: notice.customerId } }),
    db.lead.findFirst({ where: { customerId: notice.customerId }, orderBy: { receivedAt: 'desc' } }),
    db.dealer.findUniqueOrThrow({ where: { id: notice.dealerId } }),
  ]);
  const contact = {
    firstName: customer.firstName, lastName: customer.lastName, email: customer.emailNormalized, phone: customer.phoneE164,
    postalCode: customer.postalCode, country: customer.country,
  };
  const interest = {
    model: lead?.interestModel ?? null, timeframe: (lead?.timeframe as PurchaseTimeframe | null) ?? null, message: lead?.message ?? null,
    source: lead?.source ?? null, campaign: lead?.campaign ?? null, event: lead?.event ?? null, receivedAt: lead?.receivedAt.toISOString() ?? null,
  };
  const actions = appointment
    ? { journey: { method: 'GET', url: api('') }, serviceVisit: { method: 'POST', url: api('/service-visits') } }
    : offered
    ? {
      accept: { method: 'POST', url: api('/accept') },
      decline: { method: 'POST', url: api('/decline'), body: { reason: 'string' } },
      journey: { method: 'GET', url: api('') },
    }
    : { sale: { method: 'POST', url: api('/sale') }, lost: { method: 'POST', url: api('/lost') }, noShow: { method: 'POST', url: api('/no-show') } };
  const data = {
    ...base, customer: contact, interest, score: notice.score,
    ...(offered ? { offer: { expiresAt: notice.offerExpiresAt?.toISOString() ?? null } } : {}),
    ...(appointment ? { appointment: appointmentOf(notice) } : {}),
    actions,
  };
  const name = [contact.firstName, contact.lastName].filter(Boolean).join(' ') || 'The customer';
  const email = appointment
    ? text(`Service appointment requested: ${notice.journeyId}`, [
      `${name} asks for a service appointment (${notice.reason}) from ${appointmentOf(notice).preferredDate}.`,
      `Please call them back by ${appointmentOf(notice).callBackBy}: ${[contact.phone, contact.email].filter(Boolean).join(', ')}.`,
    ])
    : offered
    ? {
      subject: `New lead${interest.model ? `: ${interest.model}` : ''} (${notice.journeyId})`,
      text: adfDocument({
        prospectId: notice.journeyId, requestDate: interest.receivedAt ?? timestamp,
        interest, contact, vendor: { id: dealer.id, name: dealer.name }, provider: { name: context.oemName, service: 'lead-to-loyalty' },
      }),
    }
    : text(`Customer assigned to you: ${notice.journeyId}`, [`${name} is now with your sales team.`]);
  return { event: { type: kind, timestamp, data }, email };
}

/** A service request's day and the call-back's deadline (the journey's SLA from when it was asked). */
function appointmentOf(notice: DealerNotice) {
  return {
    reason: notice.reason, preferredDate: notice.preferredDate?.toISOString().slice(0, 10) ?? null,
    callBackBy: new Date(notice.occurredAt.getTime() + SERVICE_APPOINTMENT_SLA_MS).toISOString(),
  };
}
