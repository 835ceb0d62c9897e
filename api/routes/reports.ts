// The process captains' scorecard: JSON for the lead desk and dealers, CSV for spreadsheets.
// A dealer's key sees rows of its own records and the network's totals; OEM and ops keys see all.
import { writeCsv } from '../../platform/csv.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sqlPoolOf, type PrismaClient } from '../../platform/db.js';
import { pastDay } from '../../platform/validation.js';
import { PROCESSES, type Process } from '../../domain/processes.js';
import { GROUPINGS } from '../../reports/scorecard.js';
import { scorecardWithTargets, type KpiResult, type ScorecardWithTargets } from '../../reports/kpis.js';
import { KPI_IDS, type Kpi } from '../../domain/kpis.js';
import { Problem, sendInvalid, sendProblem } from '../problems.js';

const DAY = 24 * 3600 * 1000;
const MAX_DAYS = 3 * 366;

const ScorecardQuery = z.strictObject({
  from: pastDay().describe('First day, YYYY-MM-DD (UTC)'),
  to: z.iso.date().describe('Last day, YYYY-MM-DD (UTC), included'),
  groupBy: z.enum(GROUPINGS).default('dealer')
    .describe("Rows per dealer, per dealer's region, or per lead source, campaign or model (the customer's latest lead before each record)"),
});

const int = () => z.number().int();
const Quantiles = z.object({ median: z.number().nullable(), p90: z.number().nullable() });
/** Each process's figures, as the scorecard computes them (reports/scorecard.ts). */
const METRICS = {
  identification: {
    leads: int(), uniqueCustomers: int().describe('Distinct customers among the leads'),
    duplicatesMerged: int().describe('Leads of a person already known: joined to their customer and journey'),
  },
  acquisition: {
    qualified: int().describe('Journeys that qualified for a hand-off'), disqualified: int().describe('Disqualified, including opt-outs'),
    escalated: int().describe('Hand-offs no dealer took: escalated to the OEM'),
  },
  engagement: {
    offered: int(), accepted: int(), declined: int(),
    slaBreaches: int().describe('Offers that lapsed unanswered'),
    acceptRate: z.number().nullable().describe('Accepted per offered, 0…1'),
    timeToAcceptMinutes: Quantiles, acceptedWithin15Minutes: int().describe('Acceptances within 15 minutes of their offer'), sold: int(),
    timeToSaleDays: Quantiles.describe('From accepting the hand-off to the sale'),
    fellBack: int().describe('Sales ownership ended without a sale: lost, no-show, sales window expired'),
    reassignedAway: int(),
  },
  maintenance: {
    ownedCustomerYears: z.number().describe('Years customers were owned by the dealer after a sale, within the window'),
    serviceVisits: int(), serviceVisitsPerOwnedCustomerYear: z.number().nullable(),
    recallTasks: int().describe("Repair tasks of safety recalls started in the window (the dealer's customers' affected vehicles)"),
    recallRepairs: int().describe('Of those, repaired by the end of the window'), recallCompletion: z.number().nullable().describe('Repaired per task, 0…1'),
  },
  newValue: {
    backInMarket: int().describe("Owned customers back in market (the ownership cycle's end)"),
    soldAgainSameDealer: int().describe('Of those, bought again from the same dealer before the window ends'),
    referralLeads: int().describe("Friends' leads through a promoter's referral link (for the dealer that looked after the promoter)"),
  },
  feedback: {
    surveysSent: int(), complaintsOpened: int(), complaintsResolved: int(),
    timeToResolutionDays: Quantiles.describe('Of the complaints resolved in the window, from their opening'),
    surveysAnswered: int().describe('Surveys answered in the window (0–10), about the dealer'), promoters: int().describe('Answers of 9 or 10'),
    detractors: int().describe('Answers of 0 to 6 (each opened a restitution case)'), nps: z.number().int().nullable().describe('Net promoter score: promoters minus detractors, per hundred answers'),
  },
} satisfies Record<Process, z.ZodRawShape>;

const ScopeView = z.object({ kind: z.enum(['NETWORK', 'REGION', 'DEALER']), id: z.string().describe("The region or dealer; '' for the network") }).meta({ id: 'Scope' });
const KpiResultView = z.object({
  kpi: z.enum(KPI_IDS as [Kpi, ...Kpi[]]), value: z.number().nullable(),
  target: z.number().nullable().describe('The target this figure answers to (the most specific scope with one for a period holding the window); null when none is set'),
  targetScope: ScopeView.nullable(),
  status: z.enum(['MET', 'CLOSE', 'MISSED', 'NO_DATA']).nullable().describe("Against the target: MET, CLOSE (within the KPI's tolerance), MISSED; NO_DATA without a figure; null without a target"),
}).meta({ id: 'KpiResult' });
const processCard = <P extends Process>(process: P) => z.object({
  process: z.literal(process),
  captain: z.string().describe("The network's named captain, or the role that captains this process by default until the OEM names one"),
  captains: z.array(z.object({ scope: ScopeView, name: z.string() })).describe("The people named for the network, and for the regions and dealers of the caller's rows"),
  rows: z.array(z.object({ group: z.string().nullable().describe('The dealer, region, source, campaign or model; null for records without one (a lead has no dealer)'), ...METRICS[process], kpis: z.array(KpiResultView) })),
  network: z.object({ ...METRICS[process], kpis: z.array(KpiResultView) }).describe("The whole network's figures"),
});
const ScorecardView = z
  .object({
    from: z.string(), to: z.string(), groupBy: z.enum(GROUPINGS),
    processes: z.array(z.discriminatedUnion('process', PROCESSES.map(processCard) as unknown as [ReturnType<typeof processCard<'identification'>>, ...ReturnType<typeof processCard>[]])),
  })
  .meta({ id: 'Scorecard' });

/** Long form for spreadsheets' pivot tables: one line per process, group and figure. */
function toCsv(card: ScorecardWithTargets): string {
  const lines: (string | number)[][] = [['process', 'captain', 'group', 'metric', 'value']];
  for (const p of card.processes) {
    const add = (group: string, figures: object) => {
      for (const [metric, v] of Object.entries(figures)) {
        if (metric === 'group') continue;
        if (metric === 'kpis') {
          for (const k of v as KpiResult[]) {
            lines.push([p.process, p.captain, group, `kpi.${k.kpi}`, k.value ?? ''], [p.process, p.captain, group, `kpi.${k.kpi}.target`, k.target ?? ''], [p.process, p.captain, group, `kpi.${k.kpi}.status`, k.status ?? '']);
          }
          continue;
        }
        if (v !== null && typeof v === 'object') for (const [q, x] of Object.entries(v as Record<string, number | null>)) lines.push([p.process, p.captain, group, `${metric}.${q}`, x ?? '']);
        else lines.push([p.process, p.captain, group, metric, v ?? '']);
      }
    };
    for (const row of p.rows) add(row.group ?? '', row);
    add('NETWORK', p.network);
  }
  return writeCsv(lines);
}

export const reportRoutes = (deps: { db: PrismaClient }): FastifyPluginAsyncZod => async (app) => {
  const sql = sqlPoolOf(deps.db);
  /** The scorecard for the caller, or the parameter that makes the window impossible. */
  const load = async (query: z.infer<typeof ScorecardQuery>, principal: { role: string; dealerId?: string | null }) => {
    const from = new Date(`${query.from}T00:00:00Z`);
    const to = new Date(Date.parse(`${query.to}T00:00:00Z`) + DAY);
    if (to <= from) return { refused: 'must not be before from' };
    if (to.getTime() - from.getTime() > MAX_DAYS * DAY) return { refused: `at most ${MAX_DAYS} days after from` };
    return { card: await scorecardWithTargets(sql, { from, to, groupBy: query.groupBy, ...(principal.role === 'DEALER' ? { dealerId: principal.dealerId! } : {}) }) };
  };
  const refuse = (reply: Parameters<typeof sendProblem>[0], message: string) =>
    sendInvalid(reply, 'to', message);

  app.get('/v1/reports/scorecard', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'] } },
    schema: {
      tags: ['reports'],
      summary: "The process captains' scorecard: each process's figures per group and for the network",
      description: 'Computed from the journeys\' records (leads, stage changes, hand-off events, the ownership ledger, sales, service visits and complaints, surveys) for the days from…to. A dealer key sees rows of its own records only, and the network\'s totals. `/v1/reports/scorecard.csv` gives the same as CSV.',
      querystring: ScorecardQuery,
      response: { 200: ScorecardView, 400: Problem },
    },
  }, async (request, reply) => {
    const result = await load(request.query, request.principal!);
    if (!result.card) return refuse(reply, result.refused);
    return reply.send({ ...result.card, groupBy: request.query.groupBy });
  });

  app.get('/v1/reports/scorecard.csv', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'] } },
    schema: {
      tags: ['reports'], summary: 'The scorecard as CSV: one line per process, group and figure (the network as group NETWORK)', querystring: ScorecardQuery,
      produces: ['text/csv'],
      response: { 200: z.string().describe('CSV with a header line'), 400: Problem },
    },
  }, async (request, reply) => {
    const result = await load(request.query, request.principal!);
    if (!result.card) return refuse(reply, result.refused);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="scorecard-${request.query.from}-${request.query.to}.csv"`).send(toCsv(result.card));
  });
};
