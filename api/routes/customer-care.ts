// Customer care looks a customer up: by e-mail, phone, name, company, postal code, VIN or VAT id
// (care/customer-search.ts). The OEM and ops search the network; a dealer's key only the
// customers it serves now — a former dealer, or one an offer merely waits on, finds nothing.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, searchCustomers, type SearchScope } from '../../care/customer-search.js';
import { MAX_QUERY_LENGTH, parseCustomerQuery } from '../../domain/customer-search.js';
import { Problem, sendInvalid } from '../problems.js';

const nullable = z.string().nullable();
export const CustomerHitView = z
  .object({
    customerId: z.string(), kind: z.enum(['PERSON', 'COMPANY']), name: z.string(), companyName: nullable, email: nullable, phone: nullable,
    postalCode: nullable, country: nullable, journeyId: nullable, stage: nullable, owner: nullable, dealerId: nullable,
    via: z.object({ customerId: z.string(), name: z.string(), role: z.string() }).nullable().describe("The company's person the search found (the hit is their company)"),
  })
  .meta({ id: 'CustomerHit' });

export const customerCareRoutes = ({ sql }: { sql: pg.Pool }): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/customers', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'] } },
    schema: {
      tags: ['customers'],
      summary: 'Find customers by e-mail, phone, name, company, postal code, VIN or VAT id (parts of names and numbers too); best matches first',
      description: "A dealer's key finds only the customers it serves now (in sales or owned). A company's contact person leads to the company (`via`).",
      querystring: z.strictObject({
        query: z.string().max(MAX_QUERY_LENGTH).describe('What was typed: "anna.schmidt@", "0170 123", "Schmidt 80331", a VIN, "DE123456789"'),
        limit: z.coerce.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_SEARCH_LIMIT),
      }),
      response: { 200: z.object({ items: z.array(CustomerHitView), more: z.boolean().describe('More customers match than are shown: narrow the search (a first name, a postal code)') }), 400: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const query = parseCustomerQuery(request.query.query);
    if ('problem' in query) return sendInvalid(reply, 'query', query.problem);
    const principal = request.principal!;
    const scope: SearchScope = principal.role === 'DEALER' ? { dealerId: principal.dealerId! } : 'NETWORK';
    return reply.send(await searchCustomers(sql, query, scope, request.query.limit));
  });
};
