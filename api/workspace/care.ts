// Customer care's pages (the OEM's people; ops read and reassign): find a customer, see their 360
// (care/customer-360.ts), and act for the customer on the line under the API's own rules —
// consents they state on the phone (POST /v1/journeys/:id/consents), opt-out, a complaint opened
// with their dealer, reassignment, their data, erasure after a confirmation step.
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import { customer360 } from '../../care/customer-360.js';
import { brandFromRow, saveBrand } from '../../communications/brands.js';
import { missingTranslations, type BrandTexts } from '../../domain/brands.js';
import { BrandBody } from '../routes/brands.js';
import { TEMPLATES } from '../../communications/templates.js';
import { customerRecords, journeyStateOf } from '../../care/customer-records.js';
import { searchCustomers } from '../../care/customer-search.js';
import { recordConsentProof, statementsOf, STATEMENT_METHODS, type ConsentStatements } from '../../consent/statements.js';
import { actorOf, type RouteAccess } from '../../domain/access.js';
import { CONSENT_CHANNELS, legalRegimeOf } from '../../domain/consent.js';
import { parseCustomerQuery } from '../../domain/customer-search.js';
import { customerIdOfJourney, ERASURE_GROUNDS, JOURNEY_ID_PATTERN, journeyIdFor, SERVICE_APPOINTMENT_REASONS } from '../../domain/journey.js';
import { CONSENT_PURPOSES } from '../../domain/messages.js';
import type { PrismaClient } from '../../platform/db.js';
import { text } from '../../platform/validation.js';
import { JOURNEY_ACTIONS, optedOutSignal, requestErasureUpdate } from '../../workflows/definitions.js';
import { PageAccessDenied } from '../access.js';
import { callJourneyUpdate, updateIdOf } from '../journey-updates.js';
import { CARE_ACTION, ServiceAppointment } from '../routes/journeys.js';
import { CaptainRefused, type ProcessCaptains } from '../../captains/captains.js';
import { PROCESSES } from '../../domain/processes.js';
import { exportOf } from '../routes/privacy.js';
import { message, page, runPageAction, withDone } from './page.js';

/** Searching and reading a customer: the OEM's and ops' people (as `GET /v1/customers` and the export). */
const CARE: RouteAccess = { roles: ['OEM', 'OPS'] };
/** Erasure, as `POST /v1/customers/:id/erasure`. */
const ERASE: RouteAccess = { roles: ['OEM', 'OPS'] };
const JourneyParam = z.object({ id: z.string().regex(JOURNEY_ID_PATTERN, 'a journey id') });
const CustomerParam = z.object({ customerId: z.uuid('a customer id') });
const Csrf = z.string().optional();
const Submission = z.string().optional();
/** The wording the form proposes: the care team's consent script (the agent names another if they read another). */
const DEFAULT_WORDING = 'care-call-script-v1';
const SIGNAL_DEADLINE_MS = 5_000;

const ConsentForm = z.object({
  channel: z.enum(CONSENT_CHANNELS), purpose: z.enum(CONSENT_PURPOSES), granted: z.enum(['true', 'false']),
  method: z.enum(STATEMENT_METHODS).default('PHONE'), wordingId: text(100), _csrf: Csrf, _submission: Submission,
});
const ErasureForm = z.object({
  ground: z.enum(ERASURE_GROUNDS), reference: z.union([z.literal(''), z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "the privacy desk's ticket: letters, digits, . _ -")]).optional(),
  confirm: z.string(), _csrf: Csrf,
});

export interface CarePageDeps {
  db: PrismaClient;
  sql: pg.Pool;
  temporal: Client;
  defaultCountry?: string;
  /** A company's counterparts per process (issue 35), named from its page. */
  captains: ProcessCaptains;
}

export const carePages = ({ db, sql, temporal, defaultCountry = 'DE', captains }: CarePageDeps): FastifyPluginAsyncZod => async (app) => {
  const carePage = (customerId: string) => `/workspace/care/${customerId}`;

  // Brands, as GET and PUT /v1/brands: the OEM sets them, ops read. The form sets a brand's basics and
  // footers (its message texts stay as the API set them).
  app.get('/workspace/brands', { config: { access: { roles: ['OEM', 'OPS'] }, page: true } }, async (request, reply) => {
    const brands = (await db.brand.findMany({ orderBy: { id: 'asc' } })).map(brandFromRow).map((b) => ({ ...b, missingTranslations: missingTranslations(b) }));
    return page(reply, 'brands', { brands, templates: Object.entries(TEMPLATES), flash: (request.query as { done?: string }).done ?? null });
  });

  // One template's words in one language, checked as the API checks a brand's texts.
  app.post('/workspace/brands/texts', {
    config: { access: { roles: ['OEM'] }, page: true }, preValidation: app.csrfProtection,
    schema: { body: z.object({ brandId: z.string().max(32), language: z.string().max(2), templateId: z.string().max(100), subject: z.string().max(200), text: z.string().max(5_000), _csrf: Csrf }) },
  }, async (request, reply) => {
    const { brandId, templateId, subject, text: words } = request.body;
    const language = request.body.language.trim().toLowerCase();
    const existing = await db.brand.findUnique({ where: { id: brandId } });
    if (!existing) throw new PageAccessDenied(404, 'not found');
    const brand = brandFromRow(existing);
    const texts: Record<string, BrandTexts> = { ...brand.texts, [language]: { ...brand.texts[language], templates: { ...brand.texts[language]?.templates, [templateId]: { subject, text: words } } } };
    const { name, defaultLanguage, senderName, senderAddress, isDefault } = brand;
    const checked = BrandBody.safeParse({ name, defaultLanguage, senderName, senderAddress, isDefault, texts });
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      return message(reply, 'Please check the text', `${issue.path.join('.')}: ${issue.message}`, 400);
    }
    await saveBrand(db, brandId, { ...checked.data, texts: checked.data.texts as Record<string, BrandTexts> });
    return reply.redirect(withDone('/workspace/brands', `${templateId} in ${language} saved for ${brandId}.`), 303);
  });

  app.post('/workspace/brands', {
    config: { access: { roles: ['OEM'] }, page: true }, preValidation: app.csrfProtection,
    schema: { body: z.record(z.string(), z.string().max(5_000)) },
  }, async (request, reply) => {
    const form = request.body;
    const brandId = (form.brandId ?? '').trim().toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9_-]{0,31}$/.test(brandId)) return message(reply, 'Please check the brand', 'brandId: as dealers name their brands, e.g. VW', 400);
    const existing = await db.brand.findUnique({ where: { id: brandId } });
    const texts = { ...((existing?.texts ?? {}) as Record<string, BrandTexts>) };
    for (const language of ['de', 'en']) {
      const footer = (form[`footer_${language}`] ?? '').trim();
      if (footer) texts[language] = { ...texts[language], legalFooter: footer };
    }
    const checked = BrandBody.safeParse({
      name: form.name, defaultLanguage: (form.defaultLanguage ?? '').trim().toLowerCase(), senderName: form.senderName, senderAddress: form.senderAddress,
      isDefault: form.isDefault === 'true', texts,
    });
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      return message(reply, 'Please check the brand', `${issue.path.join('.')}: ${issue.message}`, 400);
    }
    await saveBrand(db, brandId, { ...checked.data, texts: checked.data.texts as Record<string, BrandTexts> });
    return reply.redirect(withDone('/workspace/brands', `Brand ${brandId} saved.`), 303);
  });

  app.get('/workspace/care', { config: { access: CARE, page: true }, schema: { querystring: z.object({ query: z.string().max(200).optional() }) } }, async (request, reply) => {
    const typed = request.query.query;
    if (typed === undefined || typed.trim() === '') return page(reply, 'care', { query: typed ?? '', result: null, problem: null });
    const query = parseCustomerQuery(typed);
    if ('problem' in query) return page(reply, 'care', { query: typed, result: null, problem: query.problem }, 400);
    return page(reply, 'care', { query: typed, result: await searchCustomers(sql, query, 'NETWORK'), problem: null });
  });

  app.get('/workspace/care/:customerId', { config: { access: CARE, page: true }, schema: { params: CustomerParam } }, async (request, reply) => {
    const records = await customerRecords(db, request.params.customerId);
    if (!records) throw new PageAccessDenied(404, 'not found');
    // The records are the page; the journey's live word is added when it answers (a Temporal outage shows the rest).
    const state = records.journey && records.journey.stage !== 'ERASED' ? await journeyStateOf(temporal, records.journeyId, true) : null;
    const dealers = await db.dealer.findMany({ where: { active: true }, orderBy: { id: 'asc' }, select: { id: true, name: true } });
    return page(reply, 'care-customer', {
      customer: customer360(records, state), dealers, consentChannels: CONSENT_CHANNELS, consentPurposes: CONSENT_PURPOSES, defaultWording: DEFAULT_WORDING,
      appointmentReasons: SERVICE_APPOINTMENT_REASONS, today: new Date().toISOString().slice(0, 10),
      flash: (request.query as { done?: string }).done ?? null,
    });
  });

  app.get('/workspace/care/:customerId/export.json', { config: { access: CARE, page: true }, schema: { params: CustomerParam } }, async (request, reply) => {
    const records = await customerRecords(db, request.params.customerId);
    if (!records) throw new PageAccessDenied(404, 'not found');
    return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="customer-${records.customer.id}.json"`)
      .send(JSON.stringify(await exportOf(temporal, records), null, 2));
  });

  // What the customer says on the line, taken down with the wording read to them; the journey decides on it at once.
  app.post('/workspace/journeys/:id/consents', {
    config: { access: CARE_ACTION, page: true }, preValidation: app.csrfProtection, schema: { params: JourneyParam, body: ConsentForm },
  }, async (request, reply) => {
    const form = request.body;
    const customerId = customerIdOfJourney(request.params.id);
    const customer = await db.customer.findUnique({ where: { id: customerId }, select: { country: true } });
    const statement: ConsentStatements = { consents: [{ channel: form.channel, purpose: form.purpose, granted: form.granted === 'true' }], method: form.method, wordingId: form.wordingId };
    const key = form._submission && /^[0-9a-f-]{36}$/.test(form._submission) ? form._submission : undefined;
    const requestId = updateIdOf(request, `${JOURNEY_ACTIONS.recordConsents.update.name}:${request.params.id}`, key);
    const done = `${form.channel.toLowerCase()} ${form.purpose.toLowerCase().replace('_', ' ')} ${form.granted === 'true' ? 'given' : 'withdrawn'}: recorded.`;
    return runPageAction(temporal, request, reply, JOURNEY_ACTIONS.recordConsents.update,
      { regime: legalRegimeOf(customer?.country ?? defaultCountry), statements: statementsOf(statement) }, withDone(carePage(customerId), done),
      () => recordConsentProof(db, customerId, statement, actorOf(request.principal!), requestId));
  });

  // As POST /v1/customers/:id/opt-out: a signal (the same twice is the same state).
  app.post('/workspace/journeys/:id/opt-out', {
    config: { access: { roles: ['OEM'], customer: { param: 'id', kind: 'journeyId', use: 'act' } }, page: true }, preValidation: app.csrfProtection,
    schema: { params: JourneyParam, body: z.object({ _csrf: Csrf }) },
  }, async (request, reply) => {
    try {
      await temporal.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => temporal.workflow.getHandle(request.params.id).signal(optedOutSignal));
    } catch {
      reply.header('retry-after', '30');
      return message(reply, 'Not answered in time', 'The journey could not be told; send the form again in a moment.', 503);
    }
    return reply.redirect(withDone(carePage(customerIdOfJourney(request.params.id)), 'Opted out: only transactional and legal messages from now on.'), 303);
  });

  // The customer complains to the OEM about their dealer: the dealer's complaint, with its follow-up task and the OEM's backstop.
  app.post('/workspace/journeys/:id/care-complaints', {
    config: { access: CARE_ACTION, page: true }, preValidation: app.csrfProtection,
    schema: { params: JourneyParam, body: z.object({ _csrf: Csrf, _submission: Submission }) },
  }, async (request, reply) => {
    const journey = await db.journey.findUnique({ where: { id: request.params.id }, select: { dealerId: true } });
    if (!journey?.dealerId) return message(reply, 'No dealer to complain to', 'The customer has no dealer now; the OEM handles it directly.', 409);
    const submitted = request.body._submission;
    // The form's id names the complaint: sent twice, it is one complaint.
    const complaintId = `care-${submitted && /^[0-9a-f-]{36}$/.test(submitted) ? submitted.slice(0, 8) + submitted.slice(-4) : Date.now().toString(36)}`;
    return runPageAction(temporal, request, reply, JOURNEY_ACTIONS.openComplaint.update, { dealerId: journey.dealerId, complaintId },
      withDone(carePage(customerIdOfJourney(request.params.id)), `Complaint ${complaintId} opened with ${journey.dealerId}.`));
  });

  // As POST /v1/journeys/:id/service-appointments: the customer on the line wants their dealer's workshop.
  app.post('/workspace/journeys/:id/care-appointments', {
    config: { access: CARE_ACTION, page: true }, preValidation: app.csrfProtection,
    schema: { params: JourneyParam, body: z.object({ reason: z.enum(SERVICE_APPOINTMENT_REASONS), preferredDate: ServiceAppointment.shape.preferredDate, _csrf: Csrf, _submission: z.uuid() }) },
  }, async (request, reply) => {
    const { reason, preferredDate, _submission } = request.body;
    return runPageAction(temporal, request, reply, JOURNEY_ACTIONS.requestServiceAppointment.update, { requestId: _submission, reason, preferredDate },
      withDone(carePage(customerIdOfJourney(request.params.id)), `Service appointment asked of the dealer (${reason.toLowerCase()} from ${preferredDate}).`));
  });

  // A company's own counterpart for a process: one of its people (the API's rules: PUT /v1/customers/:id/counterparts/:process).
  app.post('/workspace/care/:customerId/counterparts', {
    config: { access: { roles: ['OEM'] }, page: true }, preValidation: app.csrfProtection,
    schema: { params: CustomerParam, body: z.object({ process: z.enum(PROCESSES), contactId: z.union([z.uuid(), z.literal('')]), _csrf: z.string().optional() }) },
  }, async (request, reply) => {
    const { customerId } = request.params;
    const { process, contactId } = request.body;
    if (contactId === '') {
      await captains.removeCounterpart(customerId, process);
      return reply.redirect(withDone(carePage(customerId), `No counterpart for ${process} any more.`), 303);
    }
    try {
      await captains.setCounterpart(customerId, process, contactId, actorOf(request.principal!));
    } catch (error) {
      if (error instanceof CaptainRefused) return message(reply, 'Please check the counterpart', `${error.field}: ${error.message}`, 400);
      throw error;
    }
    return reply.redirect(withDone(carePage(customerId), `Counterpart for ${process} named.`), 303);
  });

  app.get('/workspace/care/:customerId/erasure', { config: { access: ERASE, page: true }, schema: { params: CustomerParam } }, async (request, reply) => {
    const records = await customerRecords(db, request.params.customerId);
    if (!records) throw new PageAccessDenied(404, 'not found');
    return page(reply, 'care-erasure', { customerId: records.customer.id, name: customer360(records, null).name, grounds: ERASURE_GROUNDS });
  });

  // The second step: the ground named and ERASE typed; then the journey's own erasure, as the API's.
  app.post('/workspace/care/:customerId/erasure', {
    config: { access: ERASE, page: true }, preValidation: app.csrfProtection, schema: { params: CustomerParam, body: ErasureForm },
  }, async (request, reply) => {
    const { customerId } = request.params;
    const { ground, reference, confirm } = request.body;
    if (confirm.trim() !== 'ERASE') return message(reply, 'Not erased', 'confirm: type ERASE to confirm the erasure', 400);
    const journey = await db.journey.findUnique({ where: { customerId }, select: { stage: true } });
    if (!journey) throw new PageAccessDenied(404, 'not found');
    if (journey.stage !== 'ERASED') {
      const outcome = await callJourneyUpdate(temporal, journeyIdFor(customerId), requestErasureUpdate,
        { ground, ...(reference ? { reference } : {}), actor: actorOf(request.principal!) });
      if (outcome.kind === 'refused') return message(reply, 'The journey refused', outcome.reason, 409);
      if (outcome.kind === 'unavailable') {
        reply.header('retry-after', '30');
        return message(reply, 'Not answered in time', 'The journey did not answer in time; send the form again in a moment.', 503);
      }
      if (outcome.kind === 'not-found') throw new PageAccessDenied(404, 'not found');
    }
    return reply.redirect(withDone(carePage(customerId), 'Personal data erased.'), 303);
  });
};
