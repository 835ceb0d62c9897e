// The process captains' pages (issue 35): who captains what with their digests (paused,
// resumed, sent now), the OEM's targets, and a dealer's printable monthly statement. The same
// stores and rules as /v1/captains, /v1/kpi-targets and /v1/dealers/:id/statements.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CaptainRefused, type ProcessCaptains } from '../../captains/captains.js';
import type { KpiTargets } from '../../captains/targets.js';
import { formatKpi } from '../../captains/digest-text.js';
import { actorOf } from '../../domain/access.js';
import { KPI_IDS, KPIS, scopeLabel, type Kpi, type Scope } from '../../domain/kpis.js';
import { PROCESSES, type Process } from '../../domain/processes.js';
import type { PrismaClient } from '../../platform/db.js';
import type pg from 'pg';
import { dealerStatement, STATEMENT_MONTH } from '../../reports/dealer-statement.js';
import { PageAccessDenied } from '../access.js';
import { message, page, withDone } from './page.js';
import { processTitle } from './scorecard-view.js';

const Csrf = z.string().optional();
const READ = { roles: ['OEM', 'OPS'] as const };
const SET = { roles: ['OEM'] as const };

const scopeFrom = (kind: string, id: string): Scope | string => {
  if (kind === 'NETWORK') return { kind, id: '' };
  if (kind !== 'REGION' && kind !== 'DEALER') return 'scope: network, a region or a dealer';
  return id.trim() ? { kind, id: id.trim() } : `scope: the ${kind.toLowerCase()} to name`;
};

export interface CaptainPagesDeps { db: PrismaClient; sql: pg.Pool; captains: ProcessCaptains; kpiTargets: KpiTargets }

export const captainPages = ({ db, sql, captains, kpiTargets: targets }: CaptainPagesDeps): FastifyPluginAsyncZod => async (app) => {
  app.get('/workspace/captains', { config: { access: READ, page: true } }, async (request, reply) => {
    const [list, goals, people, dealers] = await Promise.all([
      captains.list(), targets.list(),
      db.userAccount.findMany({ where: { active: true }, orderBy: { name: 'asc' }, select: { id: true, name: true, role: true, dealerId: true } }),
      db.dealer.findMany({ where: { active: true }, orderBy: { id: 'asc' }, select: { id: true, region: true } }),
    ]);
    const regions = [...new Set(dealers.map((d) => d.region).filter((r): r is string => r !== null))].sort();
    return page(reply, 'captains', {
      captains: list, targets: goals, people, dealers, regions, processes: PROCESSES, processTitle, kpis: KPI_IDS.map((k) => ({ id: k, ...KPIS[k] })),
      scopeLabel, formatKpi, flash: (request.query as { done?: string }).done ?? null,
    });
  });

  app.post('/workspace/captains', {
    config: { access: SET, page: true }, preValidation: app.csrfProtection,
    schema: { body: z.object({ process: z.string().max(40), scopeKind: z.string().max(10), scopeId: z.string().max(64).default(''), userId: z.string().max(40), timeZone: z.string().max(64).default(''), _csrf: Csrf }) },
  }, async (request, reply) => {
    const b = request.body;
    if (!(PROCESSES as readonly string[]).includes(b.process)) return message(reply, 'Please check the captain', 'process: one of the six processes', 400);
    const scope = scopeFrom(b.scopeKind, b.scopeId);
    if (typeof scope === 'string') return message(reply, 'Please check the captain', scope, 400);
    if (!/^[0-9a-f-]{36}$/.test(b.userId)) return message(reply, 'Please check the captain', 'userId: choose a person', 400);
    try {
      const c = await captains.set({ process: b.process as Process, scope, userId: b.userId, timeZone: b.timeZone.trim() || undefined }, actorOf(request.principal!));
      return reply.redirect(withDone('/workspace/captains', `${c.person.name} captains ${processTitle(c.process).toLowerCase()} for the ${scopeLabel(c.scope)}; the digest goes out Mondays 07:00 (${c.timeZone}).`), 303);
    } catch (error) {
      if (error instanceof CaptainRefused) return message(reply, 'Please check the captain', `${error.field}: ${error.message}`, 400);
      throw error;
    }
  });

  app.post('/workspace/captains/:captainId/:action', {
    config: { access: SET, page: true }, preValidation: app.csrfProtection,
    schema: { params: z.object({ captainId: z.uuid(), action: z.enum(['pause', 'resume', 'send', 'remove']) }), body: z.object({ _csrf: Csrf }).optional() },
  }, async (request, reply) => {
    const { captainId, action } = request.params;
    // Removing again (a double click) says the same: the captain is gone.
    const done = action === 'remove' ? (await captains.remove(captainId), true)
      : action === 'send' ? await captains.triggerDigest(captainId)
        : (await captains.setDigestPaused(captainId, action === 'pause')) !== null;
    if (!done) throw new PageAccessDenied(404, 'not found');
    const said = { pause: 'Digest paused.', resume: 'Digest resumed.', send: "This week's digest is on its way (a week already sent is not sent again).", remove: 'Captain removed.' }[action];
    return reply.redirect(withDone('/workspace/captains', said), 303);
  });

  app.post('/workspace/targets', {
    config: { access: SET, page: true }, preValidation: app.csrfProtection,
    schema: { body: z.object({ kpi: z.string().max(40), scopeKind: z.string().max(10), scopeId: z.string().max(64).default(''), period: z.string().max(10), target: z.string().max(20), _csrf: Csrf }) },
  }, async (request, reply) => {
    const b = request.body;
    if (!(KPI_IDS as string[]).includes(b.kpi)) return message(reply, 'Please check the target', 'kpi: choose a KPI', 400);
    const kpi = b.kpi as Kpi;
    const scope = scopeFrom(b.scopeKind, b.scopeId);
    if (typeof scope === 'string') return message(reply, 'Please check the target', scope, 400);
    const typed = Number(b.target.replace(',', '.').replace('%', '').trim());
    if (b.target.trim() === '' || !Number.isFinite(typed)) return message(reply, 'Please check the target', 'target: a number', 400);
    // Shares are typed in percent on the page (45 for 45 %), as they are shown.
    const target = KPIS[kpi].unit === 'share' ? typed / 100 : typed;
    try {
      const t = await targets.set({ kpi, scope, period: b.period.trim(), target }, actorOf(request.principal!));
      return reply.redirect(withDone('/workspace/captains', `Target set: ${KPIS[kpi].label} ${KPIS[kpi].better === 'higher' ? '≥' : '≤'} ${formatKpi(kpi, t.target)} for the ${scopeLabel(t.scope)} in ${t.period}.`), 303);
    } catch (error) {
      if (error instanceof CaptainRefused) return message(reply, 'Please check the target', `${error.field}: ${KPIS[kpi].unit === 'share' && error.field === 'target' ? 'a share in percent, 0 to 100' : error.message}`, 400);
      throw error;
    }
  });

  app.post('/workspace/targets/:targetId/remove', {
    config: { access: SET, page: true }, preValidation: app.csrfProtection,
    schema: { params: z.object({ targetId: z.uuid() }), body: z.object({ _csrf: Csrf }).optional() },
  }, async (request, reply) => {
    await targets.remove(request.params.targetId); // again (a double click): the same page
    return reply.redirect(withDone('/workspace/captains', 'Target removed.'), 303);
  });

  // A dealer's monthly statement, to print: its people see their own dealer's only (others: 404).
  app.get('/workspace/statements/:dealerId/:month', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'], dealerParam: 'dealerId' }, page: true },
    schema: { params: z.object({ dealerId: z.string().max(64), month: z.string().regex(STATEMENT_MONTH) }) },
  }, async (request, reply) => {
    const statement = await dealerStatement(db, sql, request.params.dealerId, request.params.month);
    if (!statement) throw new PageAccessDenied(404, 'not found');
    const show = (l: { figure: string; value: number | null }) => {
      const kpi = l.figure.startsWith('kpi.') ? (l.figure.slice(4) as Kpi) : null;
      if (kpi) return formatKpi(kpi, l.value);
      return l.value === null ? '–' : Number.isInteger(l.value) ? String(l.value) : l.value.toFixed(2);
    };
    const target = (l: { figure: string; target: number | null }) => {
      const kpi = l.figure.slice(4) as Kpi;
      return l.target === null ? '' : `${KPIS[kpi].better === 'higher' ? '≥' : '≤'} ${formatKpi(kpi, l.target)}`;
    };
    return page(reply, 'statement', { statement, processes: PROCESSES, processTitle, show, target });
  });
};
