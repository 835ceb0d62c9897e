// What a dealership sees with its own key: the hand-offs offered to it now, and its
// customers (assigned now or before). Contact details only while the customer is theirs.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client.js';
import { JOURNEY_STAGES } from '../../domain/journey.js';
import type { PrismaClient } from '../../platform/db.js';
import { Problem } from '../problems.js';

const Contact = z.object({
  firstName: z.string().nullable(), lastName: z.string().nullable(), email: z.string().nullable(),
  phone: z.string().nullable(), postalCode: z.string().nullable(),
});

const CustomerSummary = z
  .object({
    journeyId: z.string(),
    customerId: z.string(),
    stage: z.enum(JOURNEY_STAGES),
    current: z.boolean().describe('The customer is offered to or assigned to you now'),
    offerExpiresAt: z.string().nullable().describe('Accept before this, or the hand-off moves on'),
    leadCount: z.number().int(),
    lastLeadSource: z.string().nullable(),
    stageChangedAt: z.string(),
    contact: Contact.nullable().describe('Only while the customer is yours'),
  })
  .meta({ id: 'DealerCustomer' });

interface Row {
  id: string; customer_id: string; stage: string; dealer_id: string | null; offered_dealer_id: string | null; offer_expires_at: Date | null;
  lead_count: number; last_lead_source: string | null; stage_changed_at: Date;
  first_name: string | null; last_name: string | null; email_normalized: string | null; phone_e164: string | null; postal_code: string | null;
}

function summary(row: Row, dealerId: string): z.infer<typeof CustomerSummary> {
  const current = row.dealer_id === dealerId || row.offered_dealer_id === dealerId;
  return {
    journeyId: row.id, customerId: row.customer_id, stage: row.stage as (typeof JOURNEY_STAGES)[number], current,
    offerExpiresAt: row.offered_dealer_id === dealerId ? row.offer_expires_at?.toISOString() ?? null : null,
    leadCount: row.lead_count, lastLeadSource: row.last_lead_source, stageChangedAt: row.stage_changed_at.toISOString(),
    contact: current && row.stage !== 'ERASED'
      ? { firstName: row.first_name, lastName: row.last_name, email: row.email_normalized, phone: row.phone_e164, postalCode: row.postal_code }
      : null,
  };
}

const SELECT = Prisma.sql`
  SELECT j.id, j.customer_id::text, j.stage, j.dealer_id, j.offered_dealer_id, j.offer_expires_at, j.lead_count,
         j.last_lead_source::text, j.stage_changed_at, c.first_name, c.last_name, c.email_normalized, c.phone_e164, c.postal_code
  FROM journey j JOIN customer c ON c.id = j.customer_id`;

export const dealerWorkspaceRoutes = (db: PrismaClient): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/dealer/handoffs', {
    config: { access: { roles: ['DEALER'] } },
    schema: {
      tags: ['dealer workspace'], summary: 'Hand-offs offered to your dealership and waiting for your answer, soonest deadline first',
      response: { 200: z.object({ items: z.array(CustomerSummary) }) },
    },
  }, async (request, reply) => {
    const dealerId = request.principal!.dealerId!;
    const rows = await db.$queryRaw<Row[]>`${SELECT}
      WHERE j.offered_dealer_id = ${dealerId} AND j.stage = 'HANDED_OFF'
      ORDER BY j.offer_expires_at ASC NULLS LAST, j.id LIMIT 500`;
    return reply.send({ items: rows.map((r) => summary(r, dealerId)) });
  });

  app.get('/v1/dealer/customers', {
    config: { access: { roles: ['DEALER'] } },
    schema: {
      tags: ['dealer workspace'], summary: 'Customers assigned to your dealership now or before, by journey id; filter by stage',
      querystring: z.strictObject({
        stage: z.enum(JOURNEY_STAGES).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z.string().max(100).optional().describe('nextCursor of the previous page'),
      }),
      response: { 200: z.object({ items: z.array(CustomerSummary), nextCursor: z.string().nullable() }), 400: Problem },
    },
  }, async (request, reply) => {
    const dealerId = request.principal!.dealerId!;
    const { stage, limit, cursor } = request.query;
    const rows = await db.$queryRaw<Row[]>`${SELECT}
      WHERE (j.dealer_id = ${dealerId}
             OR EXISTS (SELECT 1 FROM ownership_change o WHERE o.customer_id = j.customer_id AND o.to_dealer_id = ${dealerId}))
        ${stage ? Prisma.sql`AND j.stage = ${stage}` : Prisma.empty}
        ${cursor ? Prisma.sql`AND j.id > ${cursor}` : Prisma.empty}
      ORDER BY j.id LIMIT ${limit + 1}`;
    const page = rows.slice(0, limit);
    return reply.send({ items: page.map((r) => summary(r, dealerId)), nextCursor: rows.length > limit ? page.at(-1)!.id : null });
  });
};
