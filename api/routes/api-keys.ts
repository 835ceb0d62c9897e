// API key administration for OEM keys. The first key comes from the CLI (npm run api-key).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { futureInstant, text } from '../../platform/validation.js';
import { ROLES } from '../../domain/access.js';
import type { ApiKeyStore } from '../../platform/api-keys.js';
import type { PrismaClient } from '../../platform/db.js';
import { Problem, sendNotFound, sendInvalid, sendProblem } from '../problems.js';

const NewApiKey = z
  .strictObject({
    name: text(100).describe('Who uses it, e.g. "Autohaus Mitte sales desk"'),
    role: z.enum(ROLES),
    dealerId: text(64).optional().describe('Only with role DEALER, and then required: the dealer the key acts for'),
    expiresAt: futureInstant(3660).optional().describe('In the future, within ten years'),
  })
  .superRefine((body, ctx) => {
    if (body.role === 'DEALER' && !body.dealerId) ctx.addIssue({ code: 'custom', path: ['dealerId'], message: 'a DEALER key needs the dealer it acts for' });
    if (body.role !== 'DEALER' && body.dealerId) ctx.addIssue({ code: 'custom', path: ['dealerId'], message: `only DEALER keys act for a dealer, not ${body.role}` });
    if (body.expiresAt && Date.parse(body.expiresAt) <= Date.now()) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future' });
  })
  // The rule above, stated in the OpenAPI document: dealerId with DEALER keys, and only with them.
  .meta({
    id: 'NewApiKey',
    oneOf: [
      { properties: { role: { const: 'DEALER' } }, required: ['dealerId'] },
      { properties: { role: { enum: ROLES.filter((r) => r !== 'DEALER') } }, not: { required: ['dealerId'] } },
    ],
  });

const ApiKeyView = z
  .object({
    id: z.string(), prefix: z.string(), name: z.string(), role: z.enum(ROLES), dealerId: z.string().nullable(), createdBy: z.string().nullable(),
    expiresAt: z.string().nullable(), revokedAt: z.string().nullable(), lastUsedAt: z.string().nullable(), createdAt: z.string(),
  })
  .meta({ id: 'ApiKey' });

export const apiKeyRoutes = (deps: { db: PrismaClient; keys: ApiKeyStore }): FastifyPluginAsyncZod => async (app) => {
  app.post('/v1/api-keys', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['api keys'], summary: 'Create an API key; the key is in this answer only',
      body: NewApiKey, response: { 201: ApiKeyView.extend({ key: z.string().describe('Send as "Authorization: Bearer <key>"; shown once') }), 400: Problem },
    },
  }, async (request, reply) => {
    const { dealerId } = request.body;
    if (dealerId && !(await deps.db.dealer.findUnique({ where: { id: dealerId }, select: { id: true } }))) {
      return sendInvalid(reply, 'dealerId', `no dealer ${dealerId}`);
    }
    const created = await deps.keys.create({
      ...request.body, expiresAt: request.body.expiresAt ? new Date(request.body.expiresAt) : null, createdBy: request.principal!.name,
    });
    return reply.status(201).send(created);
  });

  app.get('/v1/api-keys', {
    config: { access: { roles: ['OEM'] } },
    schema: { tags: ['api keys'], summary: 'All keys (never their secrets)', response: { 200: z.object({ items: z.array(ApiKeyView) }) } },
  }, async (_request, reply) => reply.send({ items: await deps.keys.list() }));

  app.delete('/v1/api-keys/:id', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['api keys'], summary: 'Revoke a key; it is refused from now on',
      description: 'The last active OEM key cannot be revoked through the API (409); `npm run api-key` on the server can.',
      params: z.object({ id: z.uuid() }), response: { 200: ApiKeyView, 400: Problem, 404: Problem, 409: Problem },
    },
  }, async (request, reply) => {
    const revoked = await deps.keys.revoke(request.params.id, { keepLastOemKey: true });
    if (revoked === 'LAST_OEM_KEY') {
      return sendProblem(reply, {
        type: 'last-oem-key', title: 'The last OEM key stays', status: 409,
        detail: 'this is the last active OEM key; create another OEM key first (or use npm run api-key on the server)',
      });
    }
    return revoked ? reply.send(revoked) : sendNotFound(reply, 'API key', request.params.id);
  });
};
