// A survey's one-question page and a promoter's referral form, public pages beside the
// customer's own page (same look, same languages). A survey's link names the customer and the
// survey message, signed; answering keeps the score and comment outside the journey's history
// (care/surveys.ts). A promoter's thank-you page carries their referral link: the friend's form
// makes a lead (source REFERRAL, to the promoter's dealer first) recorded as theirs.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { RestitutionPending, surveyAnswers } from '../../care/surveys.js';
import { MAX_SURVEY_COMMENT } from '../../domain/surveys.js';
import { IntakeRejected, type IncomingLead, type LeadIntake } from '../../intake/lead-intake.js';
import { checkLead } from '../../intake/lead-schema.js';
import { NO_CONTROL_CHARACTERS } from '../../platform/validation.js';
import type { CustomerPageDeps } from './routes.js';
import { pageLanguage, TEXTS, type PageLanguage } from './texts.js';

/** Friends' leads one promoter's link makes in a day, at most. */
export const REFERRALS_PER_DAY = 10;
const Token = z.string().min(20).max(2_000).regex(/^[A-Za-z0-9._-]+$/);
const Lang = z.enum(['en', 'de']).optional();
const Field = (max: number) => z.string().trim().max(max).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters').optional();

export interface PageKit {
  render(reply: FastifyReply, lang: PageLanguage, view: string, data: Record<string, unknown>, status?: number): FastifyReply;
  /** What a signed link names, or null once the page saying why not went out. */
  readLink<T>(reply: FastifyReply, lang: string | undefined, read: () => Promise<T>): Promise<T | null>;
  /** The brand the page speaks for, and its legal footer in the page's language. */
  brandOfPage(customerId: string | null, lang: PageLanguage): Promise<{ name: string; footer: string | null } | null>;
  say(reply: FastifyReply, lang: PageLanguage, heading: string, message: string, status: number, askAgain?: boolean): FastifyReply;
  unavailable(reply: FastifyReply, lang: PageLanguage): FastifyReply;
  config: Record<string, unknown>;
}

export async function surveyPages(app: FastifyInstance, deps: CustomerPageDeps & { intake: LeadIntake }, kit: PageKit) {
  const { db, links } = deps;
  const { render, say } = kit;
  const answers = surveyAnswers(deps);
  const routes = app.withTypeProvider<ZodTypeProvider>();

  /** The link's customer and survey, or the page saying why not (sent already). */
  async function surveyOf(token: string, lang: string | undefined, reply: FastifyReply) {
    const link = await kit.readLink(reply, lang, () => links.readSurvey(token));
    if (!link) return null;
    const [survey, customer] = await Promise.all([
      answers.survey(link.communicationId, link.customerId),
      db.customer.findUnique({ where: { id: link.customerId }, select: { language: true, country: true } }),
    ]);
    const l = pageLanguage(lang, customer, reply.request.headers['accept-language']);
    const journey = await db.journey.findUnique({ where: { customerId: link.customerId }, select: { stage: true } });
    if (!survey || journey?.stage === 'ERASED') {
      await say(reply, l, TEXTS[l].goneTitle, TEXTS[l].gone, 404);
      return null;
    }
    return { link, survey, lang: l };
  }

  routes.get('/survey', { config: kit.config, schema: { querystring: z.object({ token: Token, lang: Lang }) } }, async (request, reply) => {
    const found = await surveyOf(request.query.token, request.query.lang, reply);
    if (!found) return reply;
    return render(reply, found.lang, 'survey', {
      token: request.query.token, dealerName: found.survey.dealerName, answered: found.survey.answer, brand: await kit.brandOfPage(found.link.customerId, found.lang),
    });
  });

  routes.post('/survey', {
    config: kit.config,
    schema: { body: z.object({ token: Token, lang: Lang, score: z.coerce.number().int().min(0).max(10), comment: Field(MAX_SURVEY_COMMENT) }) },
  }, async (request, reply) => {
    const { token, lang, score, comment } = request.body;
    const found = await surveyOf(token, lang, reply);
    if (!found) return reply;
    let answered;
    try {
      answered = await answers.answer({ communicationId: found.link.communicationId, customerId: found.link.customerId, score, comment: comment || null });
    } catch (error) {
      if (error instanceof RestitutionPending) return kit.unavailable(reply, found.lang);
      throw error;
    }
    if (!answered) return say(reply, found.lang, TEXTS[found.lang].goneTitle, TEXTS[found.lang].gone, 404);
    const referralUrl = answered.outcome === 'PROMOTER' ? `${await links.referralUrl(found.link.customerId)}&lang=${found.lang}` : null;
    return render(reply, found.lang, 'survey-thanks', { outcome: answered.outcome, referralUrl });
  });

  /** The promoter a referral link names, while they are a customer of ours; or the page saying why not. */
  async function referrerOf(token: string, lang: string | undefined, reply: FastifyReply) {
    const l = pageLanguage(lang, null, reply.request.headers['accept-language']);
    const link = await kit.readLink(reply, lang, () => links.readReferral(token));
    if (!link) return null;
    const { customerId } = link;
    const journey = await db.journey.findUnique({ where: { customerId }, select: { stage: true, dealerId: true } });
    if (!journey || journey.stage === 'ERASED') {
      await say(reply, l, TEXTS[l].goneTitle, TEXTS[l].invalid, 404);
      return null;
    }
    return { customerId, dealerId: journey.dealerId, lang: l };
  }

  routes.get('/referral', { config: kit.config, schema: { querystring: z.object({ token: Token, lang: Lang }) } }, async (request, reply) => {
    const referrer = await referrerOf(request.query.token, request.query.lang, reply);
    if (!referrer) return reply;
    return render(reply, referrer.lang, 'referral', { token: request.query.token, submission: randomUUID(), brand: await kit.brandOfPage(referrer.customerId, referrer.lang) });
  });

  routes.post('/referral', {
    config: kit.config,
    schema: {
      body: z.object({
        token: Token, lang: Lang, _submission: z.uuid(), firstName: Field(100), lastName: Field(100), email: Field(320), phone: Field(40), postalCode: Field(12), model: Field(100),
      }),
    },
  }, async (request, reply) => {
    const { token, lang, _submission, firstName, lastName, email, phone, postalCode, model } = request.body;
    const referrer = await referrerOf(token, lang, reply);
    if (!referrer) return reply;
    const l = referrer.lang;
    if (!email && !phone) return say(reply, l, TEXTS[l].checkTitle, `email: ${TEXTS[l].contactRequired}`, 400);
    // A link passed around too widely (or a promoter's script) stops making leads for the day.
    const today = await db.referral.count({ where: { referrerCustomerId: referrer.customerId, createdAt: { gt: new Date(Date.now() - 86_400_000) } } });
    if (today >= REFERRALS_PER_DAY) return say(reply, l, TEXTS[l].checkTitle, TEXTS[l].tooMany, 429);
    const checked = checkLead({
      source: 'WEB_FORM', campaign: 'REFERRAL',
      ...(model ? { interest: { model } } : {}),
      contact: { firstName: firstName || undefined, lastName: lastName || undefined, email: email || undefined, phone: phone || undefined, postalCode: postalCode || undefined },
      // The friend goes to the promoter's dealer first, as the promoter told them.
      ...(referrer.dealerId ? { preferredDealerId: referrer.dealerId } : {}),
    });
    if (!('lead' in checked)) return say(reply, l, TEXTS[l].checkTitle, `${checked.field.replace(/^contact\./, '')}: ${checked.message}`, 400);
    // A stranger's form: it may name a known customer but adds nothing to their record.
    const lead: IncomingLead = { ...checked.lead, source: 'REFERRAL', anonymous: true };
    let result;
    try {
      result = await deps.intake.accept(lead, `referral:${referrer.customerId}:${_submission}`);
    } catch (error) {
      if (error instanceof IntakeRejected) return say(reply, l, TEXTS[l].checkTitle, `${error.field.replace(/^contact\./, '')}: ${error.message}`, 400);
      throw error;
    }
    // The promoter's own address through their own link refers nobody.
    if (result.customerId !== referrer.customerId) {
      await db.referral.createMany({ data: [{ leadId: result.leadId, referrerCustomerId: referrer.customerId, referrerDealerId: referrer.dealerId }], skipDuplicates: true });
    }
    return say(reply, l, TEXTS[l].referralThanksTitle, TEXTS[l].referralThanks, 202);
  });
}
