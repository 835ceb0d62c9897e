// People who log in to the workspace. Who manages whose account is one rule
// (domain/users.ts decideAccountManagement), for the API's keys and the workspace's people.
import { isUniqueViolation } from '../../platform/db.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decideAccountManagement, DEALER_USER_ROLES, USER_ROLES } from '../../domain/users.js';
import { AT_LEAST_ONE_FIELD, text } from '../../platform/validation.js';
import { InvalidPassword, type UserStore, type UserView as Account } from '../../platform/users.js';
import type { Principal } from '../../domain/access.js';
import { Problem, sendNotFound, sendInvalid, sendProblem } from '../problems.js';

export const NewUser = z
  .strictObject({
    email: z.email().max(320),
    name: text(100),
    role: z.enum(USER_ROLES),
    dealerId: text(64).optional().describe("With a dealer role (SALESPERSON, SALES_MANAGER), and then required; a dealer's key may leave it out (its own)"),
    password: z.string().min(12, 'at least 12 characters').max(200)
      .describe('A first password: the person chooses their own at their first login. Passwords known from data breaches are refused.'),
  })
  .meta({ id: 'NewUser' });

const UserView = z
  .object({
    id: z.string(), email: z.string(), name: z.string(), role: z.enum(USER_ROLES), dealerId: z.string().nullable(),
    active: z.boolean(), lockedUntil: z.string().nullable().describe('Sign-in is paused after failed attempts (domain/users.ts LOGIN_LIMITS) until then'),
    mustChangePassword: z.boolean().describe('The person chooses their own password at their next login'),
    secondFactor: z.enum(['REQUIRED_NOT_SET_UP', 'ACTIVE', 'NOT_REQUIRED']).describe('OEM lead-desk and ops people log in with a TOTP code as well'),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

const UserChange = z
  .strictObject({
    active: z.boolean().optional().describe('false: the person can no longer log in'),
    unlock: z.literal(true).optional().describe('Lift the pause of sign-in after failed attempts (from every address)'),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change')
  .meta({ id: 'UserChange', ...AT_LEAST_ONE_FIELD });


export type NewUserBody = z.infer<typeof NewUser>;
export type AccountRefusal = { ok: false; status: 400 | 403 | 409; field?: string; message: string };

/**
 * Creates an account for whoever asks (a key or a person in the workspace) under the one
 * rule of who manages whom; a dealer's caller creates in its own dealership by default.
 */
export async function createAccount(users: UserStore, principal: Principal, body: NewUserBody): Promise<{ ok: true; user: Account } | AccountRefusal> {
  const dealerRole = DEALER_USER_ROLES.includes(body.role);
  const dealerId = principal.role === 'DEALER' ? body.dealerId ?? principal.dealerId : body.dealerId ?? null;
  const decision = decideAccountManagement(principal, { role: body.role, dealerId }, false);
  if (!decision.allow) return { ok: false, status: 403, message: decision.reason };
  if (dealerRole && !dealerId) return { ok: false, status: 400, field: 'dealerId', message: `a ${body.role} belongs to a dealer` };
  if (!dealerRole && body.dealerId) return { ok: false, status: 400, field: 'dealerId', message: `only dealer roles belong to a dealer, not ${body.role}` };
  try {
    return { ok: true, user: await users.create({ ...body, dealerId, createdBy: principal.name }) };
  } catch (error) {
    if (error instanceof InvalidPassword) return { ok: false, status: 400, field: 'password', message: error.message };
    // Generic: where that account is (another dealership, the OEM) is not the caller's business.
    if (isUniqueViolation(error, 'email')) return { ok: false, status: 409, field: 'email', message: 'this e-mail address cannot be used for a new account' };
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003') return { ok: false, status: 400, field: 'dealerId', message: `no dealer ${dealerId}` };
    throw error;
  }
}

export const userRoutes = ({ users }: { users: UserStore }): FastifyPluginAsyncZod => async (app) => {
  app.post('/v1/users', {
    config: { access: { roles: ['OEM', 'DEALER'] } },
    schema: {
      tags: ['users'], summary: 'Create a person who logs in to the workspace (the password is theirs to change later)',
      description: "Dealer keys create only SALESPERSON and SALES_MANAGER accounts of their own dealership (403 otherwise). In the workspace a sales manager creates its dealership's salespeople.",
      body: NewUser, response: { 201: UserView, 400: Problem, 403: Problem, 409: Problem },
    },
  }, async (request, reply) => {
    const created = await createAccount(users, request.principal!, request.body);
    if (created.ok) return reply.status(201).send(created.user);
    const { status, field, message } = created;
    if (status === 403) return sendProblem(reply, { type: 'forbidden', title: 'Not allowed for this key', status, detail: message });
    if (status === 409) return sendProblem(reply, { type: 'conflict', title: 'Not possible', status, detail: message });
    return sendInvalid(reply, field!, message);
  });

  app.get('/v1/users', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'] } },
    schema: { tags: ['users'], summary: "Workspace users: all for the OEM and ops, a dealer's own for its key", response: { 200: z.object({ items: z.array(UserView) }) } },
  }, async (request, reply) => {
    const principal = request.principal!;
    return reply.send({ items: await users.list(principal.role === 'DEALER' ? { dealerId: principal.dealerId! } : {}) });
  });

  app.patch('/v1/users/:id', {
    config: { access: { roles: ['OEM', 'DEALER'] } },
    schema: {
      tags: ['users'], summary: 'Deactivate or re-activate an account, or lift its lock after wrong passwords',
      description: "A deactivated person's sessions end with their next request. Dealer keys change their own dealership's people only (404 otherwise).",
      params: z.object({ id: z.uuid() }),
      body: UserChange,
      response: { 200: UserView, 400: Problem, 403: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const target = await users.find(request.params.id);
    if (!target) return sendNotFound(reply, 'user', request.params.id);
    const decision = decideAccountManagement(request.principal!, target, true);
    if (!decision.allow) {
      return decision.status === 404 ? sendNotFound(reply, 'user', request.params.id) : sendProblem(reply, { type: 'forbidden', title: 'Not allowed for this key', status: 403, detail: decision.reason });
    }
    return reply.send(await users.change(target.id, request.body));
  });
};
