// The OEM's targets per KPI, scope and period (issue 35): what the scorecard, the statements and
// the digests compare each figure with (domain/kpis.ts decides which target a figure answers to).
import { randomUUID } from 'node:crypto';
import { KPIS, periodRange, TARGET_BOUNDS, type Kpi, type Scope } from '../domain/kpis.js';
import type { PrismaClient } from '../platform/db.js';
import { CaptainRefused, checkScope } from './captains.js';

export interface TargetView { targetId: string; kpi: Kpi; scope: Scope; period: string; target: number; better: 'higher' | 'lower'; updatedAt: string }
export interface TargetInput { kpi: Kpi; scope: Scope; period: string; target: number }

export function kpiTargets({ db }: { db: PrismaClient }) {
  const view = (r: { id: string; kpi: string; scopeKind: string; scopeId: string; period: string; target: number; updatedAt: Date }): TargetView => ({
    targetId: r.id, kpi: r.kpi as Kpi, scope: { kind: r.scopeKind as Scope['kind'], id: r.scopeId }, period: r.period, target: r.target,
    better: KPIS[r.kpi as Kpi].better, updatedAt: r.updatedAt.toISOString(),
  });
  return {
    async list(): Promise<TargetView[]> {
      const rows = await db.kpiTarget.findMany({ orderBy: [{ kpi: 'asc' }, { scopeKind: 'asc' }, { scopeId: 'asc' }, { period: 'asc' }] });
      return rows.map(view);
    },
    /** Sets the target of a KPI for a scope and period (the one there is replaced); the same again changes nothing. */
    async set(input: TargetInput, setBy: string): Promise<TargetView> {
      if (!periodRange(input.period)) throw new CaptainRefused('period', 'a year (2026), a quarter (2026-Q4) or a month (2026-12)');
      const [min, max] = TARGET_BOUNDS[KPIS[input.kpi].unit];
      if (input.target < min || input.target > max) throw new CaptainRefused('target', `${input.kpi} is ${KPIS[input.kpi].unit === 'share' ? 'a share' : `in ${KPIS[input.kpi].unit}`}: between ${min} and ${max}`);
      await checkScope(db, input.scope);
      const key = { kpi: input.kpi, scopeKind: input.scope.kind, scopeId: input.scope.id, period: input.period };
      const existing = await db.kpiTarget.findUnique({ where: { kpi_scopeKind_scopeId_period: key } });
      if (existing && existing.target === input.target) return view(existing);
      return view(await db.kpiTarget.upsert({
        where: { kpi_scopeKind_scopeId_period: key },
        create: { id: randomUUID(), ...key, target: input.target, setBy },
        update: { target: input.target, setBy },
      }));
    },
    async remove(targetId: string): Promise<boolean> {
      return (await db.kpiTarget.deleteMany({ where: { id: targetId } })).count > 0;
    },
  };
}
export type KpiTargets = ReturnType<typeof kpiTargets>;
