import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Problem } from '../problems.js';
import { IdempotencyHeaders, LeadAccepted, LeadBody } from '../schemas.js';
import type { LeadIntake } from '../../intake/lead-intake.js';

export const leadRoutes = (intake: LeadIntake): FastifyPluginAsyncZod => async (app) => {
  app.post('/v1/leads', {
    config: { access: { roles: ['OEM'] } },
    bodyLimit: 64 * 1024,
    schema: {
      tags: ['leads'],
      summary: 'Capture one lead (web form, phone, walk-in)',
      description:
        'Resolves the person by normalised e-mail or phone and adds the lead to their one journey, ' +
        'starting it if needed. The same person never gets a second journey.',
      headers: IdempotencyHeaders,
      body: LeadBody,
      response: { 202: LeadAccepted, 400: Problem, 422: Problem },
    },
  }, async (request, reply) => {
    const result = await intake.accept(request.body, request.headers['idempotency-key']);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(202).send({
      journeyId: result.journeyId,
      customerId: result.customerId,
      leadId: result.leadId,
      delivered: result.delivered,
    });
  });
};
