// The person's own data (GDPR): everything held about them as JSON (Art. 15), and erasure
// for the privacy desk (Art. 17) as the journey's own Update, so the journey ends itself and
// the records follow it. Engagement between leads comes in here too (no personal data in it).
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../domain/access.js';
import { LEGAL_REGIMES } from '../../domain/consent.js';
import { ENGAGEMENT_KINDS, ERASURE_GROUNDS, journeyIdFor, type JourneyState } from '../../domain/journey.js';
import type { PrismaClient } from '../../platform/db.js';
import { isNotFound } from '../../platform/temporal-errors.js';
import { engagementRecordedSignal, requestErasureUpdate } from '../../workflows/definitions.js';
import { Problem, sendNotFound, sendProblem } from '../problems.js';
import { customerRecords, journeyStateOf, type CustomerRecords } from '../../care/customer-records.js';

const CustomerParams = z.object({ id: z.uuid() });
const TEMPORAL_DEADLINE_MS = 10_000;

const Erasure = z
  .strictObject({
    ground: z.enum(ERASURE_GROUNDS).describe('The ground of GDPR Art. 17(1) the erasure rests on'),
    reference: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "the privacy desk's ticket, e.g. PRV-2026-0042 (letters, digits, . _ -)").optional(),
  })
  .meta({ id: 'ErasureRequest' });

const ErasureAnswer = z.object({ customerId: z.string(), stage: z.literal('ERASED'), erasedAt: z.string() });

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
const nullable = z.string().nullable();
const Owner = z.object({ owner: z.string(), dealerId: nullable });

/** Everything held about a person (GDPR Art. 15). After erasure the same shape with the personal fields empty. */
const CustomerExport = z
  .object({
    customerId: z.string(), exportedAt: z.string(), erased: z.boolean(),
    contact: z.object({ firstName: nullable, lastName: nullable, email: nullable, phone: nullable, postalCode: nullable, country: nullable, since: z.string() }),
    leads: z.array(z.object({
      leadId: z.string(), source: z.string(), campaign: nullable, event: nullable, interestModel: nullable, timeframe: nullable, message: nullable,
      preferredDealerId: nullable, receivedAt: z.string(),
    })),
    journey: z.object({ journeyId: z.string(), stage: z.string(), owner: z.string(), dealerId: nullable, startedAt: z.string(), stageChangedAt: z.string() }).nullable(),
    consent: z.object({
      optedOut: z.boolean(), withdrawnChannels: z.array(z.string()),
      regime: z.enum(LEGAL_REGIMES).describe('The marketing law of the customer\'s country'),
      granted: z.array(z.string()).describe('In force, e.g. EMAIL:MARKETING'), refused: z.array(z.string()),
      awaitingConfirmation: z.array(z.object({ consent: z.string(), until: z.string() })),
    }).nullable().describe("As the journey knows it; null when the journey cannot be asked"),
    consentRecords: z.array(z.object({
      channel: z.string(), purpose: z.string(), granted: z.boolean(), wordingId: z.string(), method: z.string(), capturedAt: z.string(),
      ip: nullable, userAgent: nullable, leadId: nullable, communicationId: nullable.describe('The message whose unsubscribe link was used'), recordedAt: z.string(),
    })).describe('Consents as given, with their proof, oldest first'),
    serviceVisits: z.number().int().nullable(),
    communications: z.array(z.object({
      communicationId: z.string(), sender: z.object({ kind: z.string(), dealerId: nullable }), purpose: z.string(), channel: z.string(), templateId: z.string(),
      variables: z.unknown(), status: z.string(), reason: nullable, sentAt: nullable, createdAt: z.string(),
      log: z.array(z.object({ kind: z.string(), decision: nullable, reason: nullable, outcome: nullable, transport: nullable, at: z.string() })),
    })),
    ownership: z.array(z.object({ from: Owner.nullable(), to: Owner, reason: z.string(), actor: z.string(), at: z.string() })),
    handoffs: z.array(z.object({ dealerId: z.string(), kind: z.string(), reason: nullable, at: z.string() })),
    dealerNotices: z.array(z.object({ dealerId: z.string(), kind: z.string(), reason: nullable, occurredAt: z.string() })),
    sales: z.array(z.object({ dealerId: z.string(), vin: z.string(), model: z.string(), soldOn: z.string(), price: z.number().nullable(), at: z.string() })),
    tasks: z.array(z.object({ assignee: z.string(), kind: z.string(), detail: nullable, status: z.string(), dueAt: z.string() })),
  })
  .meta({ id: 'CustomerExport' });

export const privacyRoutes = ({ db, temporal }: { db: PrismaClient; temporal: Client }): FastifyPluginAsyncZod => async (app) => {
  /** The erasure as the read model has it, once the journey recorded it. */
  const erasedAt = async (customerId: string) => {
    const journey = await db.journey.findUnique({ where: { customerId }, select: { stage: true, stageChangedAt: true } });
    return journey?.stage === 'ERASED' ? journey.stageChangedAt.toISOString() : null;
  };

  app.post('/v1/customers/:id/erasure', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    bodyLimit: 4 * 1024,
    schema: {
      tags: ['privacy'],
      summary: "Erase the customer's personal data: the journey ends, ids and the ledger stay (pseudonymous); repeats answer the same",
      description: 'The journey withdraws an open offer (the dealer is told), suppresses waiting messages, records the erasure on the ownership ledger with the ground, and erases contact details, lead messages and message variables.',
      params: CustomerParams, body: Erasure,
      response: { 202: ErasureAnswer, 400: Problem, 404: Problem, 409: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    if (!(await db.customer.findUnique({ where: { id }, select: { id: true } }))) return sendNotFound(reply, 'customer', id);
    const done = await erasedAt(id);
    if (done) return reply.status(202).send({ customerId: id, stage: 'ERASED' as const, erasedAt: done });
    try {
      const state = await temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
        temporal.workflow.getHandle(journeyIdFor(id)).executeUpdate(requestErasureUpdate, {
          args: [{ ...request.body, actor: actorOf(request.principal!) }],
        }));
      return reply.status(202).send({ customerId: id, stage: 'ERASED' as const, erasedAt: state.stageChangedAt });
    } catch (error) {
      // Erased meanwhile by another request (the journey has ended): the same answer.
      const meanwhile = await erasedAt(id);
      if (meanwhile) return reply.status(202).send({ customerId: id, stage: 'ERASED' as const, erasedAt: meanwhile });
      if (error instanceof WorkflowUpdateFailedError) {
        return sendProblem(reply, { type: 'journey-refused', title: 'The journey refused the erasure', status: 409, detail: error.cause?.message ?? error.message });
      }
      if (isNotFound(error)) return sendProblem(reply, { type: 'no-journey', title: 'The customer has no journey', status: 409, detail: 'no running journey to erase the customer from' });
      throw error;
    }
  });

  app.get('/v1/customers/:id/export', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['privacy'],
      summary: 'Everything held about the customer, as JSON (GDPR Art. 15); after erasure only the pseudonymous remainder',
      params: CustomerParams,
      response: { 200: CustomerExport, 400: Problem, 404: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const records = await customerRecords(db, id);
    if (!records) return sendNotFound(reply, 'customer', id);
    return reply.send(await exportOf(temporal, records));
  });

  app.post('/v1/customers/:id/engagements', {
    config: { access: { roles: ['OEM'] } },
    bodyLimit: 1024,
    schema: {
      tags: ['customers'],
      summary: "Interest between leads from the OEM's website or apps (a configurator session, a brochure): re-scores a nurtured customer",
      params: CustomerParams,
      body: z.strictObject({ kind: z.enum(ENGAGEMENT_KINDS) }).meta({ id: 'Engagement' }),
      response: { 202: z.object({ customerId: z.string() }), 400: Problem, 404: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    try {
      await temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () => temporal.workflow.getHandle(journeyIdFor(id)).signal(engagementRecordedSignal, request.body));
    } catch (error) {
      if (isNotFound(error)) return sendNotFound(reply, 'customer', id);
      throw error;
    }
    return reply.status(202).send({ customerId: id });
  });
};

/**
 * The export of a customer's records with consent and service as the journey knows them (it is the
 * authority); none once it has ended. A journey that does not answer is a 503, unless `tolerateOutage`
 * (the customer's own download: their records without the journey's word).
 */
export async function exportOf(temporal: Client, records: CustomerRecords, tolerateOutage = false) {
  let state: JourneyState | null = null;
  try {
    state = await journeyStateOf(temporal, records.journeyId, tolerateOutage);
  } catch (error) {
    if (records.journey?.stage !== 'ERASED') throw error;
  }
  return customerExport(records, state);
}

/** Everything held about the person (GDPR Art. 15), from their records and the journey's state (null: it cannot be asked). */
export function customerExport(records: CustomerRecords, state: JourneyState | null): z.infer<typeof CustomerExport> {
  const { customer, journeyId, journey, leads, communications, ownership, handoffs, notices, sales, tasks, consents } = records;
  const id = customer.id;
  return {
    customerId: id,
    exportedAt: new Date().toISOString(),
    erased: journey?.stage === 'ERASED',
    contact: {
      firstName: customer.firstName, lastName: customer.lastName, email: customer.emailNormalized, phone: customer.phoneE164,
      postalCode: customer.postalCode, country: customer.country, since: customer.createdAt.toISOString(),
    },
    leads: leads.map((l) => ({
      leadId: l.id, source: l.source, campaign: l.campaign, event: l.event, interestModel: l.interestModel, timeframe: l.timeframe,
      message: l.message, preferredDealerId: l.preferredDealerId, receivedAt: l.receivedAt.toISOString(),
    })),
    journey: journey ? { journeyId, stage: journey.stage, owner: journey.owner, dealerId: journey.dealerId, startedAt: journey.startedAt.toISOString(), stageChangedAt: journey.stageChangedAt.toISOString() } : null,
    consent: state ? {
      optedOut: state.optedOut, withdrawnChannels: state.communications.withdrawn,
      regime: state.consent.regime, granted: state.consent.granted, refused: state.consent.refused,
      awaitingConfirmation: state.consent.awaitingConfirmation.map((a) => ({ consent: a.key, until: a.until })),
    } : null,
    consentRecords: consents.map((r) => ({
      channel: r.channel, purpose: r.purpose, granted: r.granted, wordingId: r.wordingId, method: r.method, capturedAt: r.capturedAt.toISOString(),
      ip: r.ip, userAgent: r.userAgent, leadId: r.leadId, communicationId: r.communicationId, recordedAt: r.recordedAt.toISOString(),
    })),
    serviceVisits: state?.serviceVisits ?? null,
    communications: communications.map((c) => ({
      communicationId: c.id, sender: { kind: c.senderKind, dealerId: c.senderDealerId }, purpose: c.purpose, channel: c.channel, templateId: c.templateId,
      variables: c.variables, status: c.status, reason: c.reason, sentAt: iso(c.sentAt), createdAt: c.createdAt.toISOString(),
      log: c.log.map((l) => ({ kind: l.kind, decision: l.decision, reason: l.reason, outcome: l.outcome, transport: l.transport, at: l.at.toISOString() })),
    })),
    ownership: ownership.map((o) => ({ from: o.fromOwner ? { owner: o.fromOwner, dealerId: o.fromDealerId } : null, to: { owner: o.toOwner, dealerId: o.toDealerId }, reason: o.reason, actor: o.actor, at: o.at.toISOString() })),
    handoffs: handoffs.map((h) => ({ dealerId: h.dealerId, kind: h.kind, reason: h.reason, at: h.at.toISOString() })),
    dealerNotices: notices.map((n) => ({ dealerId: n.dealerId, kind: n.kind, reason: n.reason, occurredAt: n.occurredAt.toISOString() })),
    sales: sales.map((s) => ({ dealerId: s.dealerId, vin: s.vin, model: s.model, soldOn: s.soldOn.toISOString().slice(0, 10), price: s.price === null ? null : Number(s.price), at: s.at.toISOString() })),
    tasks: tasks.map((t) => ({ assignee: t.assignee, kind: t.kind, detail: t.detail, status: t.status, dueAt: t.dueAt.toISOString() })),
  };
}
