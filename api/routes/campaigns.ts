// Segments, campaigns and recalls: the OEM speaks to many customers at once, each message still
// asked of the customer's journey. The OEM creates and launches; ops read; a dealer sees the
// campaign messages in its own customers' timelines (GET /v1/customers/:id/communications) and
// its recall repair tasks here, never a segment or a campaign.
import { randomUUID } from 'node:crypto';
import { v5 as uuidV5 } from 'uuid';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CampaignConflict, CampaignNotFound, CampaignNotStarted, type CampaignSpec, type Campaigns } from '../../campaigns/campaigns.js';
import type { Segments } from '../../campaigns/segments.js';
import { reservedVariableNames, templateProblems } from '../../campaigns/templates.js';
import { CAMPAIGN_PURPOSES, CAMPAIGN_SENDERS, CAMPAIGN_STATUSES, type CampaignControl } from '../../domain/campaigns.js';
import { JOURNEY_STAGES, type JourneyStage } from '../../domain/journey.js';
import { JOURNEY_LEAD_SOURCES } from '../../domain/lead.js';
import { CHANNELS, CONSENT_PURPOSES } from '../../domain/messages.js';
import { NO_CONTROL_CHARACTERS, text } from '../../platform/validation.js';
import { Problem, sendNotFound, sendProblem, sendUnavailable } from '../problems.js';
import { IdempotencyHeaders } from '../schemas.js';

/** The namespace of campaign ids made from an Idempotency-Key. */
const IDEMPOTENT_CAMPAIGNS = 'b7f0d3a2-5c1e-4e8f-9a6b-2d4c8e1f0a37';

const day = z.iso.date('a day, YYYY-MM-DD');
const VIN = z.string().trim().toUpperCase().pipe(z.string().regex(/^[A-HJ-NPR-Z0-9]{17}$/, 'a VIN: 17 letters and digits without I, O or Q'));

export const SegmentFilterSchema = z.strictObject({
  markets: z.array(z.string().regex(/^[A-Za-z]{2}$/, 'a country code (ISO 3166-1 alpha-2)')).min(1).max(50).optional(),
  stages: z.array(z.enum(JOURNEY_STAGES.filter((s): s is Exclude<JourneyStage, 'ERASED'> => s !== 'ERASED') as [Exclude<JourneyStage, 'ERASED'>, ...Exclude<JourneyStage, 'ERASED'>[]])).min(1).optional(),
  customerKind: z.enum(['PERSON', 'COMPANY']).optional(),
  dealerIds: z.array(text(64)).min(1).max(1_000).optional(),
  models: z.array(text(100)).min(1).max(100).optional(),
  purchasedFrom: day.optional(),
  purchasedTo: day.optional(),
  lastServiceBefore: day.optional().describe('Owns a car bought before this day and has no service visit since'),
  consent: z.strictObject({ channel: z.enum(CHANNELS), purpose: z.enum(CONSENT_PURPOSES) }).optional().describe("The customer's latest word on this consent is yes"),
  leadSources: z.array(z.enum(JOURNEY_LEAD_SOURCES)).min(1).optional(),
  leadCampaigns: z.array(text(200)).min(1).max(100).optional(),
}).refine((f) => !(f.purchasedFrom && f.purchasedTo && f.purchasedFrom > f.purchasedTo), { path: ['purchasedTo'], message: 'must not be before purchasedFrom' })
  .meta({ id: 'SegmentFilter' });

const SegmentView = z.object({
  segmentId: z.string(), name: z.string(), version: z.number().int(), filter: z.record(z.string(), z.unknown()), createdBy: z.string().nullable(), createdAt: z.string(),
}).meta({ id: 'Segment' });
const Preview = z.object({ count: z.number().int(), sampleJourneyIds: z.array(z.string()) }).meta({ id: 'SegmentPreview' });

const Template = z.strictObject({ subject: z.string().trim().min(1).max(200).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters'), text: z.string().min(1).max(10_000) });
const Variables = z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,40}$/), z.string().max(2_000).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters'))
  .refine((v) => Object.keys(v).length <= 30, 'at most 30 variables').default({});
const Templates = z.record(z.string().regex(/^[a-z]{2}$/, 'a language code, e.g. de'), Template)
  .refine((t) => Object.keys(t).length >= 1 && Object.keys(t).length <= 30, 'one to 30 languages');

/** What campaigns and recalls share: templates with their variables, channels, pace. */
const common = {
  campaignId: z.uuid().optional().describe('Your id for this campaign: sending the same again is answered with it once'),
  name: text(200),
  channels: z.array(z.enum(CHANNELS)).min(1).max(4).refine((c) => new Set(c).size === c.length, 'each channel once').describe('In fallback order: the next is tried when the journey finds no address or consent for one'),
  templates: Templates.describe('One per language; a customer gets their country\'s language if it is here, else defaultLanguage. Mustache: {{firstName}}, {{senderName}} and the variables'),
  defaultLanguage: z.string().regex(/^[a-z]{2}$/),
  variables: Variables,
  perHour: z.int().min(1).max(1_000_000).default(10_000).describe('Messages asked per hour, overall'),
};

/** Template problems and reserved names, each naming its field; the default language must have a template. */
function checkTemplates(body: { templates: Record<string, { subject: string; text: string }>; defaultLanguage: string; variables: Record<string, string> }, ctx: z.RefinementCtx) {
  if (!body.templates[body.defaultLanguage]) ctx.addIssue({ code: 'custom', path: ['defaultLanguage'], message: 'has no template' });
  for (const name of reservedVariableNames(body.variables)) {
    ctx.addIssue({ code: 'custom', path: ['variables', name], message: `reserved: the system sets {{${name}}} from records` });
  }
  for (const [language, template] of Object.entries(body.templates)) {
    for (const part of ['subject', 'text'] as const) {
      for (const problem of templateProblems(template[part], body.variables)) ctx.addIssue({ code: 'custom', path: ['templates', language, part], message: problem });
    }
  }
}

export const CampaignBody = z.strictObject({
  ...common,
  purpose: z.enum(CAMPAIGN_PURPOSES.filter((p) => p !== 'LEGAL') as ['PROMOTION', 'SERVICE_REMINDER', 'SURVEY']).describe('Safety recalls: POST /v1/recalls'),
  segmentId: z.uuid(),
  sender: z.enum(CAMPAIGN_SENDERS).default('OEM').describe("OWNING_DEALER: each message in the name of the customer's dealer"),
  windowStartsAt: z.iso.datetime({ offset: true }).optional(),
  windowEndsAt: z.iso.datetime({ offset: true }).optional().describe('Targets not reached by then are not messaged (WINDOW_CLOSED)'),
  perDealerPerHour: z.int().min(1).max(1_000_000).optional().describe("At most this many of one dealer's customers an hour"),
  holdoutPercent: z.number().min(0).max(50).default(10).describe('The control group: drawn from campaign and customer, recorded and not sent'),
  attributionDays: z.int().min(1).max(365).default(30),
}).superRefine((body, ctx) => {
  checkTemplates(body, ctx);
  if (body.windowStartsAt && body.windowEndsAt && body.windowEndsAt <= body.windowStartsAt) ctx.addIssue({ code: 'custom', path: ['windowEndsAt'], message: 'must be after windowStartsAt' });
}).meta({ id: 'CampaignRequest' });

const RecallBody = z.strictObject({
  ...common,
  name: text(200).optional(),
  recallCode: text(40),
  vins: z.array(VIN).min(1).max(100_000).describe('The affected vehicles; each owner is found from the sales'),
  channels: common.channels.default(['EMAIL', 'SMS']),
  templates: Templates.optional(),
  defaultLanguage: z.string().regex(/^[a-z]{2}$/).default('en'),
}).superRefine((body, ctx) => {
  if (body.templates) checkTemplates({ ...body, templates: body.templates, variables: { ...body.variables, recallCode: body.recallCode } }, ctx);
}).meta({ id: 'RecallRequest' });

/** The recall notice when the OEM brings none of its own. */
const RECALL_TEMPLATE = {
  subject: 'Important safety recall {{recallCode}}',
  text: 'Hello {{firstName}},\n\nyour vehicle is affected by safety recall {{recallCode}}. Please book the repair with your dealer; it is free of charge.\n\n{{senderName}}',
};

const Conversions = z.object({ customers: z.number(), converted: z.number(), leads: z.number(), handoffsAccepted: z.number(), sales: z.number(), serviceVisits: z.number() });
const CampaignView = z.object({
  campaignId: z.string(), kind: z.enum(['CAMPAIGN', 'RECALL']), name: z.string(), status: z.enum([...CAMPAIGN_STATUSES, 'STARTING']),
  purpose: z.enum(CAMPAIGN_PURPOSES), channels: z.array(z.enum(CHANNELS)), languages: z.array(z.string()), defaultLanguage: z.string(), sender: z.enum(CAMPAIGN_SENDERS),
  segmentId: z.string().nullable(), recallCode: z.string().nullable(), windowStartsAt: z.string().nullable(), windowEndsAt: z.string().nullable(),
  perHour: z.number(), perDealerPerHour: z.number().nullable(), holdoutPercent: z.number(), createdBy: z.string().nullable(), createdAt: z.string(),
  startedAt: z.string().nullable(), completedAt: z.string().nullable(),
  results: z.object({
    targeted: z.number(), decided: z.number(), heldOut: z.number(), allowed: z.number(), deferred: z.number(), suppressed: z.number(), letters: z.number(),
    windowClosed: z.number(), byReason: z.record(z.string(), z.number()), sent: z.number(), failed: z.number(), waiting: z.number(), unsubscribed: z.number(),
    conversions: z.object({
      attributionDays: z.number(), treatment: Conversions, control: Conversions,
      lift: z.object({
        treatmentRate: z.number().nullable(), controlRate: z.number().nullable(), lift: z.number().nullable(), relativeLift: z.number().nullable(),
        low: z.number().nullable(), high: z.number().nullable(),
      }).describe('Treatment minus control conversion rate, with its 95 % interval (normal approximation)'),
    }),
  }).nullable().describe('From the start on: what became of the targets and their messages, and the conversions within the attribution window'),
  vehicles: z.object({ open: z.number(), repaired: z.number(), ownerUnknown: z.number() }).nullable(),
}).meta({ id: 'Campaign' });

const Params = z.object({ id: z.uuid() });
const READ = { roles: ['OEM', 'OPS'] } as const;
const OEM = { roles: ['OEM'] } as const;

export const campaignRoutes = (deps: { segments: Segments; campaigns: Campaigns }): FastifyPluginAsyncZod => async (app) => {
  const { segments, campaigns } = deps;

  app.post('/v1/segments/preview', {
    config: { access: OEM },
    bodyLimit: 256 * 1024,
    schema: { tags: ['campaigns'], summary: 'How many journeys a filter selects now, and a sample of them', body: z.strictObject({ filter: SegmentFilterSchema }), response: { 200: Preview, 400: Problem } },
  }, async (request, reply) => reply.send(await segments.preview(request.body.filter)));

  app.post('/v1/segments', {
    config: { access: OEM },
    bodyLimit: 256 * 1024,
    schema: {
      tags: ['campaigns'], summary: "Save a segment by name: a changed filter is the name's next version; the same filter again is the same version (200)",
      body: z.strictObject({ name: text(200), filter: SegmentFilterSchema }), response: { 200: SegmentView, 201: SegmentView, 400: Problem },
    },
  }, async (request, reply) => {
    const { created, segment } = await segments.save(request.body.name, request.body.filter, request.principal!.name);
    return reply.status(created ? 201 : 200).send(segment as z.infer<typeof SegmentView>);
  });

  app.get('/v1/segments', {
    config: { access: READ },
    schema: { tags: ['campaigns'], summary: 'Every saved segment and its versions', response: { 200: z.object({ items: z.array(SegmentView) }) } },
  }, async (_request, reply) => reply.send({ items: (await segments.list()) as z.infer<typeof SegmentView>[] }));

  app.get('/v1/segments/:id/preview', {
    config: { access: READ },
    schema: { tags: ['campaigns'], summary: "A saved segment's count and sample now", params: Params, response: { 200: Preview.extend({ segment: SegmentView }), 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    const segment = await segments.find(request.params.id);
    if (!segment) return sendNotFound(reply, 'segment', request.params.id);
    return reply.send({ ...(await segments.preview(segment.filter)), segment: segment as z.infer<typeof SegmentView> });
  });

  /** The campaign's id: the caller's, or one made from its Idempotency-Key (a retry is the same campaign), or a new one. */
  const idOf = (campaignId: string | undefined, key: string | undefined, caller: string) => campaignId ?? (key ? uuidV5(`${caller}:${key}`, IDEMPOTENT_CAMPAIGNS) : randomUUID());
  const created = async (reply: FastifyReply, campaignId: string, spec: CampaignSpec, by: string) => {
    try {
      const { created: isNew, campaign } = await campaigns.create(campaignId, spec, by);
      return reply.status(isNew ? 201 : 200).header('location', `/v1/campaigns/${campaignId}`).send(campaign);
    } catch (error) {
      if (!(error instanceof CampaignConflict)) throw error;
      return sendProblem(reply, { type: 'idempotency-key-reused', title: 'campaignId reused', status: 422, detail: error.message, errors: [{ field: 'campaignId', message: 'already used for another campaign' }] });
    }
  };

  app.post('/v1/campaigns', {
    config: { access: OEM },
    schema: {
      tags: ['campaigns'], summary: 'Create a campaign to a saved segment (a draft: POST …/start launches it)',
      description: "Each targeted customer's message is asked of their journey when the campaign reaches them: ownership, consent, cool-downs, the contact cap and quiet hours decide as for any message.",
      headers: IdempotencyHeaders, body: CampaignBody, response: { 200: CampaignView, 201: CampaignView, 400: Problem, 422: Problem },
    },
  }, async (request, reply) => {
    const { campaignId: given, ...b } = request.body;
    const campaignId = idOf(given, request.headers['idempotency-key'], request.principal!.name);
    if (!(await segments.find(b.segmentId))) {
      return sendProblem(reply, { type: 'validation', title: 'The request is invalid', status: 400, detail: 'segmentId: no such segment', errors: [{ field: 'segmentId', message: 'no such segment' }] });
    }
    return created(reply, campaignId, { kind: 'CAMPAIGN', ...b }, request.principal!.name);
  });

  app.post('/v1/recalls', {
    config: { access: OEM },
    // 100,000 VINs are about 2 MB of JSON.
    bodyLimit: 3 * 1024 * 1024,
    schema: {
      tags: ['campaigns'], summary: 'Create a safety recall for a VIN list (a draft: POST /v1/campaigns/:id/start launches it)',
      description: 'Purpose LEGAL, from the OEM: every affected owner, whatever their marketing choices, on each channel with contact data until one carries it ' +
        '(then a letter task for the OEM); quiet hours defer, never drop. The owning dealer gets a repair task per vehicle; VINs without a known owner are listed.',
      headers: IdempotencyHeaders, body: RecallBody, response: { 200: CampaignView, 201: CampaignView, 400: Problem, 422: Problem },
    },
  }, async (request, reply) => {
    const { campaignId: given, name, recallCode, vins, templates, ...b } = request.body;
    const campaignId = idOf(given, request.headers['idempotency-key'], request.principal!.name);
    const spec: CampaignSpec = {
      kind: 'RECALL', ...b, name: name ?? `Recall ${recallCode}`, purpose: 'LEGAL', sender: 'OEM', recallCode, vins: [...new Set(vins)],
      templates: templates ?? { [b.defaultLanguage]: RECALL_TEMPLATE }, variables: { ...b.variables, recallCode }, holdoutPercent: 0, attributionDays: 30,
    };
    return created(reply, campaignId, spec, request.principal!.name);
  });

  app.get('/v1/campaigns', {
    config: { access: READ },
    schema: { tags: ['campaigns'], summary: 'The latest campaigns and recalls with their progress', response: { 200: z.object({ items: z.array(CampaignView) }) } },
  }, async (_request, reply) => reply.send({ items: await campaigns.list() }));

  app.get('/v1/campaigns/:id', {
    config: { access: READ },
    schema: { tags: ['campaigns'], summary: 'A campaign: status, live progress and results with the lift over its control group', params: Params, response: { 200: CampaignView, 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    const view = await campaigns.view(request.params.id);
    return view ? reply.send(view) : sendNotFound(reply, 'campaign', request.params.id);
  });

  app.get('/v1/campaigns/:id/targets.csv', {
    config: { access: READ },
    schema: { tags: ['campaigns'], summary: 'Each target (journey id), its group and what became of it and its message, as CSV', params: Params, produces: ['text/csv'], response: { 200: z.string(), 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    if (!(await campaigns.view(request.params.id))) return sendNotFound(reply, 'campaign', request.params.id);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="campaign-${request.params.id}.csv"`)
      .send(await campaigns.targetsCsv(request.params.id));
  });

  const SUMMARIES: Record<'start' | Lowercase<CampaignControl>, string> = {
    start: "Launch the campaign: its audience is frozen (a recall's: the owners of its VINs and each vehicle's repair task) and it starts (a repeat is harmless)",
    pause: 'Pause the campaign: nobody more is asked until it is resumed (messages already with a journey stay with it)',
    resume: 'Resume a paused campaign',
    cancel: 'Cancel the campaign: nobody more is asked (messages already with a journey stay with it)',
  };
  for (const [action, summary] of Object.entries(SUMMARIES)) {
    app.post(`/v1/campaigns/:id/${action}`, {
      config: { access: OEM },
      schema: { tags: ['campaigns'], summary, params: Params, response: { 200: CampaignView, 400: Problem, 404: Problem, 409: Problem } },
    }, async (request, reply) => {
      const { id } = request.params;
      try {
        return reply.send(action === 'start' ? await campaigns.start(id) : await campaigns.control(id, action.toUpperCase() as CampaignControl));
      } catch (error) {
        if (error instanceof CampaignNotFound) return sendNotFound(reply, 'campaign', id);
        if (error instanceof CampaignConflict) return sendProblem(reply, { type: 'campaign-state', title: 'Not in this state', status: 409, detail: error.message });
        if (error instanceof CampaignNotStarted) return sendUnavailable(reply, 'Temporal');
        throw error;
      }
    });
  }

  app.get('/v1/campaigns/:id/vehicles', {
    config: { access: READ },
    schema: {
      tags: ['campaigns'], summary: "A recall's vehicles: owner, dealer and repair status (status=OWNER_UNKNOWN: the VINs whose owner the OEM must find)",
      params: Params,
      querystring: z.strictObject({
        status: z.enum(['OPEN', 'REPAIRED', 'OWNER_UNKNOWN']).optional(),
        after: VIN.optional().describe('The last VIN of the page before (its `next`)'),
        limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
      }),
      response: {
        200: z.object({
          items: z.array(z.object({ vin: z.string(), journeyId: z.string().nullable(), dealerId: z.string().nullable(), model: z.string().nullable(), status: z.string(), repairedAt: z.string().nullable() })),
          next: z.string().nullable().describe('Pass as `after` for the next page; null: this was the last'),
        }),
        400: Problem, 404: Problem,
      },
    },
  }, async (request, reply) => {
    if (!(await campaigns.view(request.params.id))) return sendNotFound(reply, 'campaign', request.params.id);
    const { status, after, limit } = request.query;
    const rows = await campaigns.vehicles(request.params.id, status, { ...(after ? { after } : {}), limit });
    return reply.send({
      items: rows.map((v) => ({ vin: v.vin, journeyId: v.journeyId, dealerId: v.dealerId, model: v.model, status: v.status, repairedAt: v.repairedAt?.toISOString() ?? null })),
      next: rows.length === limit ? rows.at(-1)!.vin : null,
    });
  });

  app.get('/v1/recall-tasks', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'] } },
    schema: {
      tags: ['campaigns'], summary: 'Recall repair tasks: a dealer key its own open ones (POST /v1/journeys/:id/recall-repairs closes one); the OEM and ops every dealer\'s',
      querystring: z.strictObject({ include: z.enum(['open', 'all']).default('open') }),
      response: { 200: z.object({ items: z.array(z.object({ recallId: z.string(), recallCode: z.string().nullable(), vin: z.string(), model: z.string().nullable(), journeyId: z.string().nullable(), dealerId: z.string().nullable(), status: z.string() })) }), 400: Problem },
    },
  }, async (request, reply) => {
    const principal = request.principal!;
    const rows = await campaigns.recallTasks(principal.role === 'DEALER' ? principal.dealerId! : null, request.query.include === 'all');
    return reply.send({ items: rows.map((v) => ({ recallId: v.campaignId, recallCode: v.campaign.recallCode, vin: v.vin, model: v.model, journeyId: v.journeyId, dealerId: v.dealerId, status: v.status })) });
  });
};
