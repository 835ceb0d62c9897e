// The links in customers' messages: the consent confirmation and the unsubscribe. Opening a link
// (GET) changes nothing: mail scanners and link previews open links too. It shows a page whose
// button POSTs to the same address; that POST acts (and mail clients' RFC 8058 one-click
// unsubscribe POSTs directly). Public routes: the signed token is the only credential, it names
// the customer and the consent (a confirmation also the request), nothing else is reached with
// it; tokens never appear in our logs (platform/logger.ts). Limited per client address.
import formbody from '@fastify/formbody';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConsentLinkRejected, type ConsentLink, type ConsentLinks } from '../../consent/links.js';
import { journeyIdFor } from '../../domain/journey.js';
import type { Channel } from '../../domain/messages.js';
import type { PrismaClient } from '../../platform/db.js';
import { isDeadlineExceeded, isNotFound } from '../../platform/temporal-errors.js';
import { confirmConsentUpdate, consentWithdrawnSignal } from '../../workflows/definitions.js';
import { simplePage, type PageButton } from '../pages/page.js';
import { clientAddressKey } from '../../platform/client-address.js';
import { Problem, RETRY_AFTER_SECONDS, sendProblem } from '../problems.js';

const TEMPORAL_DEADLINE_MS = 10_000;
const Token = z.object({ token: z.string().min(20).max(2_000).regex(/^[A-Za-z0-9._-]+$/, 'a token from the link') });
const Page = z.string().describe('An HTML page saying what happened');
const CHANNEL_WORDS: Record<string, string> = { EMAIL: 'e-mail', SMS: 'text message', PHONE: 'phone', IN_VEHICLE: 'in-vehicle message', POST: 'post' };

export const consentLinkRoutes = (deps: { db: PrismaClient; temporal: Client; links: ConsentLinks }): FastifyPluginAsyncZod => async (app) => {
  // Mail clients send the one-click unsubscribe as a form post; the pages' buttons too.
  await app.register(formbody);
  const perAddress = { max: 30, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => `consent-link:${clientAddressKey(request.ip)}` };

  const page = (reply: FastifyReply, status: number, title: string, message: string, button?: PageButton) =>
    reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
      .send(simplePage(title, message, button));
  const rejected = (reply: FastifyReply, error: ConsentLinkRejected) =>
    error.problem === 'expired'
      ? page(reply, 410, 'This link has expired', 'The link is no longer valid. Use the link in a newer message from us, or sign up again and we will send you a new one.')
      : page(reply, 403, 'This link is not valid', 'The link may have been changed or cut off. Please use the link exactly as it is in the message.');
  const proof = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent']?.slice(0, 500) ?? null });
  /** The same address with its token, for the page's button. */
  const here = (path: string, token: string) => `${path}?token=${encodeURIComponent(token)}`;

  app.get('/v1/consents/confirm', {
    config: { access: { public: true }, rateLimit: perAddress },
    schema: {
      tags: ['consent'], summary: 'The link in the confirmation message: a page whose button confirms (opening it changes nothing)',
      description: 'Answers with an HTML page: 200 with the button; 403 the link is not valid; 410 it expired. The button POSTs to the same address.',
      querystring: Token, produces: ['text/html'],
      response: { 200: Page, 400: Problem, 403: Page, 410: Page, 429: Problem },
    },
  }, async (request, reply) => {
    let link: ConsentLink;
    try {
      link = await deps.links.readConfirmation(request.query.token);
    } catch (error) {
      if (error instanceof ConsentLinkRejected) return rejected(reply, error);
      throw error;
    }
    return page(reply, 200, 'Please confirm', `You asked to hear from us with news and offers by ${CHANNEL_WORDS[link.channel]}. Confirm with the button below; if it was not you, close this page.`,
      { action: here('/v1/consents/confirm', request.query.token), fields: { confirm: 'yes' }, label: 'Yes, I confirm' });
  });

  app.post('/v1/consents/confirm', {
    config: { access: { public: true }, rateLimit: perAddress },
    schema: {
      tags: ['consent'], summary: 'Confirm a consent (the button on the confirmation page): in force from this click',
      description: 'Answers with an HTML page: 200 confirmed; 403 the link is not valid; 410 it expired; 409 this request is no longer awaited (withdrawn, asked again since, or lapsed); 404 no such customer (erased).',
      querystring: Token, consumes: ['application/x-www-form-urlencoded'], produces: ['text/html'],
      body: z.object({ confirm: z.literal('yes') }),
      response: { 200: Page, 400: Problem, 403: Page, 404: Page, 409: Page, 410: Page, 429: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    let link: ConsentLink & { requestedAt: string };
    try {
      link = await deps.links.readConfirmation(request.query.token);
    } catch (error) {
      if (error instanceof ConsentLinkRejected) return rejected(reply, error);
      throw error;
    }
    try {
      await deps.temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
        deps.temporal.workflow.getHandle(journeyIdFor(link.customerId)).executeUpdate(confirmConsentUpdate, {
          args: [{ channel: link.channel as Channel, purpose: link.purpose, requestedAt: link.requestedAt }],
        }));
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return page(reply, 409, 'Nothing to confirm', 'This request is no longer open: it was withdrawn, asked for again (use the newest message), or has lapsed.');
      if (isNotFound(error)) return page(reply, 404, 'Nothing to confirm', 'We hold no record for this link.');
      if (isDeadlineExceeded(error)) return unavailable(reply);
      throw error;
    }
    // A second click (a double click, a retry) is answered the same and recorded once.
    const already = await deps.db.consentRecord.findFirst({
      where: { customerId: link.customerId, channel: link.channel, purpose: link.purpose, method: 'DOUBLE_OPT_IN', capturedAt: { gte: new Date(link.requestedAt) } },
      select: { id: true },
    });
    if (already) return page(reply, 200, 'Thank you, confirmed', `From now on we may send you news and offers by ${CHANNEL_WORDS[link.channel]}. Every message has a link to unsubscribe.`);
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

  const readUnsubscribe = async (token: string, reply: FastifyReply) => {
    try {
      return await deps.links.readUnsubscribe(token);
    } catch (error) {
      if (error instanceof ConsentLinkRejected) {
        await rejected(reply, error);
        return null;
      }
      throw error;
    }
  };

  app.get('/v1/unsubscribe', {
    config: { access: { public: true }, rateLimit: perAddress },
    schema: {
      tags: ['consent'], summary: 'The unsubscribe link in a message: a page whose one button unsubscribes (opening it changes nothing)',
      description: 'Answers with an HTML page: 200 with the button; 403 the link is not valid; 410 it expired (links work for 180 days).',
      querystring: Token, produces: ['text/html'],
      response: { 200: Page, 400: Problem, 403: Page, 410: Page, 429: Problem },
    },
  }, async (request, reply) => {
    const link = await readUnsubscribe(request.query.token, reply);
    if (!link) return reply;
    const what = link.purpose === 'MARKETING' ? 'news, offers and reminders' : 'follow-ups about your inquiry';
    return page(reply, 200, 'Unsubscribe?', `One click and we send you no more ${what} by ${CHANNEL_WORDS[link.channel]}.`,
      { action: here('/v1/unsubscribe', request.query.token), fields: { 'List-Unsubscribe': 'One-Click' }, label: 'Unsubscribe' });
  });

  app.post('/v1/unsubscribe', {
    config: { access: { public: true }, rateLimit: perAddress },
    schema: {
      tags: ['consent'], summary: 'Unsubscribe: one click (RFC 8058, as mail clients send it from the List-Unsubscribe-Post header, and the page\'s button)',
      description: 'Withdraws the consent the message rested on, at once. Answers with an HTML page: 200 unsubscribed (also when it was already); 403 the link is not valid; 410 it expired; 404 no record any more.',
      querystring: Token, consumes: ['application/x-www-form-urlencoded'], produces: ['text/html'],
      body: z.object({ 'List-Unsubscribe': z.literal('One-Click') }),
      response: { 200: Page, 400: Problem, 403: Page, 404: Page, 410: Page, 429: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const link = await readUnsubscribe(request.query.token, reply);
    if (!link) return reply;
    try {
      await deps.temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
        deps.temporal.workflow.getHandle(journeyIdFor(link.customerId)).signal(consentWithdrawnSignal, { channel: link.channel as Channel, purpose: link.purpose }));
    } catch (error) {
      if (isNotFound(error)) return page(reply, 404, 'Nothing to unsubscribe', 'We hold no record for this link any more; nothing will be sent to you.');
      if (isDeadlineExceeded(error)) return unavailable(reply);
      throw error;
    }
    // One record per message's link: a second click (or the mail client's and the person's) adds none.
    const recorded = await deps.db.consentRecord.findFirst({ where: { customerId: link.customerId, communicationId: link.communicationId, method: 'UNSUBSCRIBE' }, select: { id: true } });
    if (!recorded) await deps.db.consentRecord.create({
      data: {
        customerId: link.customerId, channel: link.channel, purpose: link.purpose, granted: false, wordingId: 'unsubscribe-link',
        method: 'UNSUBSCRIBE', capturedAt: new Date(), communicationId: link.communicationId, ...proof(request),
      },
    });
    const what = link.purpose === 'MARKETING' ? 'news, offers and reminders' : 'follow-ups about your inquiry';
    return page(reply, 200, 'You are unsubscribed', `We will send you no more ${what} by ${CHANNEL_WORDS[link.channel]}. Messages you need (such as safety recalls) still reach you.`);
  });
};

function unavailable(reply: FastifyReply) {
  reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return sendProblem(reply, { type: 'journey-unavailable', title: 'Please try again in a moment', status: 503, detail: 'the journey did not answer in time; the link will work again shortly' });
}
