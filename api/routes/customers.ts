import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PrismaClient } from '../../platform/db.js';
import { Problem, sendProblem } from '../problems.js';

const OwnershipChange = z.object({
  from: z.object({ owner: z.string(), dealerId: z.string().nullable() }).nullable(),
  to: z.object({ owner: z.string(), dealerId: z.string().nullable() }),
  reason: z.string(),
  actor: z.string(),
  at: z.string(),
});

export const customerRoutes = (db: PrismaClient): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/customers/:id/ownership', {
    schema: {
      tags: ['customers'],
      summary: 'Who owned the customer when, and why (the ownership ledger, oldest first)',
      params: z.object({ id: z.uuid() }),
      response: { 200: z.object({ customerId: z.string(), changes: z.array(OwnershipChange) }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const customer = await db.customer.findUnique({ where: { id: request.params.id }, select: { id: true } });
    if (!customer) return sendProblem(reply, { type: 'not-found', title: 'Customer not found', status: 404, detail: `no customer ${request.params.id}` });
    const rows = await db.ownershipChange.findMany({ where: { customerId: customer.id }, orderBy: [{ at: 'asc' }, { key: 'asc' }] });
    return reply.send({
      customerId: customer.id,
      changes: rows.map((r) => ({
        from: r.fromOwner ? { owner: r.fromOwner, dealerId: r.fromDealerId } : null,
        to: { owner: r.toOwner, dealerId: r.toDealerId },
        reason: r.reason,
        actor: r.actor,
        at: r.at.toISOString(),
      })),
    });
  });
};
