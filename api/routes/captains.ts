// Process captains as people, the OEM's targets per KPI, KPI trends, company counterparts and
// dealer statements (issue 35; docs/scorecard.md). The OEM names and sets; ops read; a dealer's
// key reads its own statement and trends (its dealer, or the network's) only.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CaptainRefused, type ProcessCaptains } from '../../captains/captains.js';
import type { KpiTargets } from '../../captains/targets.js';
import { actorOf } from '../../domain/access.js';
import { KPI_IDS, PERIOD, type Kpi } from '../../domain/kpis.js';
import { PROCESSES } from '../../domain/processes.js';
import { sqlPoolOf, type PrismaClient } from '../../platform/db.js';
import { kpiTrend } from '../../reports/kpis.js';
import { dealerStatement, STATEMENT_MONTH, statementCsv } from '../../reports/dealer-statement.js';
import { Problem, sendInvalid, sendNotFound } from '../problems.js';

const ScopeBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('NETWORK') }),
  z.strictObject({ kind: z.literal('REGION'), id: z.string().min(1).max(64) }),
  z.strictObject({ kind: z.literal('DEALER'), id: z.string().min(1).max(64) }),
]).describe('The network, one region (as dealers name it), or one dealer');
const ScopeView = z.object({ kind: z.enum(['NETWORK', 'REGION', 'DEALER']), id: z.string() });
const scopeOf = (s: z.infer<typeof ScopeBody>) => ({ kind: s.kind, id: s.kind === 'NETWORK' ? '' : s.id });

const CaptainView = z.object({
  captainId: z.string(), process: z.enum(PROCESSES), scope: ScopeView,
  person: z.object({ userId: z.string(), name: z.string(), email: z.string(), role: z.string(), dealerId: z.string().nullable() }),
  timeZone: z.string(), digestPaused: z.boolean(),
  digestScheduleId: z.string().describe('The Temporal Schedule sending the weekly digest (Monday 07:00 in timeZone); visible, pausable and triggerable in the Temporal UI'),
  updatedAt: z.string(),
}).meta({ id: 'Captain' });

const TargetView = z.object({
  targetId: z.string(), kpi: z.enum(KPI_IDS as [Kpi, ...Kpi[]]), scope: ScopeView, period: z.string(), target: z.number(),
  better: z.enum(['higher', 'lower']).describe('higher: the target is a floor; lower: a ceiling'), updatedAt: z.string(),
}).meta({ id: 'KpiTarget' });

const Month = z.string().regex(STATEMENT_MONTH, 'a month from 2000 on, YYYY-MM');

export const captainRoutes = ({ db, captains, targets }: { db: PrismaClient; captains: ProcessCaptains; targets: KpiTargets }): FastifyPluginAsyncZod => async (app) => {
  const sql = sqlPoolOf(db);
  const refused = (reply: Parameters<typeof sendInvalid>[0], error: unknown) => {
    if (error instanceof CaptainRefused) return sendInvalid(reply, error.field, error.message);
    throw error;
  };

  app.get('/v1/captains', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: { tags: ['captains'], summary: 'Who captains which process for the network, each region and each dealer', response: { 200: z.object({ items: z.array(CaptainView) }) } },
  }, async (_request, reply) => reply.send({ items: await captains.list() }));

  app.put('/v1/captains', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['captains'],
      summary: "Name the captain of a process for a scope (replacing the one there is); schedules their weekly digest. The same again changes nothing",
      description: "The network and regions are captained by the OEM's people (lead desk, ops); a dealer's process by one of the dealer's people or the OEM's. `timeZone` (IANA) defaults to the dealer's, else Europe/Berlin.",
      body: z.strictObject({
        process: z.enum(PROCESSES), scope: ScopeBody, userId: z.uuid().describe('A workspace person (GET /v1/users)'),
        timeZone: z.string().max(64).optional().describe('Where the digest is read: Monday 07:00 there'),
      }),
      response: { 200: CaptainView, 400: Problem },
    },
  }, async (request, reply) => {
    const b = request.body;
    try {
      return reply.send(await captains.set({ process: b.process, scope: scopeOf(b.scope), userId: b.userId, timeZone: b.timeZone }, actorOf(request.principal!)));
    } catch (error) {
      return refused(reply, error);
    }
  });

  app.patch('/v1/captains/:captainId', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['captains'], summary: "Pause or resume a captain's weekly digest (its Temporal Schedule)",
      params: z.object({ captainId: z.uuid() }), body: z.strictObject({ digestPaused: z.boolean() }),
      response: { 200: CaptainView, 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const view = await captains.setDigestPaused(request.params.captainId, request.body.digestPaused);
    return view ? reply.send(view) : sendNotFound(reply, 'captain', request.params.captainId);
  });

  app.delete('/v1/captains/:captainId', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['captains'], summary: 'Remove a captain (and the digest schedule); the process falls back to its default role. Again (or a captain not there): the same answer',
      params: z.object({ captainId: z.uuid() }), response: { 200: z.object({ captainId: z.string(), removed: z.literal(true) }), 400: Problem },
    },
  }, async (request, reply) => {
    await captains.remove(request.params.captainId);
    return reply.send({ captainId: request.params.captainId, removed: true as const });
  });

  app.post('/v1/captains/:captainId/digest', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['captains'], summary: "Send this week's digest now (the schedule's trigger); a week already sent is not sent again",
      params: z.object({ captainId: z.uuid() }), response: { 202: z.object({ captainId: z.string(), triggered: z.literal(true) }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => ((await captains.triggerDigest(request.params.captainId))
    ? reply.status(202).send({ captainId: request.params.captainId, triggered: true as const })
    : sendNotFound(reply, 'captain', request.params.captainId)));

  app.get('/v1/kpi-targets', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: { tags: ['captains'], summary: "The OEM's targets per KPI, scope and period", response: { 200: z.object({ items: z.array(TargetView) }) } },
  }, async (_request, reply) => reply.send({ items: await targets.list() }));

  app.put('/v1/kpi-targets', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['captains'],
      summary: 'Set the target of a KPI for a scope and period (replacing the one there is); the same again changes nothing',
      description: "A figure answers to the target of its most specific scope (dealer, its region, the network) whose period holds the scorecard's window, the narrowest period first. Shares are 0…1, the NPS −100…100, days and visits per owner-year as they are.",
      body: z.strictObject({
        kpi: z.enum(KPI_IDS as [Kpi, ...Kpi[]]), scope: ScopeBody,
        period: z.string().regex(PERIOD, 'a year (2026), a quarter (2026-Q4) or a month (2026-12)'),
        target: z.number().finite(),
      }),
      response: { 200: TargetView, 400: Problem },
    },
  }, async (request, reply) => {
    const b = request.body;
    try {
      return reply.send(await targets.set({ kpi: b.kpi, scope: scopeOf(b.scope), period: b.period, target: b.target }, actorOf(request.principal!)));
    } catch (error) {
      return refused(reply, error);
    }
  });

  app.delete('/v1/kpi-targets/:targetId', {
    config: { access: { roles: ['OEM'] } },
    schema: { tags: ['captains'], summary: 'Remove a target. Again (or a target not there): the same answer', params: z.object({ targetId: z.uuid() }), response: { 200: z.object({ targetId: z.string(), removed: z.literal(true) }), 400: Problem } },
  }, async (request, reply) => {
    await targets.remove(request.params.targetId);
    return reply.send({ targetId: request.params.targetId, removed: true as const });
  });

  app.get('/v1/reports/kpi-trend', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'] } },
    schema: {
      tags: ['reports'], summary: "A scope's KPIs week by week (whole weeks, Monday to Monday UTC, before `at`), each with the target its week answers to",
      description: "A dealer's key: its own dealer's or the network's.",
      querystring: z.strictObject({
        scopeKind: z.enum(['NETWORK', 'REGION', 'DEALER']).default('NETWORK'), scopeId: z.string().max(64).default(''),
        weeks: z.coerce.number().int().min(1).max(26).default(12), at: z.iso.date().optional().describe('Default: today'),
      }),
      response: {
        200: z.object({ weeks: z.array(z.string()), kpis: z.array(z.object({ kpi: z.string(), process: z.string(), values: z.array(z.number().nullable()), targets: z.array(z.number().nullable()) })) }),
        400: Problem, 404: Problem,
      },
    },
  }, async (request, reply) => {
    const q = request.query;
    const principal = request.principal!;
    if (q.scopeKind === 'NETWORK' ? q.scopeId !== '' : q.scopeId === '') return sendInvalid(reply, 'scopeId', q.scopeKind === 'NETWORK' ? 'the network has no id' : `the ${q.scopeKind.toLowerCase()} to show`);
    if (principal.role === 'DEALER' && !(q.scopeKind === 'NETWORK' || (q.scopeKind === 'DEALER' && q.scopeId === principal.dealerId))) return sendNotFound(reply, 'scope', q.scopeId);
    return reply.send(await kpiTrend(sql, { scope: { kind: q.scopeKind, id: q.scopeId }, at: q.at ? new Date(`${q.at}T00:00:00Z`) : new Date(), weeks: q.weeks }));
  });

  const StatementParams = z.object({ id: z.string().max(64).describe('The dealer'), month: Month });
  const load = async (dealerId: string, month: string) => dealerStatement(db, sql, dealerId, month);
  app.get('/v1/dealers/:id/statements/:month', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'], dealerParam: 'id' } },
    schema: {
      tags: ['reports'], summary: "A dealer's monthly statement: the figures that feed incentives, each KPI against its target (the scorecard's own queries)",
      description: "A dealer's key reads its own only (another dealer's: 404). `.csv` gives the same for spreadsheets.",
      params: StatementParams,
      response: { 200: z.object({ dealerId: z.string(), dealerName: z.string(), month: z.string(), from: z.string(), to: z.string(), lines: z.array(z.object({ process: z.string(), figure: z.string(), label: z.string(), value: z.number().nullable(), target: z.number().nullable(), status: z.string().nullable() })) }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const s = await load(request.params.id, request.params.month);
    return s ? reply.send(s) : sendNotFound(reply, 'dealer', request.params.id);
  });

  app.get('/v1/dealers/:id/statements/:month.csv', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'], dealerParam: 'id' } },
    schema: { tags: ['reports'], summary: "A dealer's monthly statement as CSV", params: StatementParams, produces: ['text/csv'], response: { 200: z.string(), 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    const s = await load(request.params.id, request.params.month);
    if (!s) return sendNotFound(reply, 'dealer', request.params.id);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="statement-${s.dealerId}-${s.month}.csv"`).send(statementCsv(s));
  });

  const Counterpart = z.object({ id: z.uuid(), process: z.enum(PROCESSES) });
  app.put('/v1/customers/:id/counterparts/:process', {
    config: { access: { roles: ['OEM', 'DEALER'], customer: { param: 'id', kind: 'customerId', use: 'act' } } },
    schema: {
      tags: ['customers'], summary: "Name a company customer's own counterpart for a process: one of its contacts (GET /v1/customers/{id}/people). The same again changes nothing",
      params: Counterpart, body: z.strictObject({ contactId: z.uuid() }),
      response: { 200: z.object({ customerId: z.string(), counterparts: z.array(z.object({ process: z.string(), contactId: z.string() })) }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    try {
      await captains.setCounterpart(request.params.id, request.params.process, request.body.contactId, actorOf(request.principal!));
    } catch (error) {
      return refused(reply, error);
    }
    return reply.send({ customerId: request.params.id, counterparts: await captains.counterparts(request.params.id) });
  });

  app.delete('/v1/customers/:id/counterparts/:process', {
    config: { access: { roles: ['OEM', 'DEALER'], customer: { param: 'id', kind: 'customerId', use: 'act' } } },
    schema: { tags: ['customers'], summary: "Remove a company's counterpart for a process (none there: the same answer)", params: Counterpart, response: { 200: z.object({ customerId: z.string(), counterparts: z.array(z.object({ process: z.string(), contactId: z.string() })) }), 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    await captains.removeCounterpart(request.params.id, request.params.process);
    return reply.send({ customerId: request.params.id, counterparts: await captains.counterparts(request.params.id) });
  });
};
