// What every workspace page does the same way: render a view in the layout with the person
// and a CSRF token, and run one journey Update from a form and show its answer.
import type { Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PageAccessDenied } from '../access.js';
import { callJourneyUpdate, updateIdOf } from '../journey-updates.js';
import { randomUUID } from 'node:crypto';

/** A view of `views/` in the layout, with the person logged in and a fresh CSRF token. */
export const page = (reply: FastifyReply, view: string, data: Record<string, unknown>, status = 200) =>
  reply.code(status).type('text/html; charset=utf-8').view(`${view}.eta`, { csrf: reply.generateCsrf(), user: reply.request.principal, submission, ...data });

/** A fresh id for each form a page shows (`_submission`): a double click or a re-sent form is one action. */
const submission = () => randomUUID();

/** A page saying why a form was not taken (`status`: 400 naming the field, 409 refused, …). */
export const message = (reply: FastifyReply, title: string, text: string, status: number) => page(reply, 'message', { title, message: text }, status);

/**
 * Runs the journey's Update named by the route's `:id` and goes to `to` with its answer (after
 * `afterwards`, what the page writes once the journey has taken the action), or shows the
 * journey's refusal (409), a 404 page, or a 503 page when it did not answer.
 */
export async function runPageAction<R, A>(
  temporal: Client, request: FastifyRequest, reply: FastifyReply,
  update: Parameters<typeof callJourneyUpdate<R, A>>[2], arg: A, to: string, afterwards?: () => Promise<void>,
) {
  const journeyId = (request.params as { id: string }).id;
  const submitted = (request.body as { _submission?: unknown } | undefined)?._submission;
  const key = typeof submitted === 'string' && /^[0-9a-f-]{36}$/.test(submitted) ? submitted : undefined;
  const outcome = await callJourneyUpdate<R, A>(temporal, journeyId, update, arg, updateIdOf(request, `${update.name}:${journeyId}`, key));
  if (outcome.kind === 'answered') {
    await afterwards?.();
    return reply.redirect(to, 303);
  }
  if (outcome.kind === 'refused') return message(reply, 'The journey refused', outcome.reason, 409);
  if (outcome.kind === 'not-found') throw new PageAccessDenied(404, 'not found');
  reply.header('retry-after', '30');
  return message(reply, 'Not answered in time', 'The journey did not answer in time; send the form again in a moment (a repeat is answered once).', 503);
}

/** `path?done=…`: where a form goes after it, with what the page then says. */
export const withDone = (path: string, done: string) => `${path}${path.includes('?') ? '&' : '?'}done=${encodeURIComponent(done)}`;
