import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { Problem, sendProblem } from '../problems.js';
import { JourneyParams, JourneyView } from '../schemas.js';

export const journeyRoutes = (temporal: Client): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/journeys/:id', {
    schema: {
      tags: ['journeys'],
      summary: "A journey's live state, answered by the journey itself",
      params: JourneyParams,
      response: { 200: JourneyView, 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    try {
      const state = await temporal.workflow.getHandle(request.params.id).query(journeyStateQuery);
      return reply.send(state);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        return sendProblem(reply, { type: 'not-found', title: 'Journey not found', status: 404, detail: `no journey ${request.params.id}` });
      }
      throw error;
    }
  });
};
