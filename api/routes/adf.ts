import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseAdf } from '../../intake/adf.js';
import { IntakeRejected, type LeadIntake } from '../../intake/lead-intake.js';
import type { PrismaClient } from '../../platform/db.js';
import { Problem } from '../problems.js';
import { LeadAccepted } from '../schemas.js';

export const adfRoutes = (deps: { intake: LeadIntake; db: PrismaClient }): FastifyPluginAsyncZod => async (app) => {
  // ADF arrives as XML; the route takes the raw document and parses it itself.
  app.addContentTypeParser(['application/xml', 'text/xml', 'application/adf+xml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/v1/leads/adf', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['leads'],
      summary: 'Capture leads from a lead provider in ADF 1.0 XML (one or more <prospect>s)',
      description:
        'Each prospect becomes a lead (source ADF) on its customer\'s journey. <vendor> naming one of our dealers makes it ' +
        'the preferred dealer. The prospect <id> makes resubmissions idempotent. Every prospect is checked before any is stored.',
      consumes: ['application/xml', 'text/xml'],
      body: z.string().min(1, 'an ADF XML document is required'),
      response: { 202: z.object({ journeys: z.array(LeadAccepted) }), 400: Problem, 422: Problem },
    },
  }, async (request, reply) => {
    const prospects = parseAdf(request.body);
    for (const p of prospects) {
      if (!p.vendor) continue;
      const dealer = await deps.db.dealer.findFirst({
        where: { active: true, OR: [...(p.vendor.id ? [{ id: p.vendor.id }] : []), ...(p.vendor.name ? [{ name: { equals: p.vendor.name, mode: 'insensitive' as const } }] : [])] },
        select: { id: true },
      });
      if (dealer) p.lead.preferredDealerId = dealer.id;
    }
    // Nothing half-written: every prospect must pass before the first one is stored.
    for (const [i, p] of prospects.entries()) {
      try {
        await deps.intake.validate(p.lead);
      } catch (error) {
        if (error instanceof IntakeRejected) throw new IntakeRejected(`adf.prospect[${i}].${error.field}`, error.message);
        throw error;
      }
    }
    const journeys = [];
    for (const p of prospects) {
      const r = await deps.intake.accept(p.lead, p.providerKey);
      journeys.push({ journeyId: r.journeyId, customerId: r.customerId, leadId: r.leadId, delivered: r.delivered });
    }
    return reply.status(202).send({ journeys });
  });
};
