// The scorecard as the workspace shows it: each process's figures as table columns (quantiles
// as median and p90), and the few charts where a picture reads better than a table.
import type { Process } from '../../domain/processes.js';
import { figureWords as words, isQuantiles, type Quantiles, type Scorecard } from '../../reports/scorecard.js';
import { formatKpi } from '../../captains/digest-text.js';
import { KPIS, scopeLabel, type Scope } from '../../domain/kpis.js';
import type { KpiResult, KpiTrend } from '../../reports/kpis.js';

export interface MetricColumn {
  label: string;
  value: (row: Record<string, unknown>) => string;
}

const PROCESS_TITLES: Record<Process, string> = {
  identification: 'Identification', acquisition: 'Acquisition', engagement: 'Engagement (hand-off and sale)',
  maintenance: 'Maintenance', newValue: 'New value', feedback: 'Feedback',
};

const show = (v: number | null) => (v === null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(2));

/** The columns of one process's table, in the scorecard's own order. */
export function metricColumns(network: Record<string, unknown>): MetricColumn[] {
  return Object.entries(network).flatMap(([key, sample]): MetricColumn[] => {
    if (key === 'kpis') return []; // their own table, against their targets
    if (isQuantiles(sample)) {
      return [
        { label: `${words(key)} (median)`, value: (row) => show((row[key] as Quantiles).median) },
        { label: `${words(key)} (p90)`, value: (row) => show((row[key] as Quantiles).p90) },
      ];
    }
    if (key === 'acceptRate' || key === 'recallCompletion') return [{ label: words(key), value: (row) => (row[key] === null ? '–' : `${Math.round((row[key] as number) * 100)} %`) }];
    return [{ label: words(key), value: (row) => show(row[key] as number | null) }];
  });
}

export const processTitle = (process: Process) => PROCESS_TITLES[process];

/** A chart for charts.js to draw (Chart.js), with its data also shown as a table on the page. */
export interface ChartSpec {
  type: 'bar' | 'line';
  label: string;
  labels: string[];
  /** `dashed`: a target line. */
  datasets: { label: string; data: (number | null)[]; dashed?: boolean }[];
  stacked?: boolean;
  /** Values are shares 0…1, shown as percent. */
  percent?: boolean;
}

const MAX_BARS = 20;

/** Where a picture reads better: offers answered per group, how fast, and what sold. */
export function chartsOf(card: Scorecard): ChartSpec[] {
  const engagement = card.processes.find((p) => p.process === 'engagement');
  if (!engagement || engagement.process !== 'engagement') return [];
  const rows = [...engagement.rows].sort((a, b) => b.offered - a.offered).slice(0, MAX_BARS);
  const labels = rows.map((r) => r.group ?? '(none)');
  return [
    {
      type: 'bar', label: `Offers by ${card.groupBy}: accepted, declined, lapsed`, labels, stacked: true,
      datasets: [
        { label: 'accepted', data: rows.map((r) => r.accepted) },
        { label: 'declined', data: rows.map((r) => r.declined) },
        { label: 'lapsed (SLA)', data: rows.map((r) => r.slaBreaches) },
      ],
    },
    {
      type: 'bar', label: `Minutes from offer to acceptance by ${card.groupBy}`, labels,
      datasets: [
        { label: 'median', data: rows.map((r) => r.timeToAcceptMinutes.median) },
        { label: 'p90', data: rows.map((r) => r.timeToAcceptMinutes.p90) },
      ],
    },
    { type: 'bar', label: `Sold by ${card.groupBy}`, labels, datasets: [{ label: 'sold', data: rows.map((r) => r.sold) }] },
  ];
}

export const TREND_WEEKS = 12;

/** One KPI's cell on the scorecard: the figure, its target and the verdict. */
export function kpiCell(k: KpiResult): { text: string; status: string } {
  const figure = formatKpi(k.kpi, k.value);
  if (k.target === null) return { text: figure, status: 'none' };
  const verdict = k.status === 'NO_DATA' ? 'no data' : k.status!.toLowerCase();
  return { text: `${figure} (${KPIS[k.kpi].better === 'higher' ? '≥' : '≤'} ${formatKpi(k.kpi, k.target)}: ${verdict})`, status: k.status!.toLowerCase() };
}

/** A line chart per KPI: its weekly figure and, dashed, the target each week answered to. */
export function trendChartsOf(trend: KpiTrend, scope: Scope): (ChartSpec & { process: string })[] {
  return trend.kpis.map((k) => ({
    type: 'line', process: k.process, label: `${KPIS[k.kpi].label}, week by week (${scopeLabel(scope)})`, labels: trend.weeks,
    percent: KPIS[k.kpi].unit === 'share',
    datasets: [{ label: 'figure', data: k.values }, ...(k.targets.some((t) => t !== null) ? [{ label: 'target', data: k.targets, dashed: true }] : [])],
  }));
}
