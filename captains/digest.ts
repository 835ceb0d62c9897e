// What a captain's weekly digest says, from the scorecard's own figures and the OEM's targets,
// and sending it once per captain and week (captain_digest: a retried activity finds the week
// already sent). Runs in the captainDigest workflow's activity on the bulk task queue.
import type pg from 'pg';
import { digestWeekOf, kpisOf, scopeChainOf, type Scope } from '../domain/kpis.js';
import type { Process } from '../domain/processes.js';
import type { MessageTransport } from '../communications/transports.js';
import type { PrismaClient } from '../platform/db.js';
import { figuresOf, groupingFor, kpiResults, loadRegions, loadTargets, withTargets } from '../reports/kpis.js';
import { figureWords as words, isQuantiles, scorecard } from '../reports/scorecard.js';
import { digestText, type DigestInput } from './digest-text.js';

const MISSED_LISTED = 20;
const PROCESS_TITLES: Record<Process, string> = {
  identification: 'Identification', acquisition: 'Acquisition', engagement: 'Engagement', maintenance: 'Maintenance', newValue: 'New value', feedback: 'Feedback',
};

/** The digest's content for a captain at `at` (the schedule's time), or null when the captain is gone. */
export async function composeDigest(db: PrismaClient, sql: pg.Pool, captainId: string, at: Date, publicApiUrl: string) {
  const captain = await db.processCaptain.findUnique({ where: { id: captainId }, include: { user: true } });
  if (!captain) return null;
  const process = captain.process as Process;
  const scope: Scope = { kind: captain.scopeKind as Scope['kind'], id: captain.scopeId };
  const { week, from, to } = digestWeekOf(at, captain.timeZone);
  const [targets, regions] = await Promise.all([loadTargets(sql), loadRegions(sql)]);
  const card = await scorecard(sql, { from, to, groupBy: groupingFor(scope), ...(scope.kind === 'DEALER' ? { dealerId: scope.id } : {}) });
  const chain = scope.kind === 'DEALER' ? scopeChainOf(scope.id, regions.get(scope.id) ?? null) : scope.kind === 'REGION' ? scopeChainOf(null, scope.id) : scopeChainOf(null, null);
  const empty = card.processes.find((p) => p.process === process)!.network;
  const mine = figuresOf(card, process, scope) ?? zeroed(empty);
  const kpis = kpiResults(process, mine, targets, chain, from, to);

  // Below a network or region captain: each dealer's KPIs of the process that missed (a region's
  // card is grouped by region; its dealers' rows need the dealer grouping).
  let missed: DigestInput['missed'] = [];
  if (scope.kind !== 'DEALER' && kpisOf(process).length > 0) {
    const byDealer = withTargets(scope.kind === 'NETWORK' ? card : await scorecard(sql, { from, to, groupBy: 'dealer' }), targets, regions);
    missed = byDealer.processes.find((p) => p.process === process)!.rows
      .filter((r) => r.group !== null && (scope.kind === 'NETWORK' || regions.get(r.group) === scope.id))
      .map((r) => ({ scope: { kind: 'DEALER' as const, id: r.group! }, kpis: r.kpis.filter((k) => k.status === 'MISSED') }))
      .filter((m) => m.kpis.length > 0);
  }

  const inScope = scope.kind === 'NETWORK' ? 'true' : scope.kind === 'DEALER' ? 'd.id = $1' : 'd.region = $1';
  const [escalations, restitution] = await Promise.all([
    sql.query<{ count: string; oldest: Date | null }>(`
      SELECT count(*), min(j.stage_changed_at) AS oldest FROM journey j
      WHERE j.stage = 'ESCALATED' AND (${scope.kind === 'NETWORK' ? 'true' : `EXISTS (SELECT 1 FROM handoff_event h JOIN dealer d ON d.id = h.dealer_id WHERE h.journey_id = j.id AND ${inScope})`})`,
    scope.kind === 'NETWORK' ? [] : [scope.id]),
    sql.query<{ count: string }>(`
      SELECT count(*) FROM survey_answer a LEFT JOIN dealer d ON d.id = a.dealer_id
      WHERE a.case_id IS NOT NULL AND ${inScope}
        AND NOT EXISTS (SELECT 1 FROM aftersales_event r WHERE r.journey_id = a.journey_id AND r.ref = a.case_id AND r.kind = 'COMPLAINT_RESOLVED')
        AND NOT EXISTS (SELECT 1 FROM journey_task t WHERE t.key = a.case_id AND t.status <> 'OPEN')`,
    scope.kind === 'NETWORK' ? [] : [scope.id]),
  ]);

  const lastDay = new Date(to.getTime() - 86_400_000).toISOString().slice(0, 10);
  const query = new URLSearchParams({ from: from.toISOString().slice(0, 10), to: lastDay, groupBy: scope.kind === 'REGION' ? 'region' : 'dealer' });
  const content = digestText({
    captainName: captain.user.name, process, processTitle: PROCESS_TITLES[process], scope, from, to,
    kpis, figures: figuresList(mine),
    missed: missed.slice(0, MISSED_LISTED), missedMore: Math.max(0, missed.length - MISSED_LISTED),
    openEscalations: { count: Number(escalations.rows[0]!.count), oldestSince: escalations.rows[0]!.oldest },
    openRestitutionCases: Number(restitution.rows[0]!.count),
    scorecardUrl: `${publicApiUrl}/workspace/scorecard?${query}#process-${process}`,
  });
  return { captain, to: captain.user.email, week, content };
}

function figuresList(metrics: object): [string, number | string | null][] {
  return Object.entries(metrics).flatMap(([key, v]): [string, number | string | null][] =>
    isQuantiles(v) ? [[`${words(key)} (median / p90)`, `${v.median ?? '–'} / ${v.p90 ?? '–'}`]] : [[words(key), v as number | null]]);
}
function zeroed<T extends object>(metrics: T): T {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, isQuantiles(v) ? { median: null, p90: null } : typeof v === 'number' ? 0 : null])) as T;
}

/**
 * Sends the captain's digest for the week of `at`, once: the week's row is claimed first, and a
 * week already sent is not sent again (a crash between the SMTP server's answer and the row's
 * update sends it once more — at most twice, never lost).
 */
export async function sendDigest(
  { db, sql, email, from, publicApiUrl }: { db: PrismaClient; sql: pg.Pool; email: MessageTransport; from: string; publicApiUrl: string },
  captainId: string, at: Date,
): Promise<{ outcome: 'SENT' | 'ALREADY_SENT' | 'NO_CAPTAIN'; week?: string }> {
  const digest = await composeDigest(db, sql, captainId, at, publicApiUrl);
  if (!digest) return { outcome: 'NO_CAPTAIN' };
  const key = { captainId_week: { captainId, week: digest.week } };
  await db.captainDigest.createMany({ data: [{ captainId, week: digest.week }], skipDuplicates: true });
  if ((await db.captainDigest.findUnique({ where: key }))?.status === 'SENT') return { outcome: 'ALREADY_SENT', week: digest.week };
  await email.send({ communicationId: `digest-${captainId}-${digest.week}`, channel: 'EMAIL', to: digest.to, from, ...digest.content });
  await db.captainDigest.update({ where: key, data: { status: 'SENT', sentAt: new Date() } });
  return { outcome: 'SENT', week: digest.week };
}
