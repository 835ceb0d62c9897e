// A captain's weekly digest as plain text (pure): their process's KPIs against target, the
// scopes below them that missed one, and what waits on people (open escalations, restitution).
import { KPIS, scopeLabel, type Kpi, type KpiStatus, type Scope } from '../domain/kpis.js';
import type { Process } from '../domain/processes.js';

export interface DigestKpi { kpi: Kpi; value: number | null; target: number | null; status: KpiStatus | null }
export interface DigestInput {
  captainName: string;
  process: Process;
  processTitle: string;
  scope: Scope;
  /** The seven UTC days the figures cover: [from, to). */
  from: Date;
  to: Date;
  kpis: DigestKpi[];
  /** Without targets for this process the digest shows its figures as they are. */
  figures: [string, number | string | null][];
  missed: { scope: Scope; kpis: DigestKpi[] }[];
  /** Beyond the listed scopes, how many more missed (the list stops at 20). */
  missedMore: number;
  openEscalations: { count: number; oldestSince: Date | null };
  openRestitutionCases: number;
  scorecardUrl: string;
}

/** A KPI's figure as people read it: shares in percent, NPS whole, days and rates with decimals. */
export function formatKpi(kpi: Kpi, value: number | null): string {
  if (value === null) return '–';
  switch (KPIS[kpi].unit) {
    case 'share': return `${Math.round(value * 1000) / 10} %`;
    case 'score': return String(Math.round(value));
    case 'days': return `${value.toFixed(1)} days`;
    case 'perYear': return value.toFixed(2);
  }
}

const STATUS_WORDS: Record<KpiStatus, string> = { MET: 'met', CLOSE: 'close', MISSED: 'MISSED', NO_DATA: 'no data' };
const kpiLine = (k: DigestKpi) => {
  const target = k.target === null ? 'no target' : `target ${KPIS[k.kpi].better === 'higher' ? '≥' : '≤'} ${formatKpi(k.kpi, k.target)}: ${STATUS_WORDS[k.status!]}`;
  return `${KPIS[k.kpi].label}: ${formatKpi(k.kpi, k.value)} (${target})`;
};
const day = (d: Date) => d.toISOString().slice(0, 10);

export function digestText(d: DigestInput): { subject: string; text: string } {
  const lastDay = new Date(d.to.getTime() - 86_400_000);
  const missedCount = d.kpis.filter((k) => k.status === 'MISSED').length;
  const subject = `${d.processTitle}, ${scopeLabel(d.scope)}: week of ${day(d.from)}${missedCount ? ` — ${missedCount} target${missedCount > 1 ? 's' : ''} missed` : ''}`;
  const lines = [
    `Hello ${d.captainName},`,
    '',
    `your weekly digest as captain of ${d.processTitle.toLowerCase()} for the ${scopeLabel(d.scope)}, ${day(d.from)} to ${day(lastDay)} (UTC days).`,
    '',
  ];
  if (d.kpis.length > 0) lines.push('Your KPIs', ...d.kpis.map((k) => `- ${kpiLine(k)}`), '');
  lines.push('The figures', ...d.figures.map(([name, value]) => `- ${name}: ${value ?? '–'}`), '');
  if (d.scope.kind !== 'DEALER') {
    if (d.missed.length === 0) lines.push('No dealer missed a target of yours this week.', '');
    else {
      lines.push('Missed a target');
      for (const m of d.missed) lines.push(`- ${scopeLabel(m.scope)}: ${m.kpis.map((k) => `${KPIS[k.kpi].label} ${formatKpi(k.kpi, k.value)} (target ${formatKpi(k.kpi, k.target)})`).join('; ')}`);
      if (d.missedMore > 0) lines.push(`- and ${d.missedMore} more (the scorecard lists them all)`);
      lines.push('');
    }
  }
  lines.push(
    'Waiting on people',
    `- Open escalations (no dealer took the customer): ${d.openEscalations.count}${d.openEscalations.oldestSince ? `, the oldest since ${day(d.openEscalations.oldestSince)}` : ''}`,
    `- Open restitution cases (detractors' surveys): ${d.openRestitutionCases}`,
    '',
    `The scorecard: ${d.scorecardUrl}`,
    '',
    'You get this digest every Monday as a process captain. Your lead desk can pause it in the workspace (Captains).',
  );
  return { subject, text: lines.join('\n') };
}
