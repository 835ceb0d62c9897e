// Leads straight from a web form on the OEM's site: the page holds a publishable form key,
// the browser posts cross-origin (CORS allowed for the key's origins only), and the lead goes
// through the same intake as the API's, with the consents the person ticked and their proof.
// Abuse: a per-address rate limit, a honeypot field, and a captcha check when configured; a
// honeypot submission is answered exactly like a real one and never reaches a journey.
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CONSENT_CHANNELS } from '../../domain/consent.js';
import { CONTACT_ROLES } from '../../domain/fleets.js';
import { ENGAGEMENT_KINDS, journeyIdFor } from '../../domain/journey.js';
import { PURCHASE_TIMEFRAMES } from '../../domain/lead.js';
import { isNotFound } from '../../platform/temporal-errors.js';
import { engagementRecordedSignal } from '../../workflows/definitions.js';
import { CONSENT_PURPOSES } from '../../domain/messages.js';
import { IntakeRejected, type IncomingLead, type LeadIntake } from '../../intake/lead-intake.js';
import { checkLead } from '../../intake/lead-schema.js';
import { email, text } from '../../platform/validation.js';
import { clientAddressKey } from '../../platform/client-address.js';
import { CaptchaUnavailable, type CaptchaVerifier } from '../../webforms/captcha.js';
import type { FormKeyStore } from '../../webforms/form-keys.js';
import { Problem, RETRY_AFTER_SECONDS, sendNotFound, sendInvalid, sendProblem } from '../problems.js';

const FORM_PATH = /^\/v1\/forms\/([^/?#]+)\//;

const WebFormLead = z
  .strictObject({
    firstName: text(100).optional(), lastName: text(100).optional(), email: email().optional(), phone: text(40).optional(),
    postalCode: text(12).optional(), country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, e.g. DE').optional(),
    model: text(100).optional(), timeframe: z.enum(PURCHASE_TIMEFRAMES).optional(), message: text(2000).optional(),
    preferredDealerId: text(64).optional(),
    companyName: text(200).optional().describe('A business customer\'s form: the company the person asks for (the lead and journey are the company\'s)'),
    vatId: z.string().max(30).optional(),
    fleetSize: z.number().int().min(1).max(1_000_000).optional(),
    contactRole: z.enum(CONTACT_ROLES).optional().describe('The person\'s role in the company; DECISION_MAKER when not said'),
    consents: z.array(z.strictObject({
      channel: z.enum(CONSENT_CHANNELS), purpose: z.enum(CONSENT_PURPOSES), granted: z.boolean(),
      wordingId: text(100).describe('One of the wordings registered with the form key'),
    })).max(10).optional().describe('The boxes the person ticked (or left unticked) and the wording shown beside them'),
    website: z.string().max(500).optional().describe('The honeypot: a field people never see; leave it empty'),
    captchaToken: z.string().min(1).max(4096).optional().describe('The captcha widget\'s token, when the API is configured to check one'),
  })
  .meta({ id: 'WebFormLead' });

/** Where a lead field came from on the form (the form is flat). */
const formField = (path: string) => path.replace(/^company\.name$/, 'companyName').replace(/^(contact|interest|company)\./, '').replace(/^contact$/, 'email');

export interface WebFormDeps {
  intake: LeadIntake;
  temporal: Client;
  formKeys: FormKeyStore;
  log: Logger;
  captcha?: CaptchaVerifier;
  /** Submissions per address per minute (default 20). */
  perAddressPerMinute?: number;
}

export const webFormRoutes = (deps: WebFormDeps): FastifyPluginAsyncZod => async (app) => {
  // Preflights and answers carry CORS headers for the key's own origins only.
  await app.register(cors, {
    delegator: async (request: FastifyRequest): Promise<FastifyCorsOptions> => {
      const key = FORM_PATH.exec(request.url)?.[1];
      const formKey = key ? await deps.formKeys.active(decodeURIComponent(key)) : null;
      return { origin: formKey?.allowedOrigins ?? false, methods: ['POST'], allowedHeaders: ['content-type'], maxAge: 600 };
    },
  });

  /** The form key in the path, when it is active and the request comes from one of its origins; else the refusal is sent. */
  async function keyFor(request: FastifyRequest, reply: FastifyReply) {
    const { formKey: presented } = request.params as { formKey: string };
    const formKey = await deps.formKeys.active(presented);
    if (!formKey) {
      await sendNotFound(reply, 'form key', presented);
      return null;
    }
    const origin = request.headers.origin;
    if (!origin || !formKey.allowedOrigins.includes(origin)) {
      await sendProblem(reply, { type: 'origin-not-allowed', title: 'Not from this form\'s site', status: 403, detail: `Origin ${origin ?? '(none)'} is not one of this form key's origins` });
      return null;
    }
    return formKey;
  }
  const perAddress = { max: deps.perAddressPerMinute ?? 20, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => `form:${clientAddressKey(request.ip)}` };

  app.post('/v1/forms/:formKey/engagements', {
    config: { access: { public: true }, rateLimit: perAddress },
    bodyLimit: 1024,
    schema: {
      tags: ['web forms'],
      summary: 'Interest shown on your site (configurator, brochure, test-drive page) by a known customer, with the form\'s publishable key',
      description: 'From one of the key\'s origins. Always 202 `{received: true}`, also for a customer we do not know, so the answer reveals ' +
        'nothing; a known customer\'s journey records the engagement (a nurtured customer is scored again). No personal data in the body.',
      params: z.object({ formKey: z.string().min(1).max(100) }),
      body: z.strictObject({ customerId: z.uuid(), kind: z.enum(ENGAGEMENT_KINDS) }),
      response: { 202: z.object({ received: z.literal(true) }), 400: Problem, 403: Problem, 404: Problem, 429: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    if (!(await keyFor(request, reply))) return reply;
    try {
      await deps.temporal.withDeadline(Date.now() + 5_000, () =>
        deps.temporal.workflow.getHandle(journeyIdFor(request.body.customerId)).signal(engagementRecordedSignal, { kind: request.body.kind }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return reply.status(202).send({ received: true });
  });

  app.post('/v1/forms/:formKey/leads', {
    config: {
      access: { public: true },
      rateLimit: perAddress,
    },
    bodyLimit: 32 * 1024,
    schema: {
      tags: ['web forms'],
      summary: 'A lead from a web form on your site, posted by the browser with the form\'s publishable key',
      description:
        'No API key: the publishable form key in the path is the credential, good for this one thing. The request must come from one ' +
        'of the key\'s origins (the Origin header, as browsers send it); the lead gets the key\'s campaign and source WEB_FORM; consents ' +
        'must use the key\'s wordings and are kept with the address and browser they came from. Always 202 `{received: true}`; ' +
        'the answer says nothing about who the person is.',
      params: z.object({ formKey: z.string().min(1).max(100) }),
      body: WebFormLead,
      response: { 202: z.object({ received: z.literal(true) }), 400: Problem, 403: Problem, 404: Problem, 429: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const formKey = await keyFor(request, reply);
    if (!formKey) return reply;
    const body = request.body;
    const unknownWording = (body.consents ?? []).findIndex((c) => !formKey.wordingIds.includes(c.wordingId));
    if (unknownWording >= 0) {
      const field = `consents.${unknownWording}.wordingId`;
      return sendInvalid(reply, field, 'not a wording registered with this form key');
    }
    const stray = (['vatId', 'fleetSize', 'contactRole'] as const).find((f) => body[f] !== undefined);
    if (stray && !body.companyName) return sendInvalid(reply, 'companyName', `required with ${stray}: the company the person asks for`);
    const now = new Date().toISOString();
    const checked = checkLead({
      source: 'WEB_FORM',
      ...(formKey.campaign ? { campaign: formKey.campaign } : {}),
      ...(body.model || body.timeframe || body.message ? { interest: { model: body.model, timeframe: body.timeframe, message: body.message } } : {}),
      contact: { firstName: body.firstName, lastName: body.lastName, email: body.email, phone: body.phone, postalCode: body.postalCode, country: body.country },
      ...(body.preferredDealerId ? { preferredDealerId: body.preferredDealerId } : {}),
      ...(body.companyName ? { company: { name: body.companyName, vatId: body.vatId, fleetSize: body.fleetSize, contactRole: body.contactRole } } : {}),
      ...(body.consents?.length ? { consents: body.consents.map((c) => ({ ...c, method: 'WEB_FORM', capturedAt: now })) } : {}),
    });
    const invalid = (field: string, message: string) => sendInvalid(reply, field, message);
    if (!('lead' in checked)) return invalid(formField(checked.field), checked.message);
    const lead: IncomingLead = { ...checked.lead, anonymous: true, consentProof: { ip: request.ip, userAgent: request.headers['user-agent']?.slice(0, 500) ?? null } };
    try {
      await deps.intake.validate(lead);
    } catch (error) {
      if (error instanceof IntakeRejected) return invalid(formField(error.field), error.message);
      throw error;
    }

    // Past every check a person would fail: from here a bot learns nothing from the answer.
    if (body.website) {
      deps.log.info({ formKeyId: formKey.id }, 'web form: honeypot filled, submission dropped');
      return reply.status(202).send({ received: true });
    }
    if (deps.captcha) {
      if (!body.captchaToken) return invalid('captchaToken', 'required: solve the captcha');
      let human: boolean;
      try {
        human = await deps.captcha(body.captchaToken, request.ip);
      } catch (error) {
        if (!(error instanceof CaptchaUnavailable)) throw error;
        reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        return sendProblem(reply, { type: 'captcha-unavailable', title: 'The captcha could not be checked', status: 503, detail: 'send the form again in a moment' });
      }
      if (!human) return invalid('captchaToken', 'the captcha was not solved; try again');
    }
    try {
      await deps.intake.accept(lead);
    } catch (error) {
      if (error instanceof IntakeRejected) return invalid(formField(error.field), error.message);
      throw error;
    }
    return reply.status(202).send({ received: true });
  });
};
