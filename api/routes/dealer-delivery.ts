// How dealers are told of hand-offs, and what became of each notice. The OEM or the dealer
// itself sets the channels; the signing secret is shown once (on creation and rotation);
// ops redeliver what failed once the receiver is fixed.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEALER_NOTICE_KINDS, DELIVERY_CHANNELS } from '../../domain/dealer-notices.js';
import { refusedUrl, type TargetPolicy } from '../../delivery/targets.js';
import { newSigningSecret } from '../../delivery/webhooks.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { RouteAccess } from '../../domain/access.js';
import type { PrismaClient } from '../../platform/db.js';
import { email } from '../../platform/validation.js';
import { Problem, sendNotFound, sendProblem } from '../problems.js';
import { DealerId } from './dealers.js';

/** HTTPS to a public address (plain HTTP and loopback only in development), no credentials (delivery/targets.ts). */
export const webhookUrl = (targets: TargetPolicy) =>
  z
    .string()
    .trim()
    .max(2000)
    .pipe(z.url({ protocol: /^https?$/, error: 'an absolute http(s) URL' }))
    .superRefine((raw, ctx) => {
      // Zod runs this even when the URL check above failed: nothing more to say then.
      if (!URL.canParse(raw)) return;
      const url = new URL(raw);
      if (url.username || url.password) return ctx.addIssue({ code: 'custom', message: 'no user name or password in the URL (requests are signed instead)' });
      const refused = refusedUrl(url, targets);
      if (refused) ctx.addIssue({ code: 'custom', message: refused });
    })
    .meta({ format: 'uri', maxLength: 2000 });

export const deliverySettingsBody = (targets: TargetPolicy) => z
  .strictObject({
    webhookUrl: webhookUrl(targets).nullable().describe('Where signed events are POSTed; null: no webhook'),
    adfEmail: email().nullable().describe("The lead inbox of the dealer's CRM: offers arrive as ADF/XML; null: no e-mail"),
  })
  .meta({ id: 'DealerDeliverySettings' });
export type DeliverySettings = z.infer<ReturnType<typeof deliverySettingsBody>>;

const DeliverySettingsView = z
  .object({
    dealerId: z.string(),
    webhook: z.object({ url: z.string(), secretCreatedAt: z.string(), previousSecretValidUntil: z.string().nullable() }).nullable(),
    adfEmail: z.string().nullable(),
    /** Only in the answer that created or rotated it. */
    webhookSecret: z.string().optional().describe('The signing secret (whsec_…): shown once, when created or rotated'),
  })
  .meta({ id: 'DealerDeliverySettingsView' });

const Rotation = z.strictObject({
  graceHours: z.coerce.number().int().min(0).max(168).default(24).describe('How long the previous secret still signs (both sign meanwhile)'),
});

const DeliveryView = z
  .object({
    deliveryId: z.string(), eventId: z.string(), event: z.enum(DEALER_NOTICE_KINDS), dealerId: z.string(), customerId: z.string().nullable(), journeyId: z.string().nullable(),
    importId: z.string().nullable().describe('customers.imported: the onboarding import the summary is of (no journey or customer)'),
    reason: z.string().nullable(), channel: z.enum(DELIVERY_CHANNELS), status: z.enum(['PENDING', 'DELIVERED', 'FAILED', 'SUPERSEDED']),
    detail: z.string().nullable(), occurredAt: z.string(), deliveredAt: z.string().nullable(), redeliveries: z.number().int(),
    attempts: z.array(z.object({
      attempt: z.number().int(), target: z.string(), outcome: z.enum(['DELIVERED', 'FAILED']), statusCode: z.number().int().nullable(),
      error: z.string().nullable(), durationMs: z.number().int(), at: z.string(),
    })),
  })
  .meta({ id: 'DealerDelivery' });

const DeliveryQuery = z.strictObject({
  status: z.enum(['PENDING', 'DELIVERED', 'FAILED', 'SUPERSEDED']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

type DeliveryRow = Prisma.DealerDeliveryGetPayload<{ include: { notice: true; attemptLog: true } }>;
const iso = (d: Date | null) => d?.toISOString() ?? null;
const deliveryView = (d: DeliveryRow): z.infer<typeof DeliveryView> => ({
  deliveryId: d.id, eventId: d.noticeId, event: d.notice.kind as z.infer<typeof DeliveryView>['event'], dealerId: d.dealerId,
  customerId: d.notice.customerId, journeyId: d.notice.journeyId, importId: d.notice.importId, reason: d.notice.reason, channel: d.channel as z.infer<typeof DeliveryView>['channel'],
  status: d.status as z.infer<typeof DeliveryView>['status'], detail: d.detail, occurredAt: d.notice.occurredAt.toISOString(), deliveredAt: iso(d.deliveredAt),
  redeliveries: d.redeliveries,
  attempts: d.attemptLog.sort((a, b) => a.attempt - b.attempt).map((a) => ({
    attempt: a.attempt, target: a.target, outcome: a.outcome as 'DELIVERED' | 'FAILED', statusCode: a.statusCode, error: a.error, durationMs: a.durationMs, at: a.at.toISOString(),
  })),
});

/**
 * Sets a dealer's channels. The first time a webhook is set it gets a signing secret (the
 * answer's `secret`, shown once); changing the URL keeps it; removing the webhook drops it.
 */
export async function saveDeliverySettings(db: PrismaClient, dealerId: string, { webhookUrl: url, adfEmail }: DeliverySettings) {
  const before = await db.dealerDeliverySettings.findUnique({ where: { dealerId } });
  const secret = url && !before?.webhookSecret ? newSigningSecret() : undefined;
  // No webhook, no secret: setting one again later shows a fresh secret, once.
  const secretFields = secret
    ? { webhookSecret: secret, webhookSecretCreatedAt: new Date() }
    : url ? {} : { webhookSecret: null, webhookSecretCreatedAt: null, previousWebhookSecret: null, previousSecretExpiresAt: null };
  const saved = await db.dealerDeliverySettings.upsert({
    where: { dealerId },
    create: { dealerId, webhookUrl: url, adfEmail, ...secretFields },
    update: { webhookUrl: url, adfEmail, ...secretFields },
  });
  return { saved, secret };
}

/** A new signing secret (shown once); the previous one keeps signing for the grace period. */
export async function rotateSigningSecret(db: PrismaClient, dealerId: string, previous: string, graceHours: number) {
  const secret = newSigningSecret();
  const saved = await db.dealerDeliverySettings.update({
    where: { dealerId },
    data: {
      webhookSecret: secret, webhookSecretCreatedAt: new Date(),
      previousWebhookSecret: graceHours > 0 ? previous : null,
      previousSecretExpiresAt: graceHours > 0 ? new Date(Date.now() + graceHours * 3_600_000) : null,
    },
  });
  return { saved, secret };
}

/** Who sets a dealer's channels and rotates its secret: the OEM, or the dealer itself (the workspace's settings page too). */
export const DELIVERY_SETTERS: RouteAccess = { roles: ['OEM', 'DEALER'], dealerParam: 'id' };

export interface DealerDeliveryRouteDeps {
  db: PrismaClient;
  /** Starts a delivery's workflow again (ops' redelivery). */
  startDelivery: (deliveryId: string, redelivery: number) => Promise<void>;
  /** Which webhook addresses are allowed (loopback in development only). */
  targets: TargetPolicy;
}

export const dealerDeliveryRoutes = ({ db, startDelivery, targets }: DealerDeliveryRouteDeps): FastifyPluginAsyncZod => async (app) => {
  const DeliverySettingsBody = deliverySettingsBody(targets);
  const DealerParams = z.object({ id: DealerId });
  const settingsView = (dealerId: string, s: Awaited<ReturnType<typeof db.dealerDeliverySettings.findUnique>>, secret?: string): z.infer<typeof DeliverySettingsView> => ({
    dealerId,
    webhook: s?.webhookUrl
      ? { url: s.webhookUrl, secretCreatedAt: s.webhookSecretCreatedAt!.toISOString(), previousSecretValidUntil: s.previousSecretExpiresAt && s.previousSecretExpiresAt > new Date() ? s.previousSecretExpiresAt.toISOString() : null }
      : null,
    adfEmail: s?.adfEmail ?? null,
    ...(secret ? { webhookSecret: secret } : {}),
  });
  const dealerExists = async (id: string) => !!(await db.dealer.findUnique({ where: { id }, select: { id: true } }));

  app.get('/v1/dealers/:id/delivery', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'], dealerParam: 'id' } },
    schema: { tags: ['dealer delivery'], summary: 'How the dealer is told of hand-offs (never the secret)', params: DealerParams, response: { 200: DeliverySettingsView, 404: Problem } },
  }, async (request, reply) => {
    const { id } = request.params;
    if (!(await dealerExists(id))) return sendNotFound(reply, 'dealer', id);
    return reply.send(settingsView(id, await db.dealerDeliverySettings.findUnique({ where: { dealerId: id } })));
  });

  app.put('/v1/dealers/:id/delivery', {
    config: { access: DELIVERY_SETTERS },
    bodyLimit: 16 * 1024,
    schema: {
      tags: ['dealer delivery'], summary: 'Set the channels: a webhook, ADF e-mail into the CRM, both, or neither (the dealer polls the API)',
      description: 'The first time a webhook is set, the answer carries its signing secret (shown once). Changing the URL keeps the secret; removing the webhook drops it.',
      params: DealerParams, body: DeliverySettingsBody, response: { 200: DeliverySettingsView, 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    if (!(await dealerExists(id))) return sendNotFound(reply, 'dealer', id);
    const { saved, secret } = await saveDeliverySettings(db, id, request.body);
    return reply.send(settingsView(id, saved, secret));
  });

  app.post('/v1/dealers/:id/delivery/webhook-secret', {
    config: { access: DELIVERY_SETTERS },
    schema: {
      tags: ['dealer delivery'], summary: 'Rotate the signing secret: the new one is shown once; the previous one keeps signing for the grace period',
      params: DealerParams, querystring: Rotation, response: { 201: DeliverySettingsView, 400: Problem, 404: Problem, 409: Problem },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const { graceHours } = request.query;
    if (!(await dealerExists(id))) return sendNotFound(reply, 'dealer', id);
    const before = await db.dealerDeliverySettings.findUnique({ where: { dealerId: id } });
    if (!before?.webhookUrl || !before.webhookSecret) {
      return sendProblem(reply, { type: 'no-webhook', title: 'No webhook to rotate a secret for', status: 409, detail: `dealer ${id} has no webhook; PUT /v1/dealers/${id}/delivery sets one` });
    }
    const { saved, secret } = await rotateSigningSecret(db, id, before.webhookSecret, graceHours);
    return reply.status(201).send(settingsView(id, saved, secret));
  });

  const listDeliveries = (dealerId: string, query: z.infer<typeof DeliveryQuery>) =>
    db.dealerDelivery.findMany({
      where: { dealerId, ...(query.status ? { status: query.status } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: query.limit, include: { notice: true, attemptLog: true },
    });

  app.get('/v1/dealer/deliveries', {
    config: { access: { roles: ['DEALER'] } },
    schema: {
      tags: ['dealer delivery'], summary: 'What was sent to your dealership, newest first, with every attempt',
      querystring: DeliveryQuery, response: { 200: z.object({ items: z.array(DeliveryView) }), 400: Problem },
    },
  }, async (request, reply) => reply.send({ items: (await listDeliveries(request.principal!.dealerId!, request.query)).map(deliveryView) }));

  app.get('/v1/dealers/:id/deliveries', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['dealer delivery'], summary: "What was sent to a dealer, newest first, with every attempt",
      params: DealerParams, querystring: DeliveryQuery, response: { 200: z.object({ items: z.array(DeliveryView) }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    if (!(await dealerExists(id))) return sendNotFound(reply, 'dealer', id);
    return reply.send({ items: (await listDeliveries(id, request.query)).map(deliveryView) });
  });

  app.post('/v1/dealers/:id/deliveries/:deliveryId/redeliver', {
    config: { access: { roles: ['OPS'] } },
    schema: {
      tags: ['dealer delivery'], summary: 'Send a failed (or delivered) notice again, with the same event id; the receiver drops repeats by it',
      description: 'An offer or assignment that is over by now is not sent again (its personal data is no longer the dealer\'s): the delivery ends SUPERSEDED.',
      params: DealerParams.extend({ deliveryId: z.uuid() }),
      response: { 202: DeliveryView, 400: Problem, 404: Problem, 409: Problem },
    },
  }, async (request, reply) => {
    const { id, deliveryId } = request.params;
    const found = await db.dealerDelivery.findFirst({ where: { id: deliveryId, dealerId: id } });
    if (!found) return sendNotFound(reply, 'delivery', deliveryId);
    // Only one run at a time: the status flips from a final one to PENDING exactly once per redelivery.
    const claimed = await db.dealerDelivery.updateMany({
      where: { id: deliveryId, status: { not: 'PENDING' }, redeliveries: found.redeliveries },
      data: { status: 'PENDING', detail: `redelivery requested by ops:${request.principal!.name}`, redeliveries: { increment: 1 } },
    });
    if (claimed.count === 0) {
      return sendProblem(reply, { type: 'delivery-in-progress', title: 'The delivery is still being attempted', status: 409, detail: `delivery ${deliveryId} is PENDING; wait for it to finish or fail` });
    }
    try {
      await startDelivery(deliveryId, found.redeliveries + 1);
    } catch (error) {
      // Temporal unreachable: nothing half-done, the caller retries (503 from the error handler).
      await db.dealerDelivery.update({ where: { id: deliveryId }, data: { status: found.status, detail: found.detail, redeliveries: found.redeliveries } });
      throw error;
    }
    const row = await db.dealerDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { notice: true, attemptLog: true } });
    return reply.status(202).send(deliveryView(row));
  });
};
