// Calling a journey's Update from a route: the journey's answer, or its refusal as 409,
// 404 when there is no such journey, 503 when it does not answer in time.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyReply } from 'fastify';
import { sendNotFound, sendProblem } from './problems.js';
import { grpcStatus, isNotFound } from '../platform/temporal-errors.js';

/** An update waits for the journey's worker; beyond this the caller gets a 503 to retry. */
const UPDATE_DEADLINE_MS = 10_000;

export async function runJourneyUpdate<R, A>(temporal: Client, reply: FastifyReply, journeyId: string, update: UpdateDefinition<R, [A]>, arg: A) {
  try {
    const answer = await temporal.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      temporal.workflow.getHandle(journeyId).executeUpdate(update, { args: [arg] }));
    return reply.send(answer);
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      return sendProblem(reply, { type: 'journey-refused', title: 'The journey refused the action', status: 409, detail: error.cause?.message ?? error.message });
    }
    if (isNotFound(error)) return sendNotFound(reply, 'journey', journeyId);
    if ((error as { code?: number } | null)?.code === grpcStatus.DEADLINE_EXCEEDED) {
      reply.header('retry-after', '30');
      return sendProblem(reply, { type: 'journey-unavailable', title: 'The journey did not answer in time', status: 503, detail: 'retry the same request; repeats are answered once' });
    }
    throw error;
  }
}
