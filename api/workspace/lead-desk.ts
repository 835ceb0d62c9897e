// The OEM lead desk's pages: today's leads, the escalations it handles (reassigning the
// customer, the journey's own Update under the API's rule), the fair files being imported
// with their rejected rows, and the scorecard with charts (Chart.js, served as a file).
// Each page declares the access rule of the API route whose data it shows.
import type { Client } from '@temporalio/client';
import { writeCsv } from '../../platform/csv.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { z } from 'zod';
import { actorOf, type RouteAccess } from '../../domain/access.js';
import { customerIdOfJourney, JOURNEY_ID_PATTERN } from '../../domain/journey.js';
import type { LeadImports } from '../../intake/lead-imports.js';
import { CampaignConflict, CampaignNotFound, CampaignNotStarted, type Campaigns, type CampaignView } from '../../campaigns/campaigns.js';
import { CAMPAIGN_PURPOSES, type CampaignControl } from '../../domain/campaigns.js';
import { CHANNELS } from '../../domain/messages.js';
import type { Segments } from '../../campaigns/segments.js';
import { CampaignBody } from '../routes/campaigns.js';
import { randomUUID } from 'node:crypto';
import { customerImportReportCsv, DEFAULT_SPREAD_DAYS, type CustomerImports } from '../../onboarding/customer-imports.js';
import type { PrismaClient } from '../../platform/db.js';
import type { LeadDeskReadModel } from '../../read-model/lead-desk.js';
import { GROUPINGS } from '../../reports/scorecard.js';
import { kpiTrend, scorecardWithTargets } from '../../reports/kpis.js';
import { NETWORK } from '../../domain/kpis.js';
import { JOURNEY_ACTIONS } from '../../workflows/definitions.js';
import { PageAccessDenied } from '../access.js';
import { REASSIGN, reason as reasonText, reassignTargetProblem } from '../routes/journeys.js';
import { message, page, runPageAction, withDone } from './page.js';
import { chartsOf, kpiCell, metricColumns, processTitle, TREND_WEEKS, trendChartsOf } from './scorecard-view.js';

// The UMD build is not in the package's exports map: found beside its resolved main file.
const chartJs = readFileSync(join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
const chartsScript = readFileSync(new URL('./assets/charts.js', import.meta.url), 'utf8');

/** The lead desk's own pages: the OEM and ops (as `GET /v1/journeys?stage=ESCALATED` would serve them). */
const DESK: RouteAccess = { roles: ['OEM', 'OPS'] };
/** Imports are the OEM's, as `/v1/imports`. */
const IMPORTS: RouteAccess = { roles: ['OEM'] };
/** Campaigns, as `/v1/campaigns`: the OEM and ops read them, the OEM runs them. */
const CAMPAIGNS: RouteAccess = { roles: ['OEM', 'OPS'] };
const RUN_CAMPAIGNS: RouteAccess = { roles: ['OEM'] };
/** The scorecard, as `/v1/reports/scorecard`: a dealer's people see their own rows and the network. */
const SCORECARD: RouteAccess = { roles: ['OEM', 'OPS', 'DEALER'] };

const DAY = 86_400_000;
const MAX_DAYS = 366;
const Csrf = z.string().optional();
const ReassignForm = z.object({ to: z.string().trim().min(1, 'choose where the customer goes').max(64), reason: reasonText, returnTo: z.enum(['desk', 'care']).optional(), _csrf: Csrf });
const ScorecardQuery = z.object({
  from: z.iso.date('YYYY-MM-DD').optional(),
  to: z.iso.date('YYYY-MM-DD').optional(),
  groupBy: z.enum(GROUPINGS).default('dealer'),
});

export interface LeadDeskDeps {
  db: PrismaClient;
  sql: pg.Pool;
  desk: LeadDeskReadModel;
  imports: LeadImports;
  /** The OEM's customer files (onboarding): followed on the same page as fair files. */
  customerImports: CustomerImports;
  /** Campaigns and recalls: followed (ops too) and created, started, paused, resumed, cancelled (the OEM). */
  campaigns: Campaigns;
  segments: Segments;
  temporal: Client;
}

export const leadDeskPages = ({ db, sql, desk, imports, customerImports, campaigns, segments, temporal }: LeadDeskDeps): FastifyPluginAsyncZod => async (app) => {
  app.get('/workspace/assets/chart.umd.min.js', { config: { access: { public: true } } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(chartJs));
  app.get('/workspace/assets/charts.js', { config: { access: { public: true } } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(chartsScript));

  app.get('/workspace/desk', { config: { access: DESK, page: true } }, async (request, reply) => {
    const [today, escalations, dealers] = await Promise.all([
      desk.leadsToday(), desk.escalations(), db.dealer.findMany({ where: { active: true }, orderBy: { id: 'asc' }, select: { id: true, name: true } }),
    ]);
    const chart = {
      type: 'bar',
      label: `Leads on ${today.day} by source`,
      labels: today.bySource.map((s) => s.source),
      datasets: [{ label: 'new customers', data: today.bySource.map((s) => s.leads - s.merged) }, { label: 'to a known customer', data: today.bySource.map((s) => s.merged) }],
      stacked: true,
    };
    return page(reply, 'desk', { today, escalations, dealers, chart, flash: (request.query as { done?: string }).done ?? null, withCharts: true });
  });

  app.post('/workspace/journeys/:id/reassign', {
    config: { access: REASSIGN, page: true }, preValidation: app.csrfProtection,
    schema: { params: z.object({ id: z.string().regex(JOURNEY_ID_PATTERN, 'a journey id') }), body: ReassignForm },
  }, async (request, reply) => {
    const { to: target, reason, returnTo } = request.body;
    const to = target === 'OEM' ? 'OEM' as const : { dealerId: target };
    const problem = await reassignTargetProblem(db, to);
    if (problem) return message(reply, 'Please check the form', `to: ${problem}`, 400);
    const done = `Reassigned to ${target === 'OEM' ? 'the OEM (qualifying again)' : target}.`;
    // From customer care's page back to it; from the desk's escalations back to the desk.
    const back = returnTo === 'care' ? `/workspace/care/${customerIdOfJourney(request.params.id)}` : '/workspace/desk';
    return runPageAction(temporal, request, reply, JOURNEY_ACTIONS.reassign.update, { to, reason, actor: actorOf(request.principal!) }, withDone(back, done));
  });

  app.get('/workspace/imports', { config: { access: IMPORTS, page: true } }, async (_request, reply) =>
    page(reply, 'imports', { imports: await desk.recentImports(), customerImports: await customerImports.recent(), defaultSpreadDays: DEFAULT_SPREAD_DAYS }));

  // The lists alone, for their refresh while imports run.
  app.get('/workspace/imports/list', { config: { access: IMPORTS, page: true } }, async (_request, reply) =>
    page(reply, 'import-list', { imports: await desk.recentImports(), customerImports: await customerImports.recent() }));

  app.get('/workspace/customer-imports/:id', { config: { access: IMPORTS, page: true }, schema: { params: z.object({ id: z.uuid() }) } }, async (request, reply) => {
    const progress = await customerImports.progress(request.params.id);
    if (!progress) throw new PageAccessDenied(404, 'not found');
    return page(reply, 'customer-import', { progress, report: (await customerImports.report(progress.importId)).slice(0, 500), flash: (request.query as { done?: string }).done ?? null });
  });

  app.get('/workspace/customer-imports/:id/report.csv', { config: { access: IMPORTS, page: true }, schema: { params: z.object({ id: z.uuid() }) } }, async (request, reply) => {
    const rows = await customerImports.report(request.params.id);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="customer-import-${request.params.id}-report.csv"`).send(customerImportReportCsv(rows));
  });

  app.get('/workspace/imports/:id', { config: { access: IMPORTS, page: true }, schema: { params: z.object({ id: z.uuid() }) } }, async (request, reply) => {
    const progress = await imports.progress(request.params.id);
    if (!progress) throw new PageAccessDenied(404, 'not found');
    const notImported = await db.leadImportRow.findMany({ where: { importId: progress.importId, outcome: { not: 'OK' } }, orderBy: { row: 'asc' }, take: 500 });
    return page(reply, 'import', { progress, notImported });
  });

  app.get('/workspace/imports/:id/rejections.csv', { config: { access: IMPORTS, page: true }, schema: { params: z.object({ id: z.uuid() }) } }, async (request, reply) => {
    const rows = await db.leadImportRow.findMany({ where: { importId: request.params.id, outcome: { not: 'OK' } }, orderBy: { row: 'asc' } });
    const csv = writeCsv(rows.map((r) => [r.row, r.outcome, r.field ?? '', r.reason ?? '']), ['row', 'outcome', 'column', 'reason']);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${request.params.id}-rejections.csv"`).send(csv);
  });

  app.get('/workspace/campaigns', { config: { access: CAMPAIGNS, page: true } }, async (request, reply) =>
    page(reply, 'campaigns', {
      campaigns: await campaigns.list(), segments: request.principal!.role === 'OEM' ? await segments.list() : [],
      purposes: CAMPAIGN_PURPOSES.filter((p) => p !== 'LEGAL'), channels: CHANNELS,
    }));

  // A campaign from the lead desk's form: one language and the system's names only (the API takes
  // more); checked by the API's own schema, a draft the page then starts. The form's id is the
  // campaign's: a form sent twice is one campaign.
  app.post('/workspace/campaigns', {
    config: { access: RUN_CAMPAIGNS, page: true }, preValidation: app.csrfProtection,
    schema: { body: z.record(z.string(), z.union([z.string(), z.array(z.string())])) },
  }, async (request, reply) => {
    const form = request.body;
    const one = (name: string) => (Array.isArray(form[name]) ? form[name][0] : form[name]) ?? '';
    const language = one('language').trim() || 'en';
    const body = {
      name: one('name'), purpose: one('purpose'), segmentId: one('segmentId'), sender: one('sender') || 'OEM',
      channels: [form.channels ?? []].flat(), templates: { [language]: { subject: one('subject'), text: one('text') } }, defaultLanguage: language,
      holdoutPercent: Number(one('holdoutPercent') || 10), perHour: Number(one('perHour') || 10_000),
    };
    const checked = CampaignBody.safeParse(body);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      return message(reply, 'Please check the campaign', `${issue.path.join('.')}: ${issue.message}`, 400);
    }
    if (!(await segments.find(checked.data.segmentId))) return message(reply, 'Please check the campaign', 'segmentId: no such segment', 400);
    const submitted = one('_submission');
    const campaignId = /^[0-9a-f-]{36}$/.test(submitted) ? submitted : randomUUID();
    try {
      await campaigns.create(campaignId, { kind: 'CAMPAIGN', ...checked.data }, request.principal!.name);
    } catch (error) {
      if (error instanceof CampaignConflict) return message(reply, 'Already sent', 'This form was sent before with other content; open the campaigns page again.', 409);
      throw error;
    }
    return reply.redirect(withDone(`/workspace/campaigns/${campaignId}`, 'Draft saved: check it, then start it.'), 303);
  });

  app.get('/workspace/campaigns/:id', { config: { access: CAMPAIGNS, page: true }, schema: { params: z.object({ id: z.uuid() }) } }, async (request, reply) => {
    const campaign = await campaigns.view(request.params.id);
    if (!campaign) throw new PageAccessDenied(404, 'not found');
    const unknownOwners = campaign.kind === 'RECALL' ? await campaigns.vehicles(campaign.campaignId, 'OWNER_UNKNOWN', { limit: 500 }) : [];
    return page(reply, 'campaign', { campaign, unknownOwners, charts: campaignCharts(campaign), withCharts: true, flash: (request.query as { done?: string }).done ?? null });
  });

  app.get('/workspace/campaigns/:id/targets.csv', { config: { access: CAMPAIGNS, page: true }, schema: { params: z.object({ id: z.uuid() }) } }, async (request, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="campaign-${request.params.id}.csv"`).send(await campaigns.targetsCsv(request.params.id)));

  app.post('/workspace/campaigns/:id/:action', {
    config: { access: RUN_CAMPAIGNS, page: true }, preValidation: app.csrfProtection,
    schema: { params: z.object({ id: z.uuid(), action: z.enum(['start', 'pause', 'resume', 'cancel']) }), body: z.object({ _csrf: Csrf }).optional() },
  }, async (request, reply) => {
    const { id, action } = request.params;
    try {
      const view = action === 'start' ? await campaigns.start(id) : await campaigns.control(id, action.toUpperCase() as CampaignControl);
      return reply.redirect(withDone(`/workspace/campaigns/${id}`, `Campaign ${view.status.toLowerCase()}.`), 303);
    } catch (error) {
      if (error instanceof CampaignNotFound) throw new PageAccessDenied(404, 'not found');
      if (error instanceof CampaignConflict) return message(reply, 'Not in this state', error.message, 409);
      if (error instanceof CampaignNotStarted) return message(reply, 'Please try again in a moment', 'Temporal could not be reached; the campaign is kept, start it again.', 503);
      throw error;
    }
  });

  app.get('/workspace/scorecard', { config: { access: SCORECARD, page: true }, schema: { querystring: ScorecardQuery } }, async (request, reply) => {
    const principal = request.principal!;
    const today = new Date(new Date().toISOString().slice(0, 10));
    const to = request.query.to ?? today.toISOString().slice(0, 10);
    const from = request.query.from ?? new Date(Date.parse(to) - 29 * DAY).toISOString().slice(0, 10);
    const start = new Date(`${from}T00:00:00Z`);
    const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY);
    if (end <= start) return message(reply, 'Please check the dates', 'to: must not be before from', 400);
    if (end.getTime() - start.getTime() > MAX_DAYS * DAY) return message(reply, 'Please check the dates', `to: at most ${MAX_DAYS} days after from`, 400);
    const card = await scorecardWithTargets(sql, { from: start, to: end, groupBy: request.query.groupBy, ...(principal.role === 'DEALER' ? { dealerId: principal.dealerId! } : {}) });
    // Each KPI week by week for the caller's own scope: a dealer's people their dealer, the OEM and ops the network.
    const scope = principal.role === 'DEALER' ? { kind: 'DEALER' as const, id: principal.dealerId! } : NETWORK;
    const trend = await kpiTrend(sql, { scope, at: end, weeks: TREND_WEEKS });
    return page(reply, 'scorecard', {
      card, from, to, groupings: GROUPINGS, columns: metricColumns, processTitle, charts: chartsOf(card), withCharts: true,
      kpiCell, trendCharts: trendChartsOf(trend, scope), statementMonth: new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth())).toISOString().slice(0, 7),
    });
  });
};

/** A campaign's pictures: what became of its customers, and treatment against control. */
function campaignCharts(c: CampaignView) {
  const r = c.results;
  if (!r) return [];
  const { treatment, control } = r.conversions;
  const rate = (g: { customers: number; converted: number }) => (g.customers ? Math.round((g.converted / g.customers) * 1000) / 10 : null);
  return [
    {
      type: 'bar', label: 'What became of the customers', groupLabel: 'outcome',
      labels: ['held out', 'allowed', 'deferred', 'suppressed', ...(c.kind === 'RECALL' ? ['letter'] : []), 'window closed'],
      datasets: [{ label: 'customers', data: [r.heldOut, r.allowed, r.deferred, r.suppressed, ...(c.kind === 'RECALL' ? [r.letters] : []), r.windowClosed] }],
    },
    // A recall holds nobody out: no control group to compare with.
    ...(c.kind === 'RECALL' ? [] : [{
      type: 'bar', label: 'Conversion rate, treatment against control (%)', groupLabel: 'group',
      labels: ['treatment', 'control'], datasets: [{ label: 'converted (%)', data: [rate(treatment), rate(control)] }],
    }]),
  ];
}
