// The links in customers' e-mails: the double opt-in confirmation and the unsubscribe (also
// as RFC 8058 one-click POST from mail clients). Public routes: the signed token is the only
// credential, and it names the customer and the consent, nothing else can be reached with it.
import formbody from '@fastify/formbody';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConsentLinkRejected, type ConsentLink, type ConsentLinks } from '../../consent/links.js';
import { journeyIdFor } from '../../domain/journey.js';
import type { Channel } from '../../domain/messages.js';
import type { PrismaClient } from '../../platform/db.js';
import { grpcStatus, isNotFound } from '../../platform/temporal-errors.js';
import { confirmConsentUpdate, consentChangedSignal } from '../../workflows/definitions.js';
import { simplePage } from '../pages/page.js';
import { Problem, RETRY_AFTER_SECONDS, sendProblem } from '../problems.js';

const TEMPORAL_DEADLINE_MS = 10_000;
const Token = z.object({ token: z.string().min(20).max(2_000).regex(/^[A-Za-z0-9._-]+$/, 'a token from the link') });
const Page = z.string().describe('An HTML page saying what happened');
const CHANNEL_WORDS: Record<string, string> = { EMAIL: 'e-mail', SMS: 'text message', PHONE: 'phone', IN_VEHICLE: 'in-vehicle message', POST: 'post' };

export const consentLinkRoutes = (deps: { db: PrismaClient; temporal: Client; links: ConsentLinks }): FastifyPluginAsyncZod => async (app) => {
  // Mail clients send the one-click unsubscribe as a form post.
  await app.register(formbody);

  const page = (reply: FastifyReply, status: number, title: string, message: string) =>
    reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(simplePage(title, message));
  const rejected = (reply: FastifyReply, error: ConsentLinkRejected) =>
    error.problem === 'expired'
      ? page(reply, 410, 'This link has expired', 'The confirmation link is no longer valid. Sign up again and we will send you a new one.')
      : page(reply, 403, 'This link is not valid', 'The link may have been changed or cut off. Please use the link exactly as it is in the e-mail.');
  const proof = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent']?.slice(0, 500) ?? null });

  app.get('/v1/consents/confirm', {
    config: { access: { public: true } },
    schema: {
      tags: ['consent'], summary: 'Double opt-in: the link in the confirmation e-mail; the consent is in force from this click',
      description: 'Answers with an HTML page: 200 confirmed; 403 the link is not valid; 410 it expired; 409 no confirmation is awaited any more (withdrawn since); 404 no such customer (erased).',
      querystring: Token, produces: ['text/html'],
      response: { 200: Page, 400: Problem, 403: Page, 404: Page, 409: Page, 410: Page, 503: Problem },
    },
  }, async (request, reply) => {
    let link: ConsentLink;
    try {
      link = await deps.links.readConfirmation(request.query.token);
    } catch (error) {
      if (error instanceof ConsentLinkRejected) return rejected(reply, error);
      throw error;
    }
    try {
      await deps.temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
        deps.temporal.workflow.getHandle(journeyIdFor(link.customerId)).executeUpdate(confirmConsentUpdate, { args: [{ channel: link.channel as Channel, purpose: link.purpose }] }));
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return page(reply, 409, 'Nothing to confirm', 'This request is no longer open: it was withdrawn or has lapsed. Sign up again if you wish.');
      if (isNotFound(error)) return page(reply, 404, 'Nothing to confirm', 'We hold no record for this link.');
      if ((error as { code?: number } | null)?.code === grpcStatus.DEADLINE_EXCEEDED) return unavailable(reply);
      throw error;
    }
    // The click is the proof: recorded with the wording the person confirmed, their address and browser.
    const grant = await deps.db.consentRecord.findFirst({
      where: { customerId: link.customerId, channel: link.channel, purpose: link.purpose, granted: true, method: { not: 'DOUBLE_OPT_IN' } },
      orderBy: { capturedAt: 'desc' }, select: { wordingId: true, leadId: true },
    });
    await deps.db.consentRecord.create({
      data: {
        customerId: link.customerId, leadId: grant?.leadId ?? null, channel: link.channel, purpose: link.purpose, granted: true,
        wordingId: grant?.wordingId ?? 'unknown', method: 'DOUBLE_OPT_IN', capturedAt: new Date(), ...proof(request),
      },
    });
    return page(reply, 200, 'Thank you, confirmed', `From now on we may send you news and offers by ${CHANNEL_WORDS[link.channel]}. Every message has a link to unsubscribe.`);
  });

  const unsubscribe = async (request: FastifyRequest<{ Querystring: z.infer<typeof Token> }>, reply: FastifyReply) => {
    let link: ConsentLink & { communicationId: string };
    try {
      link = await deps.links.readUnsubscribe(request.query.token);
    } catch (error) {
      if (error instanceof ConsentLinkRejected) return rejected(reply, error);
      throw error;
    }
    try {
      await deps.temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
        deps.temporal.workflow.getHandle(journeyIdFor(link.customerId)).signal(consentChangedSignal, { channel: link.channel as Channel, purpose: link.purpose, granted: false }));
    } catch (error) {
      if (isNotFound(error)) return page(reply, 404, 'Nothing to unsubscribe', 'We hold no record for this link any more; nothing will be sent to you.');
      if ((error as { code?: number } | null)?.code === grpcStatus.DEADLINE_EXCEEDED) return unavailable(reply);
      throw error;
    }
    await deps.db.consentRecord.create({
      data: {
        customerId: link.customerId, channel: link.channel, purpose: link.purpose, granted: false, wordingId: 'unsubscribe-link',
        method: 'UNSUBSCRIBE', capturedAt: new Date(), communicationId: link.communicationId, ...proof(request),
      },
    });
    const what = link.purpose === 'MARKETING' ? 'news, offers and reminders' : 'follow-ups about your inquiry';
    return page(reply, 200, 'You are unsubscribed', `We will send you no more ${what} by ${CHANNEL_WORDS[link.channel]}. Messages you need (such as safety recalls) still reach you.`);
  };

  app.get('/v1/unsubscribe', {
    config: { access: { public: true } },
    schema: {
      tags: ['consent'], summary: 'The unsubscribe link in a message: withdraws the consent that message rested on, at once',
      description: 'Answers with an HTML page: 200 unsubscribed (also when it was already); 403 the link is not valid; 404 no record any more.',
      querystring: Token, produces: ['text/html'],
      response: { 200: Page, 400: Problem, 403: Page, 404: Page, 503: Problem },
    },
  }, unsubscribe);

  app.post('/v1/unsubscribe', {
    config: { access: { public: true } },
    schema: {
      tags: ['consent'], summary: 'One-click unsubscribe (RFC 8058), as mail clients send it from the List-Unsubscribe-Post header',
      querystring: Token, consumes: ['application/x-www-form-urlencoded'], produces: ['text/html'],
      body: z.object({ 'List-Unsubscribe': z.literal('One-Click') }),
      response: { 200: Page, 400: Problem, 403: Page, 404: Page, 503: Problem },
    },
  }, unsubscribe);
};

function unavailable(reply: FastifyReply) {
  reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return sendProblem(reply, { type: 'journey-unavailable', title: 'Please try again in a moment', status: 503, detail: 'the journey did not answer in time; the link will work again shortly' });
}
