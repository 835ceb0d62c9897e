// A dealer's open tasks on the customers it serves now (care/dealer-tasks.ts), for its own systems
// as for its people's workspace: listed, and closed when done by hand (a call back about a service
// appointment, a workshop visit arranged). Another dealer's task is a 404, as if it did not exist.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DealerTasks } from '../../care/dealer-tasks.js';
import { Problem, sendNotFound } from '../problems.js';

const TaskView = z.object({
  taskId: z.string(), kind: z.string(), detail: z.string().nullable(), dueAt: z.string(), overdue: z.boolean(),
  journeyId: z.string(), customerId: z.string(), customerName: z.string(), closable: z.boolean().describe('Closed by POST …/done (the others close with their own action)'),
}).meta({ id: 'DealerTask' });

export const dealerTaskRoutes = ({ tasks }: { tasks: DealerTasks }): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/dealer/tasks', {
    config: { access: { roles: ['DEALER'] } },
    schema: {
      tags: ['dealer workspace'], summary: 'Your open tasks on the customers you serve now, earliest due first (service appointments asked for, complaints to follow up, cars for the workshop, outcomes to report)',
      response: { 200: z.object({ items: z.array(TaskView) }) },
    },
  }, async (request, reply) => {
    const items = await tasks.open(request.principal!.dealerId!);
    return reply.send({ items: items.map((t) => ({ ...t, dueAt: t.dueAt.toISOString() })) });
  });

  app.post('/v1/dealer/tasks/:taskId/done', {
    config: { access: { roles: ['DEALER'] } },
    schema: {
      tags: ['dealer workspace'], summary: 'Close a task you did (a service appointment arranged, a workshop visit); again is harmless',
      params: z.object({ taskId: z.string().min(1).max(300) }),
      response: { 200: z.object({ taskId: z.string(), status: z.literal('DONE') }), 404: Problem },
    },
  }, async (request, reply) => {
    if (!(await tasks.close(request.principal!.dealerId!, request.params.taskId))) return sendNotFound(reply, 'task you close by hand', request.params.taskId);
    return reply.send({ taskId: request.params.taskId, status: 'DONE' as const });
  });
};
