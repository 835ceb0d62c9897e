// The customer's own page (issue 34's preference center), public pages under /my. The request
// form answers the same whether the address is known or not, at once (the work is done after the
// answer went out, so its time tells nothing either); a known customer gets a signed link by
// e-mail, asked of their journey like any message (transactional). The link's token is the
// page's only credential: every form carries it, every action checks it; it names the customer
// and expires in an hour. The page shows their data and dealer; they correct their details,
// change their consents (recorded with proof: their address and browser, the page's wording;
// the journey decides on them at once, e-mail grants need no second click — the link came to
// that address), download their data, and erase it after a second link. German and English.
import formbody from '@fastify/formbody';
import fastifyView from '@fastify/view';
import type { Client } from '@temporalio/client';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { z } from 'zod';
import { customerRecords, journeyStateOf } from '../../care/customer-records.js';
import { changeContact, ContactConflict } from '../../care/contact-change.js';
import { ConsentLinkRejected, type ConsentLinks } from '../../consent/links.js';
import { recordConsentProof } from '../../consent/statements.js';
import { storeCommunicationRequest } from '../../communications/requests.js';
import { consentKey, legalRegimeOf, type ConsentChannel, type ConsentKey, type ConsentStatement } from '../../domain/consent.js';
import { normalizeEmail } from '../../domain/identity.js';
import { journeyIdFor, SERVICE_APPOINTMENT_REASONS, type JourneyState } from '../../domain/journey.js';
import { ServiceAppointment } from '../routes/journeys.js';
import { CONSENT_PURPOSES } from '../../domain/messages.js';
import { clientAddressKey } from '../../platform/client-address.js';
import type { PrismaClient } from '../../platform/db.js';
import { NO_CONTROL_CHARACTERS } from '../../platform/validation.js';
import { JOURNEY_ACTIONS, requestCommunicationUpdate, requestErasureUpdate } from '../../workflows/definitions.js';
import { callJourneyUpdate, updateIdOf } from '../journey-updates.js';
import { exportOf } from '../routes/privacy.js';
import { pageLanguage, TEXTS, type PageLanguage } from './texts.js';
import { surveyPages } from './surveys.js';
import { brandCatalog } from '../../communications/brands.js';
import { brandOf, legalFooterOf } from '../../domain/brands.js';
import type { LeadIntake } from '../../intake/lead-intake.js';

const views = fileURLToPath(new URL('./views', import.meta.url));
const styles = readFileSync(new URL('./my.css', import.meta.url), 'utf8');

/** The channels a person chooses on the page (in-vehicle messages follow the car's own settings). */
const PAGE_CHANNELS = ['EMAIL', 'SMS', 'PHONE', 'POST'] as const satisfies readonly ConsentChannel[];
/** At most this many links per customer an hour: the form cannot be used to flood someone's inbox. */
const LINKS_PER_HOUR = 3;
/** The wording the page shows for consents, per language (the proof names it). */
const WORDING = (lang: PageLanguage) => `my-page-consents-v1-${lang}`;

const PUBLIC = { access: { public: true as const }, page: true };
const Token = z.string().min(20).max(2_000).regex(/^[A-Za-z0-9._-]+$/);
const Lang = z.enum(['en', 'de']).optional();
/** A form field that may be left empty (an empty one changes nothing). */
const Field = (max: number) => z.string().trim().max(max).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters').optional();

export interface CustomerPageDeps {
  db: PrismaClient;
  temporal: Client;
  links: ConsentLinks;
  defaultCountry: string;
  log: Logger;
  /** For a promoter's friend's lead (surveys.ts). */
  intake: LeadIntake;
}

/** What a page's consent box shows: in force, waiting for the confirmation click, or not given. */
type ConsentBox = 'ON' | 'AWAITING' | 'OFF';
function consentBoxes(state: JourneyState | null): Record<ConsentKey, ConsentBox> {
  const boxes = {} as Record<ConsentKey, ConsentBox>;
  for (const purpose of CONSENT_PURPOSES) {
    for (const channel of PAGE_CHANNELS) {
      const key = consentKey(channel, purpose);
      boxes[key] = state?.consent?.granted.includes(key) ? 'ON' : state?.consent?.awaitingConfirmation.some((a) => a.key === key) ? 'AWAITING' : 'OFF';
    }
  }
  return boxes;
}

/** The statements a sent form makes: what changed against what the journey holds (an unchanged box says nothing). */
export function statementsFromForm(boxes: Record<ConsentKey, ConsentBox>, ticked: readonly string[]): ConsentStatement[] {
  const statements: ConsentStatement[] = [];
  for (const [key, box] of Object.entries(boxes) as [ConsentKey, ConsentBox][]) {
    const on = ticked.includes(key);
    const [channel, purpose] = key.split(':') as [ConsentChannel, (typeof CONSENT_PURPOSES)[number]];
    if (on && box === 'OFF') statements.push({ channel, purpose, granted: true });
    if (!on && box !== 'OFF') statements.push({ channel, purpose, granted: false });
  }
  return statements;
}

export const customerPageRoutes = (deps: CustomerPageDeps): FastifyPluginAsyncZod => async (app) => {
  const { db, temporal, links, log } = deps;
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  await app.register(formbody);
  await app.register(fastifyView, { engine: { eta: new Eta({ views, autoEscape: true }) }, root: views });
  const perAddress = { max: 30, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => `my-page:${clientAddressKey(request.ip)}` };
  const linkRequests = { max: 5, timeWindow: 10 * 60_000, keyGenerator: (request: FastifyRequest) => `my-page-link:${clientAddressKey(request.ip)}` };

  const brands = brandCatalog(db);
  /** The brand the page speaks for (the customer's, else the default) and its footer in the page's language. */
  const brandOfPage = async (customerId: string | null, lang: PageLanguage) => {
    const brand = customerId ? await brands.forCustomer(customerId) : brandOf(await brands.all(), null);
    return brand ? { name: brand.name, footer: legalFooterOf(brand, lang)?.value ?? null } : null;
  };
  const render = (reply: FastifyReply, lang: PageLanguage, view: string, data: Record<string, unknown>, status = 200) => {
    const url = new URL(reply.request.url, 'http://page');
    url.searchParams.set('lang', lang === 'de' ? 'en' : 'de');
    url.searchParams.delete('done');
    return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
      .view(`${view}.eta`, { lang, t: TEXTS[lang], otherLanguageUrl: `${url.pathname}${url.search}`, ...data });
  };
  const say = (reply: FastifyReply, lang: PageLanguage, heading: string, message: string, status: number, askAgain = false) =>
    render(reply, lang, 'message', { heading, message, askAgain }, status);

  // Refusals as pages in the person's language: a form that does not parse is a 400 naming the field.
  app.setErrorHandler(async (error, request, reply) => {
    const lang = pageLanguage((request.query as { lang?: string } | undefined)?.lang ?? (request.body as { lang?: string } | undefined)?.lang, null, request.headers['accept-language']);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 400) return say(reply, lang, TEXTS[lang].checkTitle, (error as Error).message, 400);
    if (status === 429) return say(reply, lang, TEXTS[lang].checkTitle, TEXTS[lang].tooMany, 429);
    throw error;
  });

  /** What a signed link names; or, for a link that is not ours, changed or expired, the page saying so (403, 410) and null. */
  async function readLink<T>(reply: FastifyReply, lang: string | undefined, read: () => Promise<T>, askAgain = false): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof ConsentLinkRejected)) throw error;
      const l = pageLanguage(lang, null, reply.request.headers['accept-language']);
      await (error.problem === 'expired' ? say(reply, l, TEXTS[l].expiredTitle, TEXTS[l].expired, 410, askAgain) : say(reply, l, TEXTS[l].invalidTitle, TEXTS[l].invalid, 403, askAgain));
      return null;
    }
  }

  /** The customer a token names, with their records; or the page saying why not (already sent). */
  async function open(token: string, lang: string | undefined, reply: FastifyReply, read: (t: string) => Promise<{ customerId: string; expiresAt?: Date }> = links.readMyPage) {
    const link = await readLink(reply, lang, () => read(token), true);
    if (!link) return null;
    const records = await customerRecords(db, link.customerId);
    const l = pageLanguage(lang, records?.customer, reply.request.headers['accept-language']);
    if (!records || !records.journey || records.journey.stage === 'ERASED') {
      await say(reply, l, TEXTS[l].goneTitle, TEXTS[l].gone, 404);
      return null;
    }
    return { records, lang: l, expiresAt: link.expiresAt };
  }
  const unavailable = (reply: FastifyReply, lang: PageLanguage) => {
    reply.header('retry-after', '30');
    return say(reply, lang, TEXTS[lang].unavailableTitle, TEXTS[lang].unavailable, 503);
  };

  /** A transactional e-mail the customer asked for, asked of their journey (it is the one that sends). */
  async function sendToCustomer(customerId: string, templateId: string, variables: Record<string, string>, perHour?: number) {
    const communicationId = randomUUID();
    const journeyId = journeyIdFor(customerId);
    const request = { communicationId, sender: { kind: 'OEM' as const }, purpose: 'TRANSACTIONAL' as const, channel: 'EMAIL' as const, templateId, notBefore: null };
    // With a cap: counted and stored under a lock of this customer's, so requests at once cannot all pass it.
    const stored = await db.$transaction(async (tx) => {
      if (perHour !== undefined) {
        await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext(${`customer-links:${customerId}`}))`;
        const recent = await tx.communication.count({ where: { customerId, templateId: { startsWith: templateId.replace(/-de$/, '') }, createdAt: { gt: new Date(Date.now() - 3_600_000) } } });
        if (recent >= perHour) return false;
      }
      await storeCommunicationRequest(tx as unknown as PrismaClient, { ...request, customerId, journeyId, requestedBy: 'customer', variables });
      return true;
    });
    if (!stored) return null;
    return callJourneyUpdate(temporal, journeyId, requestCommunicationUpdate, request);
  }

  await surveyPages(app, deps, { render, say, unavailable, brandOfPage, readLink, config: { ...PUBLIC, rateLimit: perAddress } });

  app.get('/my/assets/my.css', { config: PUBLIC }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(styles));

  app.get('/my', { config: { ...PUBLIC, rateLimit: perAddress }, schema: { querystring: z.object({ token: Token.optional(), lang: Lang, done: z.enum(['saved', 'choices', 'appointment']).optional() }) } }, async (request, reply) => {
    const { token, lang, done } = request.query;
    if (!token) {
      const l = pageLanguage(lang, null, request.headers['accept-language']);
      return render(reply, l, 'request', { brand: await brandOfPage(null, l) });
    }
    const opened = await open(token, lang, reply);
    if (!opened) return reply;
    const { records, lang: l } = opened;
    const state = await journeyStateOf(temporal, records.journeyId, true);
    if (!state) return unavailable(reply, l);
    const dealer = state.dealerId ? await db.dealer.findUnique({ where: { id: state.dealerId }, select: { name: true } }) : null;
    const c = records.customer;
    return render(reply, l, 'page', {
      token, submission: randomUUID(), dealer, brand: await brandOfPage(records.customer.id, l), flash: done ? { saved: TEXTS[l].saved, choices: TEXTS[l].choicesSaved, appointment: TEXTS[l].appointmentAsked }[done] : null,
      customer: { firstName: c.firstName, lastName: c.lastName, companyName: c.companyName, email: c.emailNormalized, phone: c.phoneE164, street: c.street, postalCode: c.postalCode, city: c.city },
      consents: consentBoxes(state), purposes: CONSENT_PURPOSES, channels: PAGE_CHANNELS,
      canAskAppointment: state.stage === 'DEALER_OWNED' && dealer !== null, appointmentReasons: SERVICE_APPOINTMENT_REASONS, today: new Date().toISOString().slice(0, 10),
      vehicles: records.sales.map((s) => ({ vin: s.vin, model: s.model })),
      validUntil: new Intl.DateTimeFormat(l === 'de' ? 'de-DE' : 'en-GB', { timeStyle: 'short', timeZone: 'Europe/Berlin' }).format(opened.expiresAt) + (l === 'de' ? ' Uhr' : ''),
    });
  });

  // The request: the same answer for every address, before any lookup is done.
  app.post('/my', { config: { ...PUBLIC, rateLimit: linkRequests }, schema: { body: z.object({ email: z.string().trim().min(3).max(320), lang: Lang }) } }, async (request, reply) => {
    const lang = pageLanguage(request.body.lang, null, request.headers['accept-language']);
    await say(reply, lang, TEXTS[lang].linkSentTitle, TEXTS[lang].linkSent, 200);
    try {
      const customer = await db.customer.findUnique({ where: { emailNormalized: normalizeEmail(request.body.email) }, select: { id: true, language: true, country: true } });
      if (!customer) return reply;
      const language = pageLanguage(request.body.lang, customer);
      await sendToCustomer(customer.id, language === 'de' ? 'my-page-link-de' : 'my-page-link', { myPageUrl: `${await links.myPageUrl(customer.id)}&lang=${language}` }, LINKS_PER_HOUR);
    } catch (err) {
      // The person was answered; they ask again if no link comes.
      log.warn({ err }, 'customer page link not sent');
    }
    return reply;
  });

  app.post('/my/consents', {
    config: { ...PUBLIC, rateLimit: perAddress },
    schema: { body: z.object({ token: Token, lang: Lang, _submission: z.uuid().optional(), consent: z.union([z.string(), z.array(z.string())]).optional() }) },
  }, async (request, reply) => {
    const { token, lang, _submission } = request.body;
    const opened = await open(token, lang, reply);
    if (!opened) return reply;
    const { records, lang: l } = opened;
    const state = await journeyStateOf(temporal, records.journeyId, true);
    if (!state) return unavailable(reply, l);
    const statements = statementsFromForm(consentBoxes(state), [request.body.consent ?? []].flat());
    if (statements.length > 0) {
      const customerId = records.customer.id;
      const outcome = await callJourneyUpdate(temporal, records.journeyId, JOURNEY_ACTIONS.recordConsents.update,
        { regime: legalRegimeOf(records.customer.country ?? deps.defaultCountry), statements, verifiedChannel: 'EMAIL' },
        updateIdOf(request, `recordConsents:${records.journeyId}`, _submission));
      if (outcome.kind === 'unavailable') return unavailable(reply, l);
      if (outcome.kind !== 'answered') return say(reply, l, TEXTS[l].goneTitle, TEXTS[l].gone, 404);
      await recordConsentProof(db, customerId, { consents: statements, method: 'PREFERENCE_CENTER', wordingId: WORDING(l) }, null,
        _submission ? `my-page:${_submission}` : undefined, { ip: request.ip, userAgent: request.headers['user-agent']?.slice(0, 500) ?? null });
    }
    return reply.redirect(`/my?token=${token}&lang=${l}&done=choices`, 303);
  });

  app.post('/my/contact', {
    config: { ...PUBLIC, rateLimit: perAddress },
    schema: {
      body: z.object({
        token: Token, lang: Lang, firstName: Field(100), lastName: Field(100), phone: Field(40), street: Field(100), postalCode: Field(12), city: Field(100),
      }),
    },
  }, async (request, reply) => {
    const { token, lang, ...fields } = request.body;
    const opened = await open(token, lang, reply);
    if (!opened) return reply;
    const { records, lang: l } = opened;
    // Only what they filled in and changed: an emptied field is not an erasure of it (that is the erasure's job).
    const c = records.customer as unknown as Record<string, string | null>;
    const change = Object.fromEntries(Object.entries(fields).filter(([name, value]) => value && value !== (name === 'phone' ? c.phoneE164 : c[name])));
    if (Object.keys(change).length > 0) {
      try {
        await changeContact({ db, temporal, defaultCountry: deps.defaultCountry, log }, records.customer.id, change);
      } catch (error) {
        if (error instanceof ContactConflict) return say(reply, l, TEXTS[l].checkTitle, `${error.field}: ${error.message}`, error.status);
        throw error;
      }
    }
    return reply.redirect(`/my?token=${token}&lang=${l}&done=saved`, 303);
  });

  // As POST /v1/journeys/:id/service-appointments: the journey gives their dealer the task (a day to call back) and a notice.
  app.post('/my/appointments', {
    config: { ...PUBLIC, rateLimit: perAddress },
    schema: { body: z.object({ token: Token, lang: Lang, _submission: z.uuid(), reason: z.enum(SERVICE_APPOINTMENT_REASONS), preferredDate: ServiceAppointment.shape.preferredDate }) },
  }, async (request, reply) => {
    const { token, lang, _submission, reason, preferredDate } = request.body;
    const opened = await open(token, lang, reply);
    if (!opened) return reply;
    const { records, lang: l } = opened;
    const outcome = await callJourneyUpdate(temporal, records.journeyId, JOURNEY_ACTIONS.requestServiceAppointment.update,
      { requestId: _submission, reason, preferredDate }, updateIdOf(request, `requestServiceAppointment:${records.journeyId}`, _submission));
    if (outcome.kind === 'unavailable') return unavailable(reply, l);
    if (outcome.kind === 'refused') return say(reply, l, TEXTS[l].checkTitle, TEXTS[l].noDealer, 409);
    if (outcome.kind === 'not-found') return say(reply, l, TEXTS[l].goneTitle, TEXTS[l].gone, 404);
    return reply.redirect(`/my?token=${token}&lang=${l}&done=appointment`, 303);
  });

  app.get('/my/data.json', { config: { ...PUBLIC, rateLimit: perAddress }, schema: { querystring: z.object({ token: Token, lang: Lang }) } }, async (request, reply) => {
    const opened = await open(request.query.token, request.query.lang, reply);
    if (!opened) return reply;
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-store')
      .header('content-disposition', 'attachment; filename="my-data.json"').send(JSON.stringify(await exportOf(temporal, opened.records, true), null, 2));
  });

  // The erasure's first step: a second link to the same address (whoever has the page has the mailbox, but confirms there once more).
  app.post('/my/erasure-request', { config: { ...PUBLIC, rateLimit: linkRequests }, schema: { body: z.object({ token: Token, lang: Lang }) } }, async (request, reply) => {
    const opened = await open(request.body.token, request.body.lang, reply);
    if (!opened) return reply;
    const { records, lang: l } = opened;
    const outcome = await sendToCustomer(records.customer.id, l === 'de' ? 'my-erasure-link-de' : 'my-erasure-link', { erasureUrl: `${await links.myErasureUrl(records.customer.id)}&lang=${l}` }, LINKS_PER_HOUR);
    if (outcome?.kind === 'unavailable') return unavailable(reply, l);
    return say(reply, l, TEXTS[l].linkSentTitle, TEXTS[l].eraseSent, 202);
  });

  // Opening the second link changes nothing (mail scanners open links): a page with the button.
  app.get('/my/erasure', { config: { ...PUBLIC, rateLimit: perAddress }, schema: { querystring: z.object({ token: Token, lang: Lang }) } }, async (request, reply) => {
    const opened = await open(request.query.token, request.query.lang, reply, links.readMyErasure);
    if (!opened) return reply;
    return render(reply, opened.lang, 'erasure', { token: request.query.token });
  });

  app.post('/my/erasure', { config: { ...PUBLIC, rateLimit: perAddress }, schema: { body: z.object({ token: Token, lang: Lang }) } }, async (request, reply) => {
    const link = await readLink(reply, request.body.lang, () => links.readMyErasure(request.body.token), true);
    if (!link) return reply;
    const { customerId } = link;
    const customer = await db.customer.findUnique({ where: { id: customerId }, select: { language: true, country: true } });
    const l = pageLanguage(request.body.lang, customer);
    const journey = await db.journey.findUnique({ where: { customerId }, select: { stage: true } });
    // A second click, or erased meanwhile: the same answer.
    if (journey && journey.stage !== 'ERASED') {
      const outcome = await callJourneyUpdate(temporal, journeyIdFor(customerId), requestErasureUpdate, { ground: 'CUSTOMER_REQUEST', reference: 'self-service', actor: 'customer:self' });
      if (outcome.kind === 'unavailable') return unavailable(reply, l);
    }
    return say(reply, l, TEXTS[l].erasedTitle, TEXTS[l].erased, 200);
  });
};
