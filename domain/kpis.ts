// The KPIs process captains steer by, what a target for one means, and how a figure compares
// (issue 35). Pure: the figures come from the scorecard (reports/kpis.ts reads them), the
// targets from the OEM (kpi_target).
import type { Process } from './processes.js';

export type KpiDirection = 'higher' | 'lower';
export type KpiUnit = 'share' | 'perYear' | 'score' | 'days';

export interface KpiDefinition {
  process: Process;
  label: string;
  /** Which way is better: a target is a floor (higher) or a ceiling (lower). */
  better: KpiDirection;
  unit: KpiUnit;
  /** How far on the wrong side of its target a figure is still "close", in the KPI's unit. */
  closeBy: number;
}

export const KPIS = {
  qualificationRate: { process: 'acquisition', label: 'Qualified per lead decided (qualified or disqualified)', better: 'higher', unit: 'share', closeBy: 0.05 },
  escalationRate: { process: 'acquisition', label: 'Escalated (no dealer took it) per qualified', better: 'lower', unit: 'share', closeBy: 0.02 },
  acceptedWithin15Minutes: { process: 'engagement', label: 'Offers accepted within 15 minutes', better: 'higher', unit: 'share', closeBy: 0.05 },
  slaBreachRate: { process: 'engagement', label: 'Offers that lapsed unanswered (SLA breaches)', better: 'lower', unit: 'share', closeBy: 0.02 },
  acceptRate: { process: 'engagement', label: 'Offers accepted', better: 'higher', unit: 'share', closeBy: 0.05 },
  salesConversion: { process: 'engagement', label: 'Sold per accepted hand-off', better: 'higher', unit: 'share', closeBy: 0.03 },
  serviceVisitsPerOwnerYear: { process: 'maintenance', label: 'Service visits per owned customer-year', better: 'higher', unit: 'perYear', closeBy: 0.1 },
  recallCompletion: { process: 'maintenance', label: 'Recall repairs per recall task', better: 'higher', unit: 'share', closeBy: 0.05 },
  repurchaseRate: { process: 'newValue', label: 'Back in market and bought again from the same dealer', better: 'higher', unit: 'share', closeBy: 0.05 },
  nps: { process: 'feedback', label: 'Net promoter score', better: 'higher', unit: 'score', closeBy: 5 },
  complaintResolutionDays: { process: 'feedback', label: 'Days to resolve a complaint (median)', better: 'lower', unit: 'days', closeBy: 1 },
} as const satisfies Record<string, KpiDefinition>;
export type Kpi = keyof typeof KPIS;
export const KPI_IDS = Object.keys(KPIS) as Kpi[];

export const kpisOf = (process: Process): Kpi[] => KPI_IDS.filter((k) => KPIS[k].process === process);

/** The bounds a target may have, by unit (a share is 0…1, an NPS −100…100). */
export const TARGET_BOUNDS: Record<KpiUnit, [number, number]> = { share: [0, 1], perYear: [0, 50], score: [-100, 100], days: [0, 365] };

export type ScopeKind = 'NETWORK' | 'REGION' | 'DEALER';
/** Who a captain or target is for: the network, one region, one dealer. `id` is '' for the network. */
export interface Scope { kind: ScopeKind; id: string }
export const NETWORK: Scope = { kind: 'NETWORK', id: '' };
export const scopeLabel = (s: Scope) => (s.kind === 'NETWORK' ? 'network' : `${s.kind.toLowerCase()} ${s.id}`);

/** The scopes a dealer's figures answer to, the most specific first. */
export const scopeChainOf = (dealerId: string | null, region: string | null): Scope[] => [
  ...(dealerId ? [{ kind: 'DEALER' as const, id: dealerId }] : []),
  ...(region ? [{ kind: 'REGION' as const, id: region }] : []),
  NETWORK,
];

/** A target's period: a year ('2026'), a quarter ('2026-Q4') or a month ('2026-12'), in UTC days; from 2000 on. */
export const PERIOD = /^(2\d{3})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/;
export interface PeriodRange { from: Date; to: Date; /** Narrower periods win: month 1, quarter 2, year 3. */ breadth: 1 | 2 | 3 }

export function periodRange(period: string): PeriodRange | null {
  const m = PERIOD.exec(period);
  if (!m) return null;
  const year = Number(m[1]);
  if (m[2]) { const q = Number(m[2]) - 1; return { from: new Date(Date.UTC(year, q * 3)), to: new Date(Date.UTC(year, q * 3 + 3)), breadth: 2 }; }
  if (m[3]) { const month = Number(m[3]) - 1; return { from: new Date(Date.UTC(year, month)), to: new Date(Date.UTC(year, month + 1)), breadth: 1 }; }
  return { from: new Date(Date.UTC(year, 0)), to: new Date(Date.UTC(year + 1, 0)), breadth: 3 };
}

export interface KpiTarget { kpi: Kpi; scope: Scope; period: string; target: number }

/**
 * The target a figure for `scopes` (most specific first) over [from, to) answers to: the most
 * specific scope that has one whose period holds more than half of the window, the narrowest
 * such period. So a week across two months answers to the month with four of its days (as ISO
 * weeks belong to the year of their Thursday), a year's window to the year's target; a window
 * over two years to none.
 */
export function targetFor(targets: readonly KpiTarget[], kpi: Kpi, scopes: readonly Scope[], from: Date, to: Date): KpiTarget | null {
  let best: { t: KpiTarget; rank: number; breadth: number } | null = null;
  for (const t of targets) {
    if (t.kpi !== kpi) continue;
    const rank = scopes.findIndex((s) => s.kind === t.scope.kind && s.id === t.scope.id);
    if (rank < 0) continue;
    const range = periodRange(t.period);
    if (!range) continue;
    const overlap = Math.min(to.getTime(), range.to.getTime()) - Math.max(from.getTime(), range.from.getTime());
    if (overlap * 2 <= to.getTime() - from.getTime()) continue;
    if (!best || rank < best.rank || (rank === best.rank && range.breadth < best.breadth)) best = { t, rank, breadth: range.breadth };
  }
  return best?.t ?? null;
}

export type KpiStatus = 'MET' | 'CLOSE' | 'MISSED' | 'NO_DATA';

/** A figure against its target: met, close (within the KPI's `closeBy` on the wrong side), missed; no figure, no data. */
export function statusOf(kpi: Kpi, value: number | null, target: number): KpiStatus {
  if (value === null) return 'NO_DATA';
  const { better, closeBy } = KPIS[kpi];
  const gap = better === 'higher' ? target - value : value - target;
  // Shares and scores are rounded before they are shown: compare as shown.
  const g = Math.round(gap * 1e9) / 1e9;
  return g <= 0 ? 'MET' : g <= closeBy ? 'CLOSE' : 'MISSED';
}

const WEEK = 7 * 86_400_000;
/** The Monday (UTC) of the week `at` is in. */
export function mondayOf(at: Date): Date {
  // By milliseconds, not Date.UTC (which reads years below 100 as 19xx).
  const day = new Date(Math.floor(at.getTime() / 86_400_000) * 86_400_000);
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
}
/** The `count` whole weeks (Monday to Monday, UTC) before the week `at` is in, oldest first. */
export function weeksBefore(at: Date, count: number): { from: Date; to: Date }[] {
  const end = mondayOf(at).getTime();
  return Array.from({ length: count }, (_, i) => ({ from: new Date(end - (count - i) * WEEK), to: new Date(end - (count - i - 1) * WEEK) }));
}

/** The digest's week: the Monday (a date in the captain's zone) it is sent on; it covers the seven UTC days before. */
export function digestWeekOf(at: Date, timeZone: string): { week: string; from: Date; to: Date } {
  const local = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  const monday = mondayOf(new Date(`${local}T00:00:00Z`));
  return { week: monday.toISOString().slice(0, 10), from: new Date(monday.getTime() - WEEK), to: monday };
}

/** Whether a time zone name is one the runtime knows (IANA, e.g. Europe/Berlin). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/.test(zone);
  } catch {
    return false;
  }
}

/**
 * Who may captain a scope: the network and regions are the OEM's (its lead desk or ops people);
 * a dealer's process is captained by one of that dealer's people, or by the OEM's. A reason when not.
 */
export function captainProblem(scope: Scope, person: { role: string; dealerId: string | null; active: boolean }): string | null {
  if (!person.active) return 'this person is deactivated';
  const oem = person.role === 'OEM_LEAD_DESK' || person.role === 'OPS';
  if (scope.kind === 'DEALER') return oem || person.dealerId === scope.id ? null : `a dealer's process is captained by one of its own people (or the OEM's), not by someone of ${person.dealerId}`;
  return oem ? null : `the ${scope.kind === 'NETWORK' ? 'network' : 'region'} is captained by the OEM's people (lead desk or ops), not a dealer's`;
}
