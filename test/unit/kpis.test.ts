// The KPIs' rules (domain/kpis.ts): which target a figure answers to, met/close/missed, periods,
// weeks, the digest's week in the captain's zone, who may captain what; and the digest's text.
import { describe, expect, it } from 'vitest';
import { digestText, formatKpi } from '../../captains/digest-text.js';
import {
  captainProblem, digestWeekOf, isTimeZone, KPI_IDS, KPIS, kpisOf, mondayOf, NETWORK, periodRange, scopeChainOf, statusOf, targetFor, weeksBefore, type KpiTarget,
} from '../../domain/kpis.js';

const d = (s: string) => new Date(`${s}T00:00:00Z`);

describe('KPIs', () => {
  it('every process but identification has KPIs, each with a unit and a direction', () => {
    expect(kpisOf('identification')).toEqual([]);
    expect(kpisOf('engagement')).toEqual(['acceptedWithin15Minutes', 'slaBreachRate', 'acceptRate', 'salesConversion']);
    for (const k of KPI_IDS) expect(['higher', 'lower']).toContain(KPIS[k].better);
  });

  it('periods: a year, a quarter, a month (UTC); anything else is none', () => {
    expect(periodRange('2026')).toEqual({ from: d('2026-01-01'), to: d('2027-01-01'), breadth: 3 });
    expect(periodRange('2026-Q4')).toEqual({ from: d('2026-10-01'), to: d('2027-01-01'), breadth: 2 });
    expect(periodRange('2026-02')).toEqual({ from: d('2026-02-01'), to: d('2026-03-01'), breadth: 1 });
    for (const bad of ['2026-13', '2026-Q5', '26', '2026-1', '2026-Q4-01', '', '0000', '1999-12']) expect(periodRange(bad), bad).toBeNull();
  });

  it('met, close, missed — for floors and ceilings, and no data without a figure', () => {
    expect(statusOf('acceptRate', 0.7, 0.7)).toBe('MET');
    expect(statusOf('acceptRate', 0.66, 0.7)).toBe('CLOSE'); // within 5 points below
    expect(statusOf('acceptRate', 0.65, 0.7)).toBe('CLOSE'); // exactly 5 points: still close (no float noise)
    expect(statusOf('acceptRate', 0.64, 0.7)).toBe('MISSED');
    expect(statusOf('slaBreachRate', 0.1, 0.1)).toBe('MET');
    expect(statusOf('slaBreachRate', 0.12, 0.1)).toBe('CLOSE');
    expect(statusOf('slaBreachRate', 0.121, 0.1)).toBe('MISSED');
    expect(statusOf('complaintResolutionDays', 2.5, 3)).toBe('MET');
    expect(statusOf('complaintResolutionDays', 4, 3)).toBe('CLOSE');
    expect(statusOf('nps', -10, 0)).toBe('MISSED');
    expect(statusOf('nps', -5, 0)).toBe('CLOSE');
    expect(statusOf('nps', null, 0)).toBe('NO_DATA');
  });

  it('a figure answers to its most specific scope with a target, the narrowest period holding most of the window', () => {
    const t = (scope: KpiTarget['scope'], period: string, target: number): KpiTarget => ({ kpi: 'acceptRate', scope, period, target });
    const targets: KpiTarget[] = [
      t(NETWORK, '2026', 0.6), t(NETWORK, '2026-Q4', 0.65), t(NETWORK, '2026-11', 0.7),
      t({ kind: 'REGION', id: 'NORTH' }, '2026', 0.8), t({ kind: 'DEALER', id: 'D1' }, '2026-Q4', 0.9),
      { kpi: 'slaBreachRate', scope: NETWORK, period: '2026', target: 0.1 },
    ];
    const chain = (dealer: string | null, region: string | null) => scopeChainOf(dealer, region);
    const nov = [d('2026-11-01'), d('2026-12-01')] as const;
    expect(targetFor(targets, 'acceptRate', chain(null, null), ...nov)?.target).toBe(0.7);
    expect(targetFor(targets, 'acceptRate', chain(null, 'NORTH'), ...nov)?.target).toBe(0.8);
    expect(targetFor(targets, 'acceptRate', chain('D1', 'NORTH'), ...nov)?.target).toBe(0.9);
    expect(targetFor(targets, 'acceptRate', chain('D2', 'SOUTH'), ...nov)?.target).toBe(0.7);
    // The year's window: only the year's target holds most of it.
    expect(targetFor(targets, 'acceptRate', chain(null, null), d('2026-01-01'), d('2027-01-01'))?.target).toBe(0.6);
    // A week across two months answers to the month with four of its days: Nov 26 … Dec 3 → November.
    expect(targetFor(targets, 'acceptRate', chain(null, null), d('2026-11-26'), d('2026-12-03'))?.target).toBe(0.7);
    expect(targetFor(targets, 'acceptRate', chain(null, null), d('2026-11-28'), d('2026-12-05'))?.target).toBe(0.65);
    // Two years: none. Another KPI's target never counts.
    expect(targetFor(targets, 'acceptRate', chain(null, null), d('2026-01-01'), d('2028-01-01'))).toBeNull();
    expect(targetFor(targets, 'salesConversion', chain(null, null), ...nov)).toBeNull();
  });

  it('weeks run Monday to Monday (UTC); the digest covers the week before the Monday in the captain\'s zone', () => {
    expect(mondayOf(d('2026-12-05'))).toEqual(d('2026-11-30'));
    expect(mondayOf(d('2026-11-30'))).toEqual(d('2026-11-30'));
    expect(mondayOf(new Date('2026-12-06T23:59:59Z'))).toEqual(d('2026-11-30'));
    expect(mondayOf(new Date('0001-01-03T12:00:00Z')).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(weeksBefore(d('2026-12-05'), 2)).toEqual([{ from: d('2026-11-16'), to: d('2026-11-23') }, { from: d('2026-11-23'), to: d('2026-11-30') }]);
    expect(digestWeekOf(new Date('2026-11-30T07:00:00+01:00'), 'Europe/Berlin')).toEqual({ week: '2026-11-30', from: d('2026-11-23'), to: d('2026-11-30') });
    // Monday 07:00 in Tokyo is still Sunday in UTC: the week is Tokyo's.
    expect(digestWeekOf(new Date('2026-11-30T07:00:00+09:00'), 'Asia/Tokyo').week).toBe('2026-11-30');
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });

  it('who may captain: the network and regions are the OEM\'s; a dealer\'s process its own people or the OEM\'s', () => {
    const desk = { role: 'OEM_LEAD_DESK', dealerId: null, active: true };
    const seller = { role: 'SALESPERSON', dealerId: 'D1', active: true };
    expect(captainProblem(NETWORK, desk)).toBeNull();
    expect(captainProblem({ kind: 'REGION', id: 'N' }, seller)).toMatch(/OEM's people/);
    expect(captainProblem({ kind: 'DEALER', id: 'D1' }, seller)).toBeNull();
    expect(captainProblem({ kind: 'DEALER', id: 'D2' }, seller)).toMatch(/its own people/);
    expect(captainProblem({ kind: 'DEALER', id: 'D2' }, desk)).toBeNull();
    expect(captainProblem(NETWORK, { ...desk, active: false })).toMatch(/deactivated/);
  });
});

describe('the digest', () => {
  it('formats figures as people read them', () => {
    expect(formatKpi('acceptRate', 0.438)).toBe('43.8 %');
    expect(formatKpi('nps', 33.4)).toBe('33');
    expect(formatKpi('complaintResolutionDays', 2)).toBe('2.0 days');
    expect(formatKpi('serviceVisitsPerOwnerYear', 1.234)).toBe('1.23');
    expect(formatKpi('acceptRate', null)).toBe('–');
  });

  it('says what missed, where, and what waits on people; a dealer captain gets no list of others', () => {
    const base = {
      captainName: 'Rita', process: 'engagement' as const, processTitle: 'Engagement', from: d('2026-11-23'), to: d('2026-11-30'),
      kpis: [{ kpi: 'acceptRate' as const, value: 0.6, target: 0.7, status: 'MISSED' as const }, { kpi: 'slaBreachRate' as const, value: 0.05, target: null, status: null }],
      figures: [['offered', 10] as [string, number]],
      missed: [{ scope: { kind: 'DEALER' as const, id: 'D1' }, kpis: [{ kpi: 'acceptRate' as const, value: 0.5, target: 0.7, status: 'MISSED' as const }] }],
      missedMore: 3, openEscalations: { count: 2, oldestSince: d('2026-11-20') }, openRestitutionCases: 0, scorecardUrl: 'https://x/workspace/scorecard',
    };
    const network = digestText({ ...base, scope: NETWORK });
    expect(network.subject).toBe('Engagement, network: week of 2026-11-23 — 1 target missed');
    expect(network.text).toContain('Offers accepted: 60 % (target ≥ 70 %: MISSED)');
    expect(network.text).toContain('Offers that lapsed unanswered (SLA breaches): 5 % (no target)');
    expect(network.text).toContain('- dealer D1: Offers accepted 50 % (target 70 %)');
    expect(network.text).toContain('- and 3 more');
    expect(network.text).toContain('2026-11-23 to 2026-11-29');
    expect(network.text).toContain('Open escalations (no dealer took the customer): 2, the oldest since 2026-11-20');
    const dealer = digestText({ ...base, scope: { kind: 'DEALER', id: 'D1' }, missed: [], missedMore: 0 });
    expect(dealer.subject).toBe('Engagement, dealer D1: week of 2026-11-23 — 1 target missed');
    expect(dealer.text).not.toContain('Missed a target');
    expect(dealer.text).not.toContain('No dealer missed');
  });
});
