// A dealer's monthly statement (issue 35): the figures that feed the OEM's incentives, each
// KPI against its target — the scorecard's own queries for that dealer and month, so the
// statement and the scorecard can never disagree.
import type pg from 'pg';
import { KPIS } from '../domain/kpis.js';
import type { PrismaClient } from '../platform/db.js';
import { writeCsv } from '../platform/csv.js';
import { scorecardWithTargets } from './kpis.js';
import { figureWords as words, isQuantiles } from './scorecard.js';

export interface StatementLine {
  process: string;
  /** The scorecard's figure (`kpi.<id>` for a KPI, `<figure>.median` / `.p90` for quantiles). */
  figure: string;
  label: string;
  value: number | null;
  target: number | null;
  status: string | null;
}
export interface DealerStatement { dealerId: string; dealerName: string; month: string; from: string; to: string; lines: StatementLine[] }


/** A statement's month: YYYY-MM from 2000 on (no records are older; JavaScript reads years below 100 as 19xx). */
export const STATEMENT_MONTH = /^2\d{3}-(0[1-9]|1[0-2])$/;

/** The statement of `dealerId` for `month` (YYYY-MM), or null when there is no such dealer. */
export async function dealerStatement(db: PrismaClient, sql: pg.Pool, dealerId: string, month: string): Promise<DealerStatement | null> {
  const dealer = await db.dealer.findUnique({ where: { id: dealerId }, select: { id: true, name: true } });
  if (!dealer) return null;
  const from = new Date(`${month}-01T00:00:00Z`);
  const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1));
  const card = await scorecardWithTargets(sql, { from, to, groupBy: 'dealer', dealerId });
  const lines: StatementLine[] = [];
  for (const p of card.processes) {
    const row = p.rows.find((r) => r.group === dealerId)!;
    for (const k of row.kpis) lines.push({ process: p.process, figure: `kpi.${k.kpi}`, label: KPIS[k.kpi].label, value: k.value, target: k.target, status: k.status });
    for (const [key, v] of Object.entries(row)) {
      if (key === 'group' || key === 'kpis') continue;
      if (isQuantiles(v)) {
        lines.push({ process: p.process, figure: `${key}.median`, label: `${words(key)} (median)`, value: v.median, target: null, status: null });
        lines.push({ process: p.process, figure: `${key}.p90`, label: `${words(key)} (p90)`, value: v.p90, target: null, status: null });
      } else lines.push({ process: p.process, figure: key, label: words(key), value: v as number | null, target: null, status: null });
    }
  }
  return { dealerId, dealerName: dealer.name, month, from: from.toISOString(), to: to.toISOString(), lines };
}

export const statementCsv = (s: DealerStatement) => writeCsv([
  ['dealer', 'month', 'process', 'figure', 'value', 'target', 'status'],
  ...s.lines.map((l) => [s.dealerId, s.month, l.process, l.figure, l.value ?? '', l.target ?? '', l.status ?? '']),
]);
