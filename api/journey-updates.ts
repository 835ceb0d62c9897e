// Calling a journey's Update from a route: the journey's answer, or its refusal as 409,
// 404 when there is no such journey, 503 when it does not answer in time.
import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { sendNotFound, sendProblem } from './problems.js';
import { callJourneyUpdate } from '../platform/journey-updates.js';

export { callJourneyUpdate, type JourneyUpdateOutcome } from '../platform/journey-updates.js';

/**
 * The Update's id for a request that names itself (an Idempotency-Key, a form's submission id):
 * from the caller, the action and the request, so a retry — after a timeout, a double click —
 * is the same Update, which Temporal applies once and answers again with its first outcome.
 * The same key with another body is another request. Without a key: none (every call is new).
 */
export function updateIdOf(request: FastifyRequest, action: string, key: string | undefined): string | undefined {
  if (!key) return undefined;
  const caller = request.principal?.keyId ?? 'anonymous';
  const digest = createHash('sha256').update(`${caller}\n${key}\n${JSON.stringify(request.body ?? null)}`).digest('hex').slice(0, 40);
  return `${action}:${digest}`;
}

/**
 * `afterwards`: what the route writes once the journey has taken the action (before the answer
 * goes out; idempotent, as a retry writes it again). `updateId`: see updateIdOf.
 */
export async function runJourneyUpdate<R, A>(temporal: Client, reply: FastifyReply, journeyId: string, update: UpdateDefinition<R, [A]>, arg: A, afterwards?: () => Promise<void>, updateId?: string) {
  const outcome = await callJourneyUpdate(temporal, journeyId, update, arg, updateId);
  switch (outcome.kind) {
    case 'answered':
      await afterwards?.();
      return reply.send(outcome.answer);
    case 'refused': return sendProblem(reply, { type: 'journey-refused', title: 'The journey refused the action', status: 409, detail: outcome.reason });
    case 'not-found': return sendNotFound(reply, 'journey', journeyId);
    case 'unavailable':
      reply.header('retry-after', '30');
      return sendProblem(reply, { type: 'journey-unavailable', title: 'The journey did not answer in time', status: 503, detail: 'retry the same request; repeats are answered once' });
  }
}
