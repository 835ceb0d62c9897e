import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { DealerNotice as Notice, DeliveryChannel } from '../domain/dealer-notices.js';
import { noticeContent, type NoticeContext } from '../delivery/notices.js';
import { postWebhook } from '../delivery/webhooks.js';
import { webhookAgent, type TargetPolicy } from '../delivery/targets.js';
import { logTransport, type MessageTransport } from '../communications/transports.js';
import type pg from 'pg';
import type { PrismaClient } from '../platform/db.js';
import { deliveryStarter } from '../delivery/start.js';
import type { DeliverySchedule } from '../workflows/definitions.js';
import { brandCatalog } from '../communications/brands.js';

export interface DealerDeliveryDeps {
  db: PrismaClient;
  /** Starts each delivery's workflow. Every worker process has it; only the time-skipping tests run without (notices recorded, nothing sent). */
  temporal?: Client;
  taskQueue?: string;
  delivery?: Partial<NoticeContext> & {
    schedule?: DeliverySchedule; webhookTimeoutMs?: number; email?: MessageTransport; fromAddress?: string;
    /** Which webhook addresses may be reached: loopback only in development (closed when not given). */
    targets?: TargetPolicy;
  };
  log?: Logger;
}

/** A stable id from a stable key: a retried activity finds the rows it wrote. */
const stableId = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);
const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
export const noticeIdFor = (key: string) => `evt_${stableId(key)}`;
export const deliveryIdFor = (noticeId: string, channel: DeliveryChannel) => asUuid(stableId(`${noticeId}:${channel}`));

export interface NotifyDealersInput {
  keyPrefix: string;
  journeyId: string;
  customerId: string;
  score: number | null;
  at: string;
  notices: Notice[];
}

/**
 * What the journey tells dealers, in the caller's transaction: each notice, and a delivery per
 * channel its dealer has. Returns the deliveries to start once that transaction has committed.
 */
export async function recordNoticesWithin(sql: pg.ClientBase, input: NotifyDealersInput): Promise<string[]> {
  const notices = input.notices.map((n, i) => ({ ...n, key: `${input.keyPrefix}:${i}`, id: noticeIdFor(`${input.keyPrefix}:${i}`) }));
  for (const n of notices) {
    await sql.query({
      name: 'record-dealer-notice',
      text: `INSERT INTO dealer_notice (id, key, dealer_id, journey_id, customer_id, kind, reason, offer_expires_at, preferred_date, score, occurred_at)
             VALUES ($1, $2, $3, $4, $5::uuid, $6, $7, $8, $9::date, $10, $11) ON CONFLICT DO NOTHING`,
      values: [n.id, n.key, n.dealerId, input.journeyId, input.customerId, n.kind, n.reason ?? null, n.offerExpiresAt ?? null, n.preferredDate ?? null, input.score, input.at],
    });
  }
  return recordDeliveriesWithin(sql, notices);
}

/** A delivery per channel each notice's dealer has (its webhook, its ADF inbox); the ids to start. */
async function recordDeliveriesWithin(sql: pg.ClientBase, notices: readonly { id: string; dealerId: string }[]): Promise<string[]> {
  if (notices.length === 0) return [];
  const settings = await sql.query<{ dealer_id: string; webhook: boolean; adf: boolean }>({
    name: 'notice-delivery-channels',
    text: `SELECT dealer_id, webhook_url IS NOT NULL AS webhook, adf_email IS NOT NULL AS adf
           FROM dealer_delivery_settings WHERE dealer_id = ANY($1::text[])`,
    values: [[...new Set(notices.map((n) => n.dealerId))]],
  });
  const deliveries: string[] = [];
  for (const n of notices) {
    const s = settings.rows.find((x) => x.dealer_id === n.dealerId);
    const channels: DeliveryChannel[] = [...(s?.webhook ? ['WEBHOOK' as const] : []), ...(s?.adf ? ['ADF_EMAIL' as const] : [])];
    for (const channel of channels) {
      const id = deliveryIdFor(n.id, channel);
      await sql.query({
        name: 'record-dealer-delivery',
        text: `INSERT INTO dealer_delivery (id, notice_id, dealer_id, channel, updated_at) VALUES ($1::uuid, $2, $3, $4, now()) ON CONFLICT DO NOTHING`,
        values: [id, n.id, n.dealerId, channel],
      });
      deliveries.push(id);
    }
  }
  return deliveries;
}

/**
 * Each dealer's summary of an onboarding import (customer_import_dealer_summary) as a notice with a
 * delivery per channel the dealer has, in the caller's transaction; once per import and dealer
 * (the notice's key). Returns the deliveries to start once that transaction has committed.
 */
export async function recordImportSummaryNoticesWithin(sql: pg.ClientBase, importId: string, at: string): Promise<string[]> {
  const { rows } = await sql.query<{ dealer_id: string }>('SELECT dealer_id FROM customer_import_dealer_summary WHERE import_id = $1::uuid ORDER BY dealer_id', [importId]);
  const notices = rows.map((r) => ({ key: `customers-imported:${importId}:${r.dealer_id}`, dealerId: r.dealer_id }))
    .map((n) => ({ ...n, id: noticeIdFor(n.key) }));
  for (const n of notices) {
    await sql.query(`INSERT INTO dealer_notice (id, key, dealer_id, import_id, kind, occurred_at) VALUES ($1, $2, $3, $4::uuid, 'customers.imported', $5) ON CONFLICT DO NOTHING`,
      [n.id, n.key, n.dealerId, importId, at]);
  }
  return recordDeliveriesWithin(sql, notices);
}

/**
 * Starts the delivery workflows of notices just committed. Without a Temporal client (the
 * time-skipping tests only) the notices are recorded and nothing is sent.
 */
export function deliveriesStarter({ temporal, taskQueue, delivery = {} }: Pick<DealerDeliveryDeps, 'temporal' | 'taskQueue' | 'delivery'>) {
  const startDelivery = temporal ? deliveryStarter(temporal, taskQueue, delivery.schedule) : async () => {};
  return (deliveryIds: readonly string[]) => Promise.all(deliveryIds.map((id) => startDelivery(id)));
}

/** Telling dealers: the journey records notices; a dealerDelivery workflow per channel sends each. */
export function createDealerDeliveryActivities({ db, delivery = {}, log = pino({ level: 'silent' }) }: DealerDeliveryDeps) {
  const brands = brandCatalog(db);
  const defaults: NoticeContext = { publicApiUrl: delivery.publicApiUrl ?? 'http://127.0.0.1:3000', oemName: delivery.oemName ?? 'Lead-to-loyalty' };
  const email = delivery.email ?? logTransport(log);

  const targetPolicy = delivery.targets ?? { allowLoopback: false };
  const webhooks = { policy: targetPolicy, agent: webhookAgent(targetPolicy) };

  return {
    /** One attempt; a receiver that does not take it (non-2xx, no answer) fails the attempt, and Temporal retries. */
    async attemptDelivery({ deliveryId }: { deliveryId: string }): Promise<string> {
      const found = await db.dealerDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { notice: true } });
      if (found.status !== 'PENDING') return found.status;
      const settings = await db.dealerDeliverySettings.findUnique({ where: { dealerId: found.dealerId } });
      const target = found.channel === 'WEBHOOK' ? settings?.webhookUrl : settings?.adfEmail;
      const supersede = async (detail: string) => {
        await db.dealerDelivery.update({ where: { id: deliveryId }, data: { status: 'SUPERSEDED', detail } });
        return 'SUPERSEDED';
      };
      if (!target) return supersede(`the dealer no longer has a ${found.channel === 'WEBHOOK' ? 'webhook' : 'CRM e-mail address'}`);
      // ADF's <provider> and the e-mail's sender: the dealer's brand, as customers know it.
      const context: NoticeContext = { ...defaults, oemName: (await brands.forDealer(found.dealerId))?.name ?? defaults.oemName };
      const content = await noticeContent(db, found.notice, context);
      if ('superseded' in content) return supersede(content.superseded);

      const { attempts: attempt } = await db.dealerDelivery.update({ where: { id: deliveryId }, data: { attempts: { increment: 1 } } });
      const started = Date.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      let refused = false;
      if (found.channel === 'WEBHOOK') {
        const secrets = [settings!.webhookSecret, settings!.previousSecretExpiresAt && settings!.previousSecretExpiresAt > new Date() ? settings!.previousWebhookSecret : null]
          .filter((s): s is string => !!s);
        const answer = await postWebhook(target, found.noticeId, JSON.stringify(content.event), secrets, delivery.webhookTimeoutMs ?? 10_000, webhooks);
        ({ statusCode, error } = answer);
        // Ops read why in the log; the dealer sees only that the address is not allowed.
        refused = answer.refusedBecause !== undefined;
        if (refused) log.warn({ deliveryId, dealerId: found.dealerId, why: answer.refusedBecause }, 'webhook target refused');
        if (statusCode !== null && (statusCode < 200 || statusCode > 299)) error = `the receiver answered ${statusCode}`;
      } else {
        try {
          await email.send({
            communicationId: deliveryId, channel: 'EMAIL', to: target, from: `${context.oemName} <${delivery.fromAddress ?? 'leads@lead-to-loyalty.dev'}>`,
            subject: content.email.subject, text: content.email.text,
          });
        } catch (e) {
          error = (e as Error).message;
        }
      }
      const delivered = error === null;
      Context.current().metricMeter.createCounter('l2l_dealer_delivery_attempts', 'attempts', 'Attempts to deliver a notice to a dealer, by channel and outcome')
        .add(1, { channel: found.channel, outcome: delivered ? 'DELIVERED' : 'FAILED' });
      await db.$transaction([
        db.dealerDeliveryAttempt.create({
          data: { deliveryId, attempt, target, outcome: delivered ? 'DELIVERED' : 'FAILED', statusCode, error, durationMs: refused ? 0 : Date.now() - started, at: new Date(started) },
        }),
        ...(delivered ? [db.dealerDelivery.update({ where: { id: deliveryId }, data: { status: 'DELIVERED', deliveredAt: new Date(), detail: null } })] : []),
      ]);
      if (!delivered) throw ApplicationFailure.retryable(error!, 'DeliveryFailed');
      log.info({ deliveryId, channel: found.channel, kind: found.notice.kind, attempt }, 'notice delivered to dealer');
      return 'DELIVERED';
    },

    /** Gave up: the delivery is FAILED and ops get a task to look at it (and redeliver once the receiver is fixed). */
    async markDeliveryFailed({ deliveryId }: { deliveryId: string }): Promise<void> {
      const found = await db.dealerDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { notice: true, attemptLog: { orderBy: { attempt: 'desc' }, take: 1 } } });
      if (found.status !== 'PENDING') return;
      const last = found.attemptLog[0];
      const detail = `${found.channel} delivery of ${found.notice.kind} to ${found.dealerId} failed after ${found.attempts} attempts${last?.error ? `: ${last.error}` : ''}`;
      await db.$transaction([
        db.dealerDelivery.update({ where: { id: deliveryId }, data: { status: 'FAILED', detail } }),
        db.journeyTask.createMany({
          // An import's summary has no journey: the task names the import.
          data: [{ key: `delivery-failed:${deliveryId}:${found.redeliveries}`, journeyId: found.notice.journeyId ?? `customer-import:${found.notice.importId}`, assignee: 'OPS', kind: 'DELIVERY_FAILED', detail, dueAt: new Date() }],
          skipDuplicates: true,
        }),
      ]);
      log.warn({ deliveryId, dealerId: found.dealerId }, detail);
    },
  };
}
