// What a dealership sees with its own key: the hand-offs offered to it now, its
// customers (assigned now or before), and what it itself had with one customer.
// Once a customer has moved on, the dealer sees only its own past: never the stage,
// contact details or anything that happened after it.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dealerStanding, DEALER_STANDINGS, type RouteAccess } from '../../domain/access.js';
import { JOURNEY_ID_PATTERN, JOURNEY_STAGES, journeyIdFor } from '../../domain/journey.js';
import type { JourneyReadModel, JourneyRow } from '../../read-model/journeys.js';
import { Problem, sendNotFound } from '../problems.js';

const Contact = z.object({
  firstName: z.string().nullable(), lastName: z.string().nullable(), email: z.string().nullable(),
  phone: z.string().nullable(), postalCode: z.string().nullable(),
});

const CustomerSummary = z
  .object({
    journeyId: z.string(),
    customerId: z.string(),
    standing: z.enum(DEALER_STANDINGS).describe('CURRENT: yours now. OFFERED: a hand-off waits for your answer. FORMER: yours before'),
    current: z.boolean().describe('The customer is offered to or assigned to you now'),
    stage: z.enum(JOURNEY_STAGES).nullable().describe('Only while the customer is offered to you or yours'),
    offerExpiresAt: z.string().nullable().describe('Accept before this, or the hand-off moves on'),
    leadCount: z.number().int().nullable(),
    lastLeadSource: z.string().nullable(),
    stageChangedAt: z.string().nullable(),
    contact: Contact.nullable().describe('Only while the customer is offered to you or yours'),
  })
  .meta({ id: 'DealerCustomer' });

/** What a dealer may see of one customer now (the workspace pages show the same). */
export function dealerCustomerSummary(row: JourneyRow, dealerId: string): z.infer<typeof CustomerSummary> {
  const standing = dealerStanding({ journey: row, dealerWasInvolved: true }, dealerId);
  const current = standing === 'CURRENT' || standing === 'OFFERED';
  return {
    journeyId: row.journeyId, customerId: row.customerId, standing, current,
    stage: current ? row.stage : null,
    offerExpiresAt: standing === 'OFFERED' ? row.offerExpiresAt?.toISOString() ?? null : null,
    leadCount: current ? row.leadCount : null,
    lastLeadSource: current ? row.lastLeadSource : null,
    stageChangedAt: current ? row.stageChangedAt.toISOString() : null,
    contact: current ? row.contact : null,
  };
}

const DealerHistoryView = z
  .object({
    customerId: z.string(),
    journeyId: z.string(),
    standing: z.enum(DEALER_STANDINGS),
    now: CustomerSummary.nullable().describe('The customer today, while offered to you or yours; null once they moved on'),
    offers: z.array(z.object({ kind: z.enum(['OFFERED', 'ACCEPTED', 'DECLINED', 'TIMED_OUT']), reason: z.string().nullable(), at: z.string() })),
    ownership: z.array(z.object({ owner: z.enum(['DEALER_SALES', 'DEALER']), reason: z.string(), from: z.string(), until: z.string().nullable() }))
      .describe("Your periods as the customer's owner; who came after is not shown"),
    sales: z.array(z.object({ vin: z.string(), model: z.string(), soldOn: z.string(), price: z.number().nullable(), at: z.string() })),
  })
  .meta({ id: 'DealerCustomerHistory' });

/** What a dealer had with one customer (the workspace's customer page takes the same rule). */
export const OWN_HISTORY: RouteAccess = { roles: ['DEALER'], customer: { param: 'id', kind: 'customerId', use: 'own-history' } };

export const dealerWorkspaceRoutes = (journeys: JourneyReadModel): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/dealer/handoffs', {
    config: { access: { roles: ['DEALER'] } },
    schema: {
      tags: ['dealer workspace'], summary: 'Hand-offs offered to your dealership and waiting for your answer, soonest deadline first',
      response: { 200: z.object({ items: z.array(CustomerSummary) }) },
    },
  }, async (request, reply) => {
    const dealerId = request.principal!.dealerId!;
    const rows = await journeys.openOffersTo(dealerId);
    return reply.send({ items: rows.map((r) => dealerCustomerSummary(r, dealerId)) });
  });

  app.get('/v1/dealer/customers', {
    config: { access: { roles: ['DEALER'] } },
    schema: {
      tags: ['dealer workspace'],
      summary: 'Customers assigned to your dealership now or before, by journey id; filter your current customers by stage',
      querystring: z.strictObject({
        stage: z.enum(JOURNEY_STAGES).optional().describe('Only your current customers in this stage'),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z.string().regex(JOURNEY_ID_PATTERN, 'a nextCursor from an earlier page').optional().describe('nextCursor of the previous page'),
      }),
      response: { 200: z.object({ items: z.array(CustomerSummary), nextCursor: z.string().nullable() }), 400: Problem },
    },
  }, async (request, reply) => {
    const dealerId = request.principal!.dealerId!;
    const { stage, limit, cursor } = request.query;
    const page = await journeys.customersOf(dealerId, { stage, limit, after: cursor });
    return reply.send({ items: page.rows.map((r) => dealerCustomerSummary(r, dealerId)), nextCursor: page.more ? page.rows.at(-1)!.journeyId : null });
  });

  app.get('/v1/dealer/customers/:id', {
    config: { access: OWN_HISTORY },
    schema: {
      tags: ['dealer workspace'],
      summary: 'What your dealership had with one customer: your offers, your time as their owner, your sales',
      params: z.object({ id: z.uuid() }),
      response: { 200: DealerHistoryView, 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const dealerId = request.principal!.dealerId!;
    const customerId = request.params.id;
    const [row, history] = await Promise.all([journeys.find(customerId), journeys.dealerHistory(customerId, dealerId)]);
    if (!row) return sendNotFound(reply, 'customer', customerId);
    const now = dealerCustomerSummary(row, dealerId);
    return reply.send({
      customerId, journeyId: journeyIdFor(customerId), standing: now.standing,
      now: now.current ? now : null,
      offers: history.offers.map((o) => ({ kind: o.kind as 'OFFERED', reason: o.reason, at: o.at.toISOString() })),
      ownership: history.ownership.map((o) => ({ owner: o.owner as 'DEALER', reason: o.reason, from: o.from.toISOString(), until: o.until?.toISOString() ?? null })),
      sales: history.sales.map((s) => ({ vin: s.vin, model: s.model, soldOn: s.soldOn.toISOString().slice(0, 10), price: s.price, at: s.at.toISOString() })),
    });
  });
};
