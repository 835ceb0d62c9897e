// Reading a journey, and the dealer and ops actions on it. Each action is the
// journey's own Update: the journey validates it against its state right now and
// answers with its new state, or refuses with its reason (409) and changes nothing.
import type { Client } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pastDay, text } from '../../platform/validation.js';
import { journeyAsSeenByDealer, type RouteAccess } from '../../domain/access.js';
import type { PrismaClient } from '../../platform/db.js';
import {
  acceptHandoffUpdate, declineHandoffUpdate, disqualifyUpdate, journeyStateQuery, openComplaintUpdate, reassignUpdate,
  recordLostUpdate, recordNoShowUpdate, recordSaleUpdate, recordServiceVisitUpdate, resolveComplaintUpdate,
} from '../../workflows/definitions.js';
import { isNotFound, runJourneyUpdate } from '../journey-updates.js';
import { Problem, sendNotFound, sendProblem } from '../problems.js';
import { JourneyParams, JourneyView } from '../schemas.js';

const journeyScope = { param: 'id', kind: 'journeyId' } as const;
const READERS: RouteAccess = { roles: ['OEM', 'OPS', 'DEALER'], customer: { ...journeyScope, use: 'view-journey' } };
const OFFER_ANSWER: RouteAccess = { roles: ['DEALER'], customer: { ...journeyScope, use: 'answer-offer' } };
const DEALER_ACTION: RouteAccess = { roles: ['DEALER'], customer: { ...journeyScope, use: 'act' } };

const reason = text(500);
const Decline = z.strictObject({ reason }).meta({ id: 'HandoffDecline' });
const Sale = z
  .strictObject({
    vehicle: z.strictObject({
      vin: z.string().trim().regex(/^[A-HJ-NPR-Z0-9]{17}$/, '17 characters, letters and digits without I, O, Q'),
      model: text(100),
      soldOn: pastDay().describe('YYYY-MM-DD; not in the future, not before 2000'),
      price: z.number().positive().max(10_000_000).optional(),
    }),
  })
  .meta({ id: 'SaleReport' });
const Lost = z.strictObject({ reason }).meta({ id: 'LostReport' });
const ServiceVisit = z.strictObject({ visitId: text(100).describe("The dealer's own id of the visit (repeats are ignored)") });
const Complaint = z.strictObject({ complaintId: text(100) });
const Reassign = z
  .strictObject({
    to: z.union([z.literal('OEM'), z.strictObject({ dealerId: text(64) })]),
    reason,
  })
  .meta({ id: 'Reassignment' });
const Disqualify = z.strictObject({ reason });

const actionResponses = { 200: JourneyView, 400: Problem, 404: Problem, 409: Problem, 503: Problem };

export const journeyRoutes = ({ temporal, db }: { temporal: Client; db: PrismaClient }): FastifyPluginAsyncZod => async (app) => {
  const dealerOf = (request: FastifyRequest) => request.principal!.dealerId!;

  app.get('/v1/journeys/:id', {
    config: { access: READERS },
    schema: { tags: ['journeys'], summary: "A journey's live state, answered by the journey itself", params: JourneyParams, response: { 200: JourneyView, 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    try {
      const state = await temporal.workflow.getHandle(request.params.id).query(journeyStateQuery);
      return reply.send(request.principal!.role === 'DEALER' ? journeyAsSeenByDealer(state, dealerOf(request)) : state);
    } catch (error) {
      if (isNotFound(error)) return sendNotFound(reply, 'journey', request.params.id);
      throw error;
    }
  });

  app.post('/v1/journeys/:id/accept', {
    config: { access: OFFER_ANSWER },
    schema: { tags: ['dealer actions'], summary: 'Accept the hand-off offered to your dealership (repeats are harmless)', params: JourneyParams, response: actionResponses },
  }, (request, reply) => runJourneyUpdate(temporal, reply, request.params.id, acceptHandoffUpdate, { dealerId: dealerOf(request) }));

  app.post('/v1/journeys/:id/decline', {
    config: { access: OFFER_ANSWER },
    schema: { tags: ['dealer actions'], summary: 'Decline the hand-off; the journey offers it to the next dealer', params: JourneyParams, body: Decline, response: actionResponses },
  }, (request, reply) => runJourneyUpdate(temporal, reply, request.params.id, declineHandoffUpdate, { dealerId: dealerOf(request), reason: request.body.reason }));

  app.post('/v1/journeys/:id/sale', {
    config: { access: DEALER_ACTION },
    schema: { tags: ['dealer actions'], summary: 'Record the sale; the customer becomes your customer', params: JourneyParams, body: Sale, response: actionResponses },
  }, (request, reply) => runJourneyUpdate(temporal, reply, request.params.id, recordSaleUpdate, { dealerId: dealerOf(request), vehicle: request.body.vehicle }));

  app.post('/v1/journeys/:id/lost', {
    config: { access: DEALER_ACTION },
    schema: { tags: ['dealer actions'], summary: 'Record a lost sale; the customer falls back to the OEM after a cool-down', params: JourneyParams, body: Lost, response: actionResponses },
  }, (request, reply) => runJourneyUpdate(temporal, reply, request.params.id, recordLostUpdate, { dealerId: dealerOf(request), reason: request.body.reason }));

  app.post('/v1/journeys/:id/no-show', {
    config: { access: DEALER_ACTION },
    schema: { tags: ['dealer actions'], summary: 'The customer did not come; the journey falls back to the OEM', params: JourneyParams, response: actionResponses },
  }, (request, reply) => runJourneyUpdate(temporal, reply, request.params.id, recordNoShowUpdate, { dealerId: dealerOf(request) }));

  app.post('/v1/journeys/:id/service-visits', {
    config: { access: DEALER_ACTION },
    schema: { tags: ['dealer actions'], summary: "Record a service visit of your customer's vehicle", params: JourneyParams, body: ServiceVisit, response: actionResponses },
  }, (request, reply) => runJourneyUpdate(temporal, reply, request.params.id, recordServiceVisitUpdate, { dealerId: dealerOf(request), visitId: request.body.visitId }));

  app.post('/v1/journeys/:id/complaints', {
    config: { access: DEALER_ACTION },
    schema: { tags: ['dealer actions'], summary: 'Record a complaint; the OEM steps in if it is not resolved in time', params: JourneyParams, body: Complaint, response: actionResponses },
  }, (request, reply) => runJourneyUpdate(temporal, reply, request.params.id, openComplaintUpdate, { dealerId: dealerOf(request), complaintId: request.body.complaintId }));

  app.post('/v1/journeys/:id/complaints/:complaintId/resolution', {
    config: { access: DEALER_ACTION },
    schema: {
      tags: ['dealer actions'], summary: 'Record that the complaint is resolved',
      params: JourneyParams.extend({ complaintId: text(100) }), response: actionResponses,
    },
  }, (request, reply) => runJourneyUpdate(temporal, reply, request.params.id, resolveComplaintUpdate, { dealerId: dealerOf(request), complaintId: request.params.complaintId }));

  app.post('/v1/journeys/:id/reassign', {
    config: { access: { roles: ['OPS'], customer: { ...journeyScope, use: 'act' } } },
    schema: { tags: ['ops actions'], summary: 'Move the customer to the OEM or another dealer, with the reason on the ownership ledger', params: JourneyParams, body: Reassign, response: actionResponses },
  }, async (request, reply) => {
    const { to } = request.body;
    if (to !== 'OEM' && !(await db.dealer.findFirst({ where: { id: to.dealerId, active: true }, select: { id: true } }))) {
      return sendProblem(reply, { type: 'validation', title: 'The request is invalid', status: 400, detail: `to.dealerId: no active dealer ${to.dealerId}`, errors: [{ field: 'to.dealerId', message: `no active dealer ${to.dealerId}` }] });
    }
    return runJourneyUpdate(temporal, reply, request.params.id, reassignUpdate, { ...request.body, actor: `ops:${request.principal!.name}` });
  });

  app.post('/v1/journeys/:id/disqualify', {
    config: { access: { roles: ['OEM'], customer: { ...journeyScope, use: 'act' } } },
    schema: { tags: ['journeys'], summary: 'The OEM lead desk disqualifies a lead it is qualifying (spam, test, duplicate person)', params: JourneyParams, body: Disqualify, response: actionResponses },
  }, (request, reply) => runJourneyUpdate(temporal, reply, request.params.id, disqualifyUpdate, { reason: request.body.reason }));
};
