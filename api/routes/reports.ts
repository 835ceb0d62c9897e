// The process captains' scorecard: JSON for the lead desk and dealers, CSV for spreadsheets.
// A dealer's key sees its own row and the network's; OEM and ops keys see every dealer.
import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sqlPoolOf, type PrismaClient } from '../../platform/db.js';
import { pastDay } from '../../platform/validation.js';
import { engagementScorecard, PROCESS_CAPTAINS, type EngagementRow, type Scorecard } from '../../reports/scorecard.js';
import { Problem, sendProblem } from '../problems.js';

const DAY = 24 * 3600 * 1000;
const MAX_DAYS = 3 * 366;

const ScorecardQuery = z.strictObject({
  from: pastDay().describe('First day, YYYY-MM-DD (UTC)'),
  to: z.iso.date().describe('Last day, YYYY-MM-DD (UTC), included'),
  groupBy: z.enum(['dealer']).default('dealer').describe('Rows per dealer (region, source, campaign and model are to come)'),
});

const Quantiles = z.object({ median: z.number().nullable(), p90: z.number().nullable() });
const EngagementFields = {
  offered: z.number().int(), accepted: z.number().int(), declined: z.number().int(),
  slaBreaches: z.number().int().describe('Offers that lapsed unanswered'),
  acceptRate: z.number().nullable().describe('Accepted per offered, 0…1'),
  timeToAcceptMinutes: Quantiles, sold: z.number().int(),
  timeToSaleDays: Quantiles.describe('From accepting the hand-off to the sale'),
  fellBack: z.number().int().describe('Sales ownership ended without a sale: lost, no-show, sales window expired'),
  reassignedAway: z.number().int(),
};
const ScorecardView = z
  .object({
    from: z.string(), to: z.string(), groupBy: z.literal('dealer'),
    processes: z.array(z.object({
      process: z.enum(Object.keys(PROCESS_CAPTAINS) as [keyof typeof PROCESS_CAPTAINS]),
      captain: z.string().describe('The role that captains this process'),
      rows: z.array(z.object({ dealerId: z.string(), ...EngagementFields })),
      network: z.object(EngagementFields).describe("The whole network's figures (every dealer together)"),
    })),
  })
  .meta({ id: 'Scorecard' });

const COLUMNS: (keyof EngagementRow)[] = ['offered', 'accepted', 'declined', 'slaBreaches', 'acceptRate', 'timeToAcceptMinutes', 'sold', 'timeToSaleDays', 'fellBack', 'reassignedAway'];
function toCsv(card: Scorecard): string {
  const header = ['process', 'captain', 'dealer', ...COLUMNS.flatMap((c) => (c === 'timeToAcceptMinutes' || c === 'timeToSaleDays' ? [`${c}Median`, `${c}P90`] : [c]))];
  const line = (p: Scorecard['processes'][number], dealer: string, r: EngagementRow) => [p.process, p.captain, dealer, ...COLUMNS.flatMap((c) => {
    const v = r[c];
    return typeof v === 'object' && v !== null ? [v.median ?? '', v.p90 ?? ''] : [v ?? ''];
  })];
  const rows = card.processes.flatMap((p) => [...p.rows.map((r) => line(p, r.dealerId, r)), line(p, 'NETWORK', p.network)]);
  return stringify([header, ...rows]);
}

export const reportRoutes = (deps: { db: PrismaClient }): FastifyPluginAsyncZod => async (app) => {
  const sql = sqlPoolOf(deps.db);
  /** The scorecard for the caller, or the parameter that makes the window impossible. */
  const load = async (query: z.infer<typeof ScorecardQuery>, principal: { role: string; dealerId?: string | null }) => {
    const from = new Date(`${query.from}T00:00:00Z`);
    const to = new Date(Date.parse(`${query.to}T00:00:00Z`) + DAY);
    if (to <= from) return { refused: 'must not be before from' };
    if (to.getTime() - from.getTime() > MAX_DAYS * DAY) return { refused: `at most ${MAX_DAYS} days after from` };
    return { card: await engagementScorecard(sql, { from, to, ...(principal.role === 'DEALER' ? { dealerId: principal.dealerId! } : {}) }) };
  };
  const refuse = (reply: Parameters<typeof sendProblem>[0], message: string) =>
    sendProblem(reply, { type: 'validation', title: 'The request is invalid', status: 400, detail: `to: ${message}`, errors: [{ field: 'to', message }] });

  app.get('/v1/reports/scorecard', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'] } },
    schema: {
      tags: ['reports'],
      summary: "The process captains' scorecard: hand-offs and sales per dealer and for the network",
      description: 'Computed from the journeys\' records (hand-off events, ownership ledger, sales) for the days from…to. A dealer key sees its own row and the network\'s totals. `/v1/reports/scorecard.csv` gives the same as CSV.',
      querystring: ScorecardQuery,
      response: { 200: ScorecardView, 400: Problem },
    },
  }, async (request, reply) => {
    const result = await load(request.query, request.principal!);
    if (!result.card) return refuse(reply, result.refused);
    return reply.send(result.card);
  });

  app.get('/v1/reports/scorecard.csv', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'] } },
    schema: {
      tags: ['reports'], summary: 'The scorecard as CSV (one line per process and dealer, then the network)', querystring: ScorecardQuery,
      produces: ['text/csv'],
      response: { 200: z.string().describe('CSV with a header line'), 400: Problem },
    },
  }, async (request, reply) => {
    const result = await load(request.query, request.principal!);
    if (!result.card) return refuse(reply, result.refused);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="scorecard-${request.query.from}-${request.query.to}.csv"`).send(toCsv(result.card));
  });
};
