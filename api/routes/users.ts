// People who log in to the workspace. The OEM creates anyone; a dealer's key creates the
// people of its own dealership (salespeople and sales managers) and lists only them.
import { isUniqueViolation } from '../../platform/db.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEALER_USER_ROLES, USER_ROLES } from '../../domain/users.js';
import { text } from '../../platform/validation.js';
import type { UserStore } from '../../platform/users.js';
import { Problem, sendProblem } from '../problems.js';

const NewUser = z
  .strictObject({
    email: z.email().max(320),
    name: text(100),
    role: z.enum(USER_ROLES),
    dealerId: text(64).optional().describe("With a dealer role (SALESPERSON, SALES_MANAGER), and then required; a dealer's key may leave it out (its own)"),
    password: z.string().min(12, 'at least 12 characters').max(200),
  })
  .meta({ id: 'NewUser' });

const UserView = z
  .object({
    id: z.string(), email: z.string(), name: z.string(), role: z.enum(USER_ROLES), dealerId: z.string().nullable(),
    active: z.boolean(), lockedUntil: z.string().nullable().describe('Set after five wrong passwords in a row'), createdAt: z.string(),
  })
  .meta({ id: 'User' });

const invalid = (field: string, message: string) =>
  ({ type: 'validation', title: 'The request is invalid', status: 400, detail: `${field}: ${message}`, errors: [{ field, message }] });

export const userRoutes = ({ users }: { users: UserStore }): FastifyPluginAsyncZod => async (app) => {
  app.post('/v1/users', {
    config: { access: { roles: ['OEM', 'DEALER'] } },
    schema: {
      tags: ['users'], summary: 'Create a person who logs in to the workspace (the password is theirs to change later)',
      description: "Dealer keys create only SALESPERSON and SALES_MANAGER accounts of their own dealership (403 otherwise).",
      body: NewUser, response: { 201: UserView, 400: Problem, 403: Problem, 409: Problem },
    },
  }, async (request, reply) => {
    const principal = request.principal!;
    const body = request.body;
    const dealerRole = DEALER_USER_ROLES.includes(body.role);
    if (principal.role === 'DEALER') {
      if (!dealerRole) return sendProblem(reply, { type: 'forbidden', title: 'Not allowed for this key', status: 403, detail: `a dealer's key creates only ${DEALER_USER_ROLES.join(', ')} accounts` });
      if (body.dealerId && body.dealerId !== principal.dealerId) return sendProblem(reply, { type: 'forbidden', title: 'Not allowed for this key', status: 403, detail: "a dealer's key creates accounts of its own dealership only" });
    }
    const dealerId = principal.role === 'DEALER' ? principal.dealerId : body.dealerId ?? null;
    if (dealerRole && !dealerId) return sendProblem(reply, invalid('dealerId', `a ${body.role} belongs to a dealer`));
    if (!dealerRole && body.dealerId) return sendProblem(reply, invalid('dealerId', `only dealer roles belong to a dealer, not ${body.role}`));
    try {
      return reply.status(201).send(await users.create({ ...body, dealerId, createdBy: principal.name }));
    } catch (error) {
      if (isUniqueViolation(error, 'email')) {
        return sendProblem(reply, { type: 'conflict', title: 'Already exists', status: 409, detail: `a user with e-mail ${body.email.toLowerCase()} exists` });
      }
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003') return sendProblem(reply, invalid('dealerId', `no dealer ${dealerId}`));
      throw error;
    }
  });

  app.get('/v1/users', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'] } },
    schema: { tags: ['users'], summary: "Workspace users: all for the OEM and ops, a dealer's own for its key", response: { 200: z.object({ items: z.array(UserView) }) } },
  }, async (request, reply) => {
    const principal = request.principal!;
    return reply.send({ items: await users.list(principal.role === 'DEALER' ? { dealerId: principal.dealerId! } : {}) });
  });
};
