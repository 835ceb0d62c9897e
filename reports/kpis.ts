// The scorecard's figures against the OEM's targets (issue 35): each KPI's value read from a
// scorecard row, the target it answers to (domain/kpis.ts targetFor), and met/close/missed.
// Also the people who captain each process, as the scorecard names them.
import type pg from 'pg';
import { KPIS, KPI_IDS, kpisOf, NETWORK, scopeChainOf, statusOf, targetFor, weeksBefore, type Kpi, type KpiStatus, type KpiTarget, type Scope, type ScopeKind } from '../domain/kpis.js';
import type { Process } from '../domain/processes.js';
import { scorecard, type NamedCaptain, type ProcessCard, type ProcessMetrics, type Scorecard, type ScorecardRequest } from './scorecard.js';

const ratio = (part: number, whole: number, digits = 3) => (whole > 0 ? Math.round((part / whole) * 10 ** digits) / 10 ** digits : null);

/** Each KPI's figure from its process's metrics (the scorecard's own, so a statement and the card agree). */
export const KPI_VALUE: { [K in Kpi]: (m: ProcessMetrics[(typeof KPIS)[K]['process']]) => number | null } = {
  qualificationRate: (m) => ratio(m.qualified, m.qualified + m.disqualified),
  escalationRate: (m) => ratio(m.escalated, m.qualified),
  acceptedWithin15Minutes: (m) => ratio(m.acceptedWithin15Minutes, m.offered),
  slaBreachRate: (m) => ratio(m.slaBreaches, m.offered),
  acceptRate: (m) => m.acceptRate,
  salesConversion: (m) => ratio(m.sold, m.accepted),
  serviceVisitsPerOwnerYear: (m) => m.serviceVisitsPerOwnedCustomerYear,
  recallCompletion: (m) => m.recallCompletion,
  repurchaseRate: (m) => ratio(m.soldAgainSameDealer, m.backInMarket),
  nps: (m) => m.nps,
  complaintResolutionDays: (m) => m.timeToResolutionDays.median,
};

export const kpiValue = (kpi: Kpi, metrics: ProcessMetrics[Process]): number | null =>
  (KPI_VALUE[kpi] as (m: ProcessMetrics[Process]) => number | null)(metrics);

export interface KpiResult {
  kpi: Kpi;
  value: number | null;
  /** The target this figure answers to, and whose it is; null when the OEM set none. */
  target: number | null;
  targetScope: Scope | null;
  status: KpiStatus | null;
}

export function kpiResults(process: Process, metrics: ProcessMetrics[Process], targets: readonly KpiTarget[], scopes: readonly Scope[], from: Date, to: Date): KpiResult[] {
  return kpisOf(process).map((kpi) => {
    const value = kpiValue(kpi, metrics);
    const t = targetFor(targets, kpi, scopes, from, to);
    return { kpi, value, target: t?.target ?? null, targetScope: t?.scope ?? null, status: t ? statusOf(kpi, value, t.target) : null };
  });
}

/** A scorecard with each row's and the network's KPIs against their targets (rows by dealer or region; other groupings answer to the network's). */
type WithKpis<C> = C extends ProcessCard
  ? Omit<C, 'rows' | 'network'> & { rows: (C['rows'][number] & { kpis: KpiResult[] })[]; network: C['network'] & { kpis: KpiResult[] } }
  : never;
export type ScorecardWithTargets = Omit<Scorecard, 'processes'> & { processes: WithKpis<Scorecard['processes'][number]>[] };

export function withTargets(card: Scorecard, targets: readonly KpiTarget[], regionOf: ReadonlyMap<string, string | null>): ScorecardWithTargets {
  const from = new Date(card.from);
  const to = new Date(card.to);
  const scopesOf = (group: string | null): Scope[] => {
    if (group === null) return scopeChainOf(null, null);
    if (card.groupBy === 'dealer') return scopeChainOf(group, regionOf.get(group) ?? null);
    if (card.groupBy === 'region') return scopeChainOf(null, group);
    return scopeChainOf(null, null);
  };
  return {
    ...card,
    processes: card.processes.map((p) => ({
      ...p,
      rows: p.rows.map((row) => ({ ...row, kpis: kpiResults(p.process, row as ProcessMetrics[Process], targets, scopesOf(row.group), from, to) })),
      network: { ...p.network, kpis: kpiResults(p.process, p.network, targets, scopeChainOf(null, null), from, to) },
    })) as ScorecardWithTargets['processes'],
  };
}

type TargetRow = { kpi: string; scope_kind: ScopeKind; scope_id: string; period: string; target: number };
/** Every target the OEM set (a small table: KPIs × scopes × periods). */
export async function loadTargets(sql: pg.Pool): Promise<KpiTarget[]> {
  const { rows } = await sql.query<TargetRow>('SELECT kpi, scope_kind, scope_id, period, target FROM kpi_target');
  return rows.filter((r) => (KPI_IDS as string[]).includes(r.kpi)).map((r) => ({ kpi: r.kpi as Kpi, scope: { kind: r.scope_kind, id: r.scope_id }, period: r.period, target: r.target }));
}

/** Each active dealer's region (the scope chain of a dealer's row). */
export async function loadRegions(sql: pg.Pool): Promise<Map<string, string | null>> {
  const { rows } = await sql.query<{ id: string; region: string | null }>('SELECT id, region FROM dealer');
  return new Map(rows.map((r) => [r.id, r.region]));
}

/**
 * The people who captain each process, as the scorecard names them: all for the OEM and ops;
 * for a dealer's people the network's, their region's and their own dealer's only.
 */
export async function loadCaptainNames(sql: pg.Pool, dealerId?: string): Promise<Partial<Record<Process, NamedCaptain[]>>> {
  const { rows } = await sql.query<{ process: Process; scope_kind: ScopeKind; scope_id: string; name: string }>(`
    SELECT c.process, c.scope_kind, c.scope_id, u.name FROM process_captain c JOIN user_account u ON u.id = c.user_id
    WHERE $1::text IS NULL OR c.scope_kind = 'NETWORK' OR (c.scope_kind = 'DEALER' AND c.scope_id = $1::text)
       OR (c.scope_kind = 'REGION' AND c.scope_id = (SELECT region FROM dealer WHERE id = $1::text))
    ORDER BY c.process, CASE c.scope_kind WHEN 'NETWORK' THEN 0 WHEN 'REGION' THEN 1 ELSE 2 END, c.scope_id`, [dealerId ?? null]);
  const byProcess: Partial<Record<Process, NamedCaptain[]>> = {};
  for (const r of rows) (byProcess[r.process] ??= []).push({ scope: { kind: r.scope_kind, id: r.scope_id }, name: r.name });
  return byProcess;
}

/** The scorecard as the API and the workspace show it: the people who captain, each KPI against its target. */
export async function scorecardWithTargets(sql: pg.Pool, request: Omit<ScorecardRequest, 'captains'>): Promise<ScorecardWithTargets> {
  const [captains, targets, regions] = await Promise.all([loadCaptainNames(sql, request.dealerId), loadTargets(sql), loadRegions(sql)]);
  return withTargets(await scorecard(sql, { ...request, captains }), targets, regions);
}

/** One scope's figures of one process from a scorecard grouped for it (the network's totals, a region's or a dealer's row). */
export function figuresOf(card: Scorecard, process: Process, scope: Scope): ProcessMetrics[Process] | null {
  const p = card.processes.find((c) => c.process === process)!;
  if (scope.kind === 'NETWORK') return p.network;
  return (p.rows as { group: string | null }[]).find((r) => r.group === scope.id) as ProcessMetrics[Process] | undefined ?? null;
}
export const groupingFor = (scope: Scope) => (scope.kind === 'REGION' ? 'region' as const : 'dealer' as const);

export interface KpiTrend {
  /** Each week's Monday (UTC), oldest first. */
  weeks: string[];
  kpis: { kpi: Kpi; process: Process; values: (number | null)[]; targets: (number | null)[] }[];
}

/**
 * The KPIs of one scope week by week (the `weeks` whole weeks before `at`), each week's figure
 * as the scorecard computes it for that week, with the target that week answers to.
 */
export async function kpiTrend(sql: pg.Pool, { scope, at, weeks = 12, processes, rollups }: { scope: Scope; at: Date; weeks?: number; processes?: readonly Process[]; rollups?: boolean }): Promise<KpiTrend> {
  const windows = weeksBefore(at, weeks);
  const [targets, regions] = await Promise.all([loadTargets(sql), loadRegions(sql)]);
  const chain = scope.kind === 'DEALER' ? scopeChainOf(scope.id, regions.get(scope.id) ?? null) : scope.kind === 'REGION' ? scopeChainOf(null, scope.id) : [NETWORK];
  // Every week in one pass (the scorecard grouped by week: each week's figures as the scorecard gives them for that week alone).
  const card = await scorecard(sql, {
    from: windows[0]!.from, to: windows.at(-1)!.to, groupBy: 'week', ...(rollups === undefined ? {} : { rollups }),
    ...(scope.kind === 'DEALER' ? { dealerId: scope.id } : scope.kind === 'REGION' ? { region: scope.id } : {}),
  });
  const weekly = (process: Process, week: string) => (card.processes.find((p) => p.process === process)!.rows as { group: string | null }[])
    .find((r) => r.group === week) as ProcessMetrics[Process] | undefined;
  const kpis = KPI_IDS.filter((k) => !processes || processes.includes(KPIS[k].process));
  return {
    weeks: windows.map((w) => w.from.toISOString().slice(0, 10)),
    kpis: kpis.map((kpi) => {
      const process = KPIS[kpi].process;
      return {
        kpi, process,
        values: windows.map((w) => { const f = weekly(process, w.from.toISOString().slice(0, 10)); return f ? kpiValue(kpi, f) : null; }),
        targets: windows.map((w) => targetFor(targets, kpi, chain, w.from, w.to)?.target ?? null),
      };
    }),
  };
}
