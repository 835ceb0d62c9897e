// Asking to message a customer. The customer's journey decides (contact arbitration);
// the variables stay in the database, the journey only sees who, why, how and when.
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { futureInstant, NO_CONTROL_CHARACTERS } from '../../platform/validation.js';
import { CHANNELS, CONSENT_PURPOSES, DEFERRAL_REASONS, PURPOSES, SUPPRESSION_REASONS, type Sender } from '../../domain/messages.js';
import { journeyIdFor } from '../../domain/journey.js';
import { storeCommunicationRequest } from '../../communications/requests.js';
import { missingVariables, OEM_ONLY_TEMPLATES, REQUESTABLE_TEMPLATES, RESERVED_VARIABLES } from '../../communications/templates.js';
import type { PrismaClient } from '../../platform/db.js';
import { channelPreferenceChangedSignal, consentWithdrawnSignal, optedOutSignal, requestCommunicationUpdate } from '../../workflows/definitions.js';
import { runJourneyUpdate } from '../journey-updates.js';
import { isNotFound } from '../../platform/temporal-errors.js';
import { Problem, sendInvalid, sendNotFound, sendProblem } from '../problems.js';

const actOnCustomer = { param: 'id', kind: 'customerId', use: 'act' } as const;
const readCustomer = { param: 'id', kind: 'customerId', use: 'read-customer' } as const;

const CommunicationRequestBody = z
  .strictObject({
    purpose: z.enum(PURPOSES),
    channel: z.enum(CHANNELS),
    templateId: z.enum(Object.keys(REQUESTABLE_TEMPLATES) as [string, ...string[]]),
    variables: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,40}$/), z.string().max(2000).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters')).refine((v) => Object.keys(v).length <= 30, 'at most 30 variables').default({}),
    notBefore: futureInstant(3660).optional().describe('Not before this time; at most ten years ahead (the journey holds it, across ownership cycles)'),
    communicationId: z.uuid().optional().describe('Your id for this message: a retry with it is answered once'),
    recipientId: z.uuid().optional().describe("A company's message: the one of its people it is for (GET /v1/customers/:id lists them); absent: its decision-maker"),
  })
  .superRefine((body, ctx) => {
    for (const name of Object.keys(body.variables).filter((v) => (RESERVED_VARIABLES as readonly string[]).includes(v))) {
      ctx.addIssue({ code: 'custom', path: ['variables', name], message: `reserved: the system sets {{${name}}} from the customer's own records` });
    }
    if (OEM_ONLY_TEMPLATES.includes(body.templateId) && body.purpose !== 'LEGAL') {
      ctx.addIssue({ code: 'custom', path: ['purpose'], message: `template ${body.templateId} is a legal notice: purpose LEGAL` });
    }
    for (const name of missingVariables(body.templateId, body.variables)) {
      ctx.addIssue({ code: 'custom', path: ['variables', name], message: `template ${body.templateId} needs {{${name}}}` });
    }
  })
  // The rule above, stated in the OpenAPI document: each template names the variables it needs.
  .meta({
    id: 'CommunicationRequest',
    oneOf: Object.entries(REQUESTABLE_TEMPLATES).map(([id, template]) => ({
      properties: {
        templateId: { const: id },
        variables: { required: [...template.variables], properties: Object.fromEntries(template.variables.map((v) => [v, { type: 'string', minLength: 1 }])) },
      },
      ...(template.variables.length ? { required: ['templateId', 'variables'] } : { required: ['templateId'] }),
    })),
  });

const Decision = z
  .object({
    communicationId: z.uuid(),
    decision: z.enum(['ALLOWED', 'DEFERRED', 'SUPPRESSED']).describe('ALLOWED: queued for sending. DEFERRED: held by the journey, sent at `until` if still allowed then.'),
    reason: z.enum([...SUPPRESSION_REASONS, ...DEFERRAL_REASONS]).optional(),
    until: z.string().optional(),
    onBehalfOf: z.string().optional().describe('Goes out in the name of this dealer, who owns the customer'),
    missingConsent: z.object({ channel: z.enum(CHANNELS), purpose: z.enum(CONSENT_PURPOSES) }).optional()
      .describe("With NO_CONSENT under the customer's country's law: the consent the message lacks"),
  })
  .meta({ id: 'CommunicationDecision' });

const LogEntry = z.object({
  kind: z.enum(['DECISION', 'SEND_ATTEMPT']), decision: z.string().nullable(), reason: z.string().nullable(), until: z.string().nullable(),
  transport: z.string().nullable(), outcome: z.string().nullable(), detail: z.string().nullable(), at: z.string(),
});
const CommunicationView = z
  .object({
    communicationId: z.string(), sender: z.object({ kind: z.enum(['OEM', 'DEALER']), dealerId: z.string().nullable() }), requestedBy: z.string(),
    purpose: z.enum(PURPOSES), channel: z.enum(CHANNELS), templateId: z.string(),
    status: z.enum(['REQUESTED', 'ALLOWED', 'DEFERRED', 'SUPPRESSED', 'SENT', 'FAILED']), reason: z.string().nullable(),
    deferredUntil: z.string().nullable(), onBehalfOf: z.string().nullable(), recipientId: z.string().nullable(), sentAt: z.string().nullable(), createdAt: z.string(), log: z.array(LogEntry),
  })
  .meta({ id: 'Communication' });

export const communicationRoutes = (deps: { db: PrismaClient; temporal: Client }): FastifyPluginAsyncZod => async (app) => {
  app.post('/v1/customers/:id/communications', {
    config: { access: { roles: ['OEM', 'DEALER'], customer: actOnCustomer } },
    bodyLimit: 64 * 1024,
    schema: {
      tags: ['communications'],
      summary: "Ask the customer's journey whether a message may go out: ALLOWED, DEFERRED until a time, or SUPPRESSED with the reason",
      description:
        'The journey is the single referee of outbound contact: only the current owner sends sales and relationship messages; ' +
        'OEM promotions wait out dealer sales and the post-purchase cool-down; opt-out and per-channel consent hold; a frequency ' +
        'cap across all senders and quiet hours defer rather than drop. Deferred messages are held by the journey and decided again when due.',
      params: z.object({ id: z.uuid() }),
      body: CommunicationRequestBody,
      response: { 200: Decision, 400: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const customerId = request.params.id;
    const principal = request.principal!;
    const customer = await deps.db.customer.findUnique({ where: { id: customerId }, select: { id: true } });
    if (!customer) return sendNotFound(reply, 'customer', customerId);
    const sender: Sender = principal.role === 'DEALER' ? { kind: 'DEALER', dealerId: principal.dealerId! } : { kind: 'OEM' };
    const { purpose, channel, templateId, variables, notBefore, recipientId } = request.body;
    // Legal notices (safety recalls) are the OEM's word: never in a dealer's name.
    if (sender.kind === 'DEALER' && (purpose === 'LEGAL' || OEM_ONLY_TEMPLATES.includes(templateId))) {
      return sendProblem(reply, { type: 'oem-only', title: 'Only the OEM sends legal notices', status: 403, detail: `purpose ${purpose} with template ${templateId} is sent by the OEM only` });
    }
    // Only one of the company's own people: the message goes to their address, never anyone else's.
    if (recipientId && !(await deps.db.companyContact.findFirst({ where: { companyId: customerId, contactId: recipientId }, select: { role: true } }))) {
      return sendInvalid(reply, 'recipientId', "not one of this company's people");
    }
    const communicationId = request.body.communicationId ?? randomUUID();
    const stored = await storeCommunicationRequest(deps.db, {
      communicationId, customerId, journeyId: journeyIdFor(customerId), sender, requestedBy: principal.name,
      purpose, channel, templateId, variables, notBefore: notBefore ?? null, ...(recipientId ? { recipientId } : {}),
    });
    const { earlier } = stored.created ? { earlier: null } : stored;
    if (earlier && (earlier.customerId !== customerId || earlier.purpose !== purpose || earlier.channel !== channel || earlier.templateId !== templateId)) {
      return sendProblem(reply, { type: 'idempotency-key-reused', title: 'communicationId reused', status: 422, detail: 'communicationId: already used for another message', errors: [{ field: 'communicationId', message: 'already used for another message' }] });
    }
    return runJourneyUpdate(deps.temporal, reply, journeyIdFor(customerId), requestCommunicationUpdate, {
      communicationId, sender, purpose, channel, templateId, notBefore: notBefore ? new Date(notBefore).toISOString() : null, ...(recipientId ? { recipientId } : {}),
    });
  });

  const signalJourney = async (customerId: string, send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>) =>
    deps.temporal.withDeadline(Date.now() + 5_000, () => send(deps.temporal.workflow.getHandle(journeyIdFor(customerId))));

  app.post('/v1/customers/:id/consent', {
    config: { access: { roles: ['OEM', 'DEALER'], customer: actOnCustomer } },
    schema: {
      tags: ['communications'], summary: 'The customer gives or withdraws consent for a channel (ALL: every channel); legal notices still reach them',
      description: 'With `purpose`: the customer withdraws that one consent (e.g. e-mail marketing), as an unsubscribe link does. ' +
        'Consents for a purpose are given with their proof (a lead\'s `consents`, a web form), not here.',
      params: z.object({ id: z.uuid() }),
      body: z
        .strictObject({ channel: z.enum([...CHANNELS, 'ALL']), granted: z.boolean(), purpose: z.enum(CONSENT_PURPOSES).optional() })
        .refine((b) => !(b.purpose && b.granted), { path: ['granted'], message: 'a consent for a purpose is given with its proof (a lead\'s consents, a web form); here it can only be withdrawn' })
        .meta({ not: { required: ['purpose'], properties: { granted: { const: true } } } }),
      response: { 202: z.object({ customerId: z.string() }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    try {
      const { channel, granted, purpose } = request.body;
      // Two things the person can say: "not on this channel" (any purpose but legal) or "withdraw this one consent".
      await signalJourney(request.params.id, (h) => (purpose
        ? h.signal(consentWithdrawnSignal, { channel, purpose })
        : h.signal(channelPreferenceChangedSignal, { channel, contactable: granted })));
    } catch (error) {
      if (isNotFound(error)) return sendNotFound(reply, 'customer', request.params.id);
      throw error;
    }
    return reply.status(202).send({ customerId: request.params.id });
  });

  app.post('/v1/customers/:id/opt-out', {
    config: { access: { roles: ['OEM', 'DEALER'], customer: actOnCustomer } },
    schema: {
      tags: ['communications'], summary: 'The customer wants no more marketing: only transactional and legal messages from now on',
      params: z.object({ id: z.uuid() }), response: { 202: z.object({ customerId: z.string() }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    try {
      await signalJourney(request.params.id, (h) => h.signal(optedOutSignal));
    } catch (error) {
      if (isNotFound(error)) return sendNotFound(reply, 'customer', request.params.id);
      throw error;
    }
    return reply.status(202).send({ customerId: request.params.id });
  });

  app.get('/v1/customers/:id/communications', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'], customer: readCustomer } },
    schema: {
      tags: ['communications'], summary: 'Every message asked for, the decisions on it and every send attempt, newest first',
      params: z.object({ id: z.uuid() }), response: { 200: z.object({ customerId: z.string(), items: z.array(CommunicationView) }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const customer = await deps.db.customer.findUnique({ where: { id: request.params.id }, select: { id: true } });
    if (!customer) return sendNotFound(reply, 'customer', request.params.id);
    const rows = await deps.db.communication.findMany({
      where: { customerId: customer.id }, orderBy: { createdAt: 'desc' }, take: 200, include: { log: { orderBy: { at: 'asc' } } },
    });
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return reply.send({
      customerId: customer.id,
      items: rows.map((r) => ({
        communicationId: r.id, sender: { kind: r.senderKind as 'OEM' | 'DEALER', dealerId: r.senderDealerId }, requestedBy: r.requestedBy,
        purpose: r.purpose as (typeof PURPOSES)[number], channel: r.channel as (typeof CHANNELS)[number], templateId: r.templateId,
        status: r.status as z.infer<typeof CommunicationView>['status'], reason: r.reason, deferredUntil: iso(r.deferredUntil), onBehalfOf: r.onBehalfOf, recipientId: r.recipientId,
        sentAt: iso(r.sentAt), createdAt: r.createdAt.toISOString(),
        log: r.log.map((l) => ({ kind: l.kind as 'DECISION' | 'SEND_ATTEMPT', decision: l.decision, reason: l.reason, until: iso(l.until), transport: l.transport, outcome: l.outcome, detail: l.detail, at: l.at.toISOString() })),
      })),
    });
  });
};
