import { Context } from '@temporalio/activity';
import { pino, type Logger } from 'pino';
import { consentLinks as makeConsentLinks, partsOf, type ConsentLinks } from '../consent/links.js';
import { storeCommunicationRequest } from '../communications/requests.js';
import { consentPurposeOf, type ConsentKey } from '../domain/consent.js';
import { DEV_CONSENT_LINK_SECRET } from '../platform/config.js';
import { SEND_ATTEMPTS, type Channel, type CommunicationDecision, type CommunicationRequest } from '../domain/messages.js';
import type pg from 'pg';
import type { CommunicationDecisionRecord } from '../domain/journey-records.js';
import { inTransaction, sqlPoolOf, type PrismaClient } from '../platform/db.js';
import { renderMessage, TEMPLATES } from '../communications/templates.js';
import { brandCatalog } from '../communications/brands.js';
import { languageOf, legalFooterOf, templateText, type Brand } from '../domain/brands.js';
import { campaignTemplates, parseCampaignTemplateId, renderCampaignMessage } from '../campaigns/templates.js';
import { logTransport, type MessageTransports } from '../communications/transports.js';

export interface CommunicationDeps {
  db: PrismaClient;
  /** Where messages go; the log when not given. */
  transports?: MessageTransports;
  /** Sender address and name for OEM messages. */
  oemSender?: { address: string; name: string };
  log?: Logger;
  /** Links the journey's own surveys and service reminders carry. */
  journeyMessageLinks?: { serviceBookingUrl: string };
  /** Signs the confirmation and unsubscribe links; the dev secret and local API when not given. */
  consentLinks?: ConsentLinks;
}

export type { CommunicationDecisionRecord } from '../domain/journey-records.js';

/** The journey's decision on a message: logged, and the message's status, in the caller's transaction. */
export async function recordDecisionWithin(sql: pg.ClientBase, { key, communicationId, decision, at, recipientId }: CommunicationDecisionRecord): Promise<void> {
  const until = decision.decision === 'DEFERRED' ? decision.until : null;
  const reason = decision.decision === 'ALLOWED' ? null : decision.reason;
  await sql.query({
    name: 'record-decision-log',
    text: `INSERT INTO communication_log (key, communication_id, kind, decision, reason, until, at, detail)
           VALUES ($1, $2::uuid, 'DECISION', $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
    values: [`${key}:${communicationId}`, communicationId, decision.decision, reason, until, at, detailOf(decision)],
  });
  // A send may already have completed (it runs beside the journey): never undo SENT.
  await sql.query({
    name: 'record-decision-status',
    text: `UPDATE communication SET status = $2, reason = $3, deferred_until = $4, on_behalf_of = $5, recipient_id = COALESCE($6::uuid, recipient_id), updated_at = now()
           WHERE id = $1::uuid AND status NOT IN ('SENT', 'FAILED')`,
    values: [communicationId, decision.decision, reason, until, decision.decision === 'ALLOWED' ? decision.onBehalfOf ?? null : null, recipientId ?? null],
  });
}

/** The journey's decisions and the sending of allowed messages, with a log of both. */
export function createCommunicationActivities({
  db, transports, oemSender = { address: 'no-reply@lead-to-loyalty.dev', name: 'Lead-to-loyalty' }, log = pino({ level: 'silent' }),
  journeyMessageLinks = { serviceBookingUrl: 'https://service.lead-to-loyalty.dev/book' },
  consentLinks = makeConsentLinks({ secret: DEV_CONSENT_LINK_SECRET, publicApiUrl: 'http://127.0.0.1:3000' }),
}: CommunicationDeps) {
  const out = transports ?? { email: logTransport(log), other: logTransport(log) };
  const pool = sqlPoolOf(db);
  const templateOfCampaign = campaignTemplates(db);
  const brands = brandCatalog(db);

  /**
   * Where the message goes, from the recipient's own records only: their e-mail address or phone
   * number, or for the car one of the customer's own sales — the one the journey named (a fleet
   * car), else the recipient's car (a company's driver), else the latest. Nothing a caller sends
   * (template variables) is ever an address.
   */
  async function addressOf(
    message: { channel: string; customerId: string; vehicleVin: string | null },
    recipient: { id: string; emailNormalized: string | null; phoneE164: string | null },
  ): Promise<string | null> {
    if (message.channel === 'EMAIL') return recipient.emailNormalized;
    if (message.channel !== 'IN_VEHICLE') return recipient.phoneE164;
    const cars = await db.sale.findMany({ where: { customerId: message.customerId }, orderBy: { at: 'desc' }, select: { vin: true, driverId: true } });
    if (message.vehicleVin) return cars.some((c) => c.vin === message.vehicleVin) ? message.vehicleVin : null;
    if (recipient.id !== message.customerId) return cars.find((c) => c.driverId === recipient.id)?.vin ?? null;
    return cars[0]?.vin ?? null;
  }

  /** A built-in template's words as the brand writes them in the language (its default's when missing: logged), else the built-in. */
  function wordsFor(brand: Brand | null, language: string, templateId: string) {
    const builtIn = TEMPLATES[templateId];
    if (!builtIn) return undefined;
    const words = templateText(brand, language, templateId, builtIn);
    if (words.fellBack && brand) log.warn({ brandId: brand.brandId, language, templateId, usedLanguage: words.language }, 'no translation of the template: another language used');
    return words.value;
  }

  return {
    /**
     * Stores the journey's own survey or service reminder with its variables, before the journey
     * decides on it; `vin`: a fleet's car, whose driver it is for.
     */
    async prepareJourneyMessage({ vin, ...m }: CommunicationRequest & { customerId: string; journeyId: string; vin?: string }): Promise<void> {
      const sale = await db.sale.findFirst({ where: { customerId: m.customerId, ...(vin ? { vin } : {}) }, orderBy: { at: 'desc' } });
      const variables: Record<string, string> = m.purpose === 'SURVEY'
        // The survey's own one-question page (api/customer-page/surveys.ts): signed for this customer and this message.
        ? { surveyUrl: await consentLinks.surveyUrl(m.customerId, m.communicationId) }
        : { model: sale?.model ?? 'vehicle', bookingUrl: journeyMessageLinks.serviceBookingUrl };
      await storeCommunicationRequest(db, { ...m, requestedBy: 'journey', variables, ...(vin ? { vehicleVin: vin } : {}) });
    },

    /** Stores the double opt-in request with its signed link, before the journey decides on sending it. */
    async prepareConsentConfirmation(m: CommunicationRequest & { customerId: string; journeyId: string; key: ConsentKey; until: string; requestedAt: string }): Promise<void> {
      const { key, until, requestedAt, ...request } = m;
      const confirmUrl = await consentLinks.confirmationUrl({ customerId: m.customerId, ...partsOf(key), until, requestedAt });
      await storeCommunicationRequest(db, { ...request, requestedBy: 'journey', variables: { confirmUrl } });
    },

    async recordCommunicationDecision(record: CommunicationDecisionRecord): Promise<void> {
      await inTransaction(pool, (sql) => recordDecisionWithin(sql, record));
    },

    /** Sends an allowed message once; a transport failure is logged and retried, the last one marks it FAILED. */
    async sendCommunication({ communicationId, onBehalfOf, recipientId }: { communicationId: string; onBehalfOf: string | null; recipientId?: string }): Promise<void> {
      const { attempt } = Context.current().info;
      const message = await db.communication.findUniqueOrThrow({ where: { id: communicationId } });
      if (message.sentAt) return; // sent by an earlier attempt that did not report back
      const customer = await db.customer.findUniqueOrThrow({ where: { id: message.customerId } });
      // A company's message goes to the one of its people the journey decided it for.
      // (The journey says whom; the row learns it with the decision, which may be written after this starts.)
      const recipientOf = recipientId ?? message.recipientId;
      const recipient = recipientOf ? await db.customer.findUniqueOrThrow({ where: { id: recipientOf } }) : customer;
      const logAttempt = (outcome: string, transport: string | null, detail: string | null) =>
        db.communicationLog.createMany({
          data: [{ key: `${communicationId}:send:${attempt}`, communicationId, kind: 'SEND_ATTEMPT', outcome, transport, detail, at: new Date() }],
          skipDuplicates: true,
        });

      const to = await addressOf(message, recipient);
      if (!to) {
        await logAttempt('NO_ADDRESS', null, `no ${message.channel} address on record (changed or erased since the decision)`);
        await db.communication.update({ where: { id: communicationId }, data: { status: 'FAILED', reason: 'NO_ADDRESS' } });
        return;
      }
      const dealerId = onBehalfOf ?? message.senderDealerId;
      const dealer = dealerId ? await db.dealer.findUnique({ where: { id: dealerId } }) : null;
      // The brand that speaks to the customer (their dealer's, else the default), in the recipient's language.
      const brand = await brands.forCustomer(message.customerId);
      const language = languageOf({ language: recipient.language ?? customer.language, country: recipient.country ?? customer.country }, brand);
      const senderName = dealer?.name ?? brand?.senderName ?? oemSender.name;
      const fromAddress = brand?.senderAddress ?? oemSender.address;
      // A campaign's message: its own template in the language chosen for the customer, its variables.
      const ofCampaign = parseCampaignTemplateId(message.templateId);
      const own = { firstName: recipient.firstName ?? '', senderName };
      const { subject, text } = ofCampaign
        ? await templateOfCampaign(ofCampaign.campaignId, ofCampaign.language).then(({ template, variables }) => renderCampaignMessage(template, { ...variables, ...own }))
        : renderMessage(message.templateId, { ...(message.variables as Record<string, string>), ...own }, wordsFor(brand, language, message.templateId));
      const transport = message.channel === 'EMAIL' ? out.email : out.other;
      // Every message that rests on a consent (not transactional or legal ones) says how to withdraw it.
      const consentPurpose = consentPurposeOf(message.purpose as CommunicationRequest['purpose']);
      const unsubscribeUrl = consentPurpose
        ? await consentLinks.unsubscribeUrl({ customerId: customer.id, channel: message.channel as Channel, purpose: consentPurpose, communicationId })
        : undefined;
      const footer = legalFooterOf(brand, language);
      if (footer?.fellBack) log.warn({ brandId: brand!.brandId, language }, 'no legal footer in the customer\'s language: the brand\'s default language used');
      const signed = footer ? `${text}\n\n--\n${footer.value}` : text;
      const body = unsubscribeUrl ? `${signed}\n\n--\nNo more of these? Unsubscribe: ${unsubscribeUrl}` : signed;
      try {
        const { providerId } = await transport.send({
          communicationId, channel: message.channel as Channel, to, from: `${senderName} <${fromAddress}>`, subject, text: body,
          ...(unsubscribeUrl ? { unsubscribeUrl } : {}),
        });
        await db.$transaction([
          logAttempt('SENT', transport.name, providerId),
          db.communication.update({ where: { id: communicationId }, data: { status: 'SENT', sentAt: new Date() } }),
        ]);
      } catch (error) {
        await logAttempt('FAILED', transport.name, (error as Error).message);
        if (attempt < SEND_ATTEMPTS) throw error;
        await db.communication.update({ where: { id: communicationId }, data: { status: 'FAILED', reason: 'TRANSPORT_FAILED' } });
      }
    },
  };
}

/** What the log says beside the decision: on whose behalf, or which consent was missing. */
function detailOf(decision: CommunicationDecision): string | null {
  if (decision.decision === 'ALLOWED' && decision.onBehalfOf) return `on behalf of ${decision.onBehalfOf}`;
  if (decision.decision === 'SUPPRESSED' && decision.missingConsent) return `missing consent ${decision.missingConsent.channel}:${decision.missingConsent.purpose}`;
  return null;
}
