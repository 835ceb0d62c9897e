import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AT_LEAST_ONE_FIELD, email, text } from '../../platform/validation.js';
import { CONTACT_ROLES, type ContactRole } from '../../domain/fleets.js';
import type { PrismaClient } from '../../platform/db.js';
import { changeContact, ContactConflict } from '../../care/contact-change.js';
import { Problem, sendNotFound, sendInvalid, sendProblem } from '../problems.js';

const ContactChange = z
  .strictObject({
    email: email().optional(),
    phone: text(40).optional(),
    postalCode: text(12).optional(),
    country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, e.g. DE').optional(),
    firstName: text(100).optional(),
    lastName: text(100).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one contact detail to change')
  .meta({ id: 'ContactChange', ...AT_LEAST_ONE_FIELD });

const OwnershipChange = z.object({
  from: z.object({ owner: z.string(), dealerId: z.string().nullable() }).nullable(),
  to: z.object({ owner: z.string(), dealerId: z.string().nullable() }),
  reason: z.string(),
  actor: z.string(),
  at: z.string(),
});

const CompanyPerson = z.object({
  contactId: z.string(), role: z.enum(CONTACT_ROLES), firstName: z.string().nullable(), lastName: z.string().nullable(),
  email: z.string().nullable(), phone: z.string().nullable(), since: z.string(),
}).meta({ id: 'CompanyPerson' });

export interface CustomerRouteDeps {
  db: PrismaClient;
  temporal: Client;
  defaultCountry: string;
}

export const customerRoutes = ({ db, temporal, defaultCountry }: CustomerRouteDeps): FastifyPluginAsyncZod => async (app) => {
  app.patch('/v1/customers/:id/contact', {
    config: { access: { roles: ['OEM', 'DEALER'], customer: { param: 'id', kind: 'customerId', use: 'act' } } },
    bodyLimit: 16 * 1024,
    schema: {
      tags: ['customers'],
      summary: "Change a customer's contact details; their journey learns what is now known (never the data itself)",
      params: z.object({ id: z.uuid() }),
      body: ContactChange,
      response: { 200: z.object({ customerId: z.string(), journeyNotified: z.boolean() }), 400: Problem, 404: Problem, 409: Problem },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    try {
      const { journeyNotified } = await changeContact({ db, temporal, defaultCountry, log: request.log }, id, request.body);
      return reply.send({ customerId: id, journeyNotified });
    } catch (error) {
      if (!(error instanceof ContactConflict)) throw error;
      if (error.status === 404) return sendNotFound(reply, 'customer', id);
      if (error.status === 400) return sendInvalid(reply, error.field, error.message);
      if (error.field === 'id') return sendProblem(reply, { type: 'erased', title: 'Customer erased', status: 409, detail: error.message });
      return sendProblem(reply, {
        type: 'identity-conflict', title: 'Contact detail belongs to another customer', status: 409,
        detail: `${error.field}: ${error.message}`, errors: [{ field: error.field, message: error.message }],
      });
    }
  });

  app.get('/v1/customers/:id/people', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'], customer: { param: 'id', kind: 'customerId', use: 'read-customer' } } },
    schema: {
      tags: ['customers'],
      summary: "A company's people by role (decision-maker, procurement, drivers): whom its messages can be addressed to",
      description: 'A private customer has none. `contactId` is what `recipientId` names when asking to message one of them.',
      params: z.object({ id: z.uuid() }),
      response: {
        200: z.object({
          customerId: z.string(), kind: z.enum(['PERSON', 'COMPANY']), companyName: z.string().nullable(), vatId: z.string().nullable(), fleetSize: z.number().int().nullable(), items: z.array(CompanyPerson),
          counterparts: z.array(z.object({ process: z.string(), contactId: z.string() })).describe("The company's own counterpart per process (one of its people; PUT /v1/customers/{id}/counterparts/{process})"),
        }),
        400: Problem, 404: Problem,
      },
    },
  }, async (request, reply) => {
    const customer = await db.customer.findUnique({ where: { id: request.params.id }, select: { id: true, kind: true, companyName: true, vatId: true, fleetSize: true } });
    if (!customer) return sendNotFound(reply, 'customer', request.params.id);
    const [rows, counterparts] = await Promise.all([
      db.companyContact.findMany({ where: { companyId: customer.id }, include: { contact: true }, orderBy: [{ createdAt: 'asc' }, { role: 'asc' }] }),
      db.customerCounterpart.findMany({ where: { companyId: customer.id }, orderBy: { process: 'asc' }, select: { process: true, contactId: true } }),
    ]);
    return reply.send({
      customerId: customer.id, kind: customer.kind as 'PERSON' | 'COMPANY', companyName: customer.companyName, vatId: customer.vatId, fleetSize: customer.fleetSize,
      items: rows.map((r) => ({
        contactId: r.contactId, role: r.role as ContactRole, firstName: r.contact.firstName, lastName: r.contact.lastName,
        email: r.contact.emailNormalized, phone: r.contact.phoneE164, since: r.createdAt.toISOString(),
      })),
      counterparts,
    });
  });

  app.get('/v1/customers/:id/ownership', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'], customer: { param: 'id', kind: 'customerId', use: 'read-customer' } } },
    schema: {
      tags: ['customers'],
      summary: 'Who owned the customer when, and why (the ownership ledger, oldest first)',
      params: z.object({ id: z.uuid() }),
      response: { 200: z.object({ customerId: z.string(), changes: z.array(OwnershipChange) }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const customer = await db.customer.findUnique({ where: { id: request.params.id }, select: { id: true } });
    if (!customer) return sendNotFound(reply, 'customer', request.params.id);
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
