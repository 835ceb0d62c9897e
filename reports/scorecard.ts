// The process captains' scorecard, computed in SQL from the records the journeys write
// (leads, stage changes, hand-off events, the ownership ledger, sales, after-sales events,
// messages) — never by scanning Temporal. The seed article's processes, each with the role
// that captains it: identification, acquisition, engagement (hand-off and sales),
// maintenance (service), new value (repurchase), feedback (surveys, complaints).
//
// The queries are in scorecard-queries.ts. By dealer, region or source a window's whole days
// are read from the daily roll-ups where they exist (scorecard-rollups.ts), the rest from the
// records; the figures are the same either way.
import type pg from 'pg';
import { DEFAULT_CAPTAINS, PROCESSES, type Process } from '../domain/processes.js';
import { inTransaction } from '../platform/db.js';
import type { Scope } from '../domain/kpis.js';
import { netPromoterScore } from '../domain/surveys.js';
import { QUERIES, ROLLED, ROLLED_OWN_READER, type Aggregated, type GroupingOrWeek, type QueryName } from './scorecard-queries.js';
import { isRolledGrouping, midnight, rolledCounts, rolledCustomers, rolledDays, rolledOwned, rolledQuantiles } from './scorecard-rollups.js';

export { GROUPINGS, type Grouping, type GroupingOrWeek } from './scorecard-queries.js';

export interface Quantiles { median: number | null; p90: number | null }

export interface ProcessMetrics {
  identification: { leads: number; uniqueCustomers: number; duplicatesMerged: number };
  acquisition: { qualified: number; disqualified: number; escalated: number };
  engagement: {
    offered: number; accepted: number; declined: number; slaBreaches: number;
    /** Accepted per offered, 0…1; null without offers. */
    acceptRate: number | null;
    /** Minutes from the offer to its acceptance. */
    timeToAcceptMinutes: Quantiles;
    /** Offers accepted within 15 minutes of being made (of the acceptances in the window). */
    acceptedWithin15Minutes: number;
    sold: number;
    /** Days from accepting the hand-off to the sale. */
    timeToSaleDays: Quantiles;
    /** Sales ownership that ended without a sale: lost, no-show, sales window expired. */
    fellBack: number;
    /** Customers moved away from the dealer by ops. */
    reassignedAway: number;
  };
  maintenance: {
    ownedCustomerYears: number; serviceVisits: number; serviceVisitsPerOwnedCustomerYear: number | null;
    /** Safety recalls started in the window: the dealer's repair tasks, those repaired by the window's end, and the share. */
    recallTasks: number; recallRepairs: number; recallCompletion: number | null;
  };
  /** `referralLeads`: friends' leads through a promoter's referral link, with the dealer that looked after the promoter. */
  newValue: { backInMarket: number; soldAgainSameDealer: number; referralLeads: number };
  feedback: {
    surveysSent: number; complaintsOpened: number; complaintsResolved: number; timeToResolutionDays: Quantiles;
    /** Surveys answered in the window (0–10): promoters 9–10, detractors 0–6, and the NPS (promoters' share minus detractors', −100…100). */
    surveysAnswered: number; promoters: number; detractors: number; nps: number | null;
  };
}

export const isQuantiles = (v: unknown): v is Quantiles => typeof v === 'object' && v !== null && 'median' in v && 'p90' in v;
/** A figure's name as people read it: `timeToAcceptMinutes` → "time to accept minutes". */
export const figureWords = (key: string) => key.replace(/([A-Z])/g, ' $1').toLowerCase();

export type ScorecardRow<P extends Process> = ProcessMetrics[P] & { group: string | null };

/** A person who captains a process for a scope (process_captain). */
export interface NamedCaptain { scope: Scope; name: string }

export interface ProcessCard<P extends Process = Process> {
  process: P;
  /** The network's named captain, or the role that captains the process by default when none is named. */
  captain: string;
  /** The people named for the network, and for the regions and dealers of the caller's rows. */
  captains: NamedCaptain[];
  /** One per group the caller may see; `group` is null for records without one (a lead has no dealer yet). */
  rows: ScorecardRow<P>[];
  network: ProcessMetrics[P];
}

export interface Scorecard {
  from: string;
  to: string;
  groupBy: GroupingOrWeek;
  processes: { [P in Process]: ProcessCard<P> }[Process][];
}

export interface ScorecardRequest {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  groupBy?: GroupingOrWeek;
  /** A dealer's key: only that dealer's records make rows; the network's totals stay whole. */
  dealerId?: string;
  /** By week only: the rows are this region's dealers' records. */
  region?: string;
  /** The people who captain each process (captains/captains.ts loads them). */
  captains?: Partial<Record<Process, NamedCaptain[]>>;
  /** false: every figure from the records, none from the daily roll-ups (what the roll-ups are tested against). */
  rollups?: boolean;
}


/** Which queries make each process's rows. */
const SOURCES: Record<Process, QueryName[]> = {
  identification: ['leads', 'customers'],
  acquisition: ['stages'],
  engagement: ['handoffs', 'accepts', 'sales', 'ledger'],
  maintenance: ['owned', 'aftersales', 'recalls'],
  newValue: ['ledger', 'soldAgain', 'referrals'],
  feedback: ['surveys', 'aftersales', 'answers'],
};

const TOTAL = Symbol('network');
const NONE = Symbol('no group');
type Key = string | typeof NONE;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const round = (v: number | null, digits = 1) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

export async function scorecard(sql: pg.Pool, { from, to, groupBy = 'dealer', dealerId, region, captains = {}, rollups = true }: ScorecardRequest): Promise<Scorecard> {
  const params = [from.toISOString(), to.toISOString(), dealerId ?? null, ...(groupBy === 'week' ? [region ?? null] : [])];
  const names = Object.keys(QUERIES) as QueryName[];
  /** The grouping when the roll-ups may answer it. */
  const rolledBy = rollups && isRolledGrouping(groupBy) ? groupBy : null;
  const rolled = rolledBy ? await rolledDays(sql, from, to) : null;
  const rolledNames = rolled ? names.filter((name) => ROLLED[name] || name in ROLLED_OWN_READER) : [];
  const scanned = names.filter((name) => !rolledNames.includes(name));
  /** The roll-ups' days, then the records from the last of them to the window's end. */
  const rolledParams = rolled
    ? [midnight(rolled.to).toISOString(), params[1], params[2], rolled.from, rolled.to, ...(groupBy === 'week' ? [region ?? null] : [])] : [];
  // Records to read after the rolled days: none when the window ends where they do.
  const records = rolled !== null && rolledParams[0] !== params[1];
  const [scans, counts, ownResults] = await Promise.all([
    Promise.all(scanned.map((name) => reportQuery(sql, QUERIES[name](groupBy), params))),
    rolled && rolledBy ? reportQuery(sql, rolledCounts(rolledBy, records), rolledParams) : null,
    Promise.all(rolledNames.map(async (name) => {
      if (!rolledBy) return null;
      if (name === 'customers') return (await reportQuery(sql, rolledCustomers(rolledBy, records), rolledParams)).rows;
      if (name === 'owned') return (await reportQuery(sql, rolledOwned(rolledBy, records), rolledParams)).rows;
      if (!ROLLED[name]!.values) return null;
      const parts = await Promise.all((['groups', 'network'] as const).map((part) => reportQuery(sql, rolledQuantiles(name, rolledBy, records, part), rolledParams)));
      return parts.flatMap((p) => p.rows);
    })),
  ]);
  /** Rows by group (the caller's only), and the network's total. */
  const keyed = (rows: Aggregated[]) => {
    const byKey = new Map<Key | typeof TOTAL, Aggregated>();
    for (const r of rows) {
      if (r.total) byKey.set(TOTAL, r);
      else if (r.mine) byKey.set(r.grp ?? NONE, r);
    }
    return byKey;
  };
  const countsByKey = keyed(counts?.rows ?? []);
  /** Per query: its rows (a rolled query's: every rolled count, with its own reader's figures). */
  const byQuery = new Map<QueryName, Map<Key | typeof TOTAL, Aggregated>>([
    ...scanned.map((name, i) => [name, keyed(scans[i]!.rows)] as const),
    ...rolledNames.map((name, i) => {
      const own = ownResults[i];
      if (!own) return [name, countsByKey] as const;
      const merged = new Map(countsByKey);
      for (const [key, row] of keyed(own)) merged.set(key, { ...merged.get(key), ...row });
      return [name, merged] as const;
    }),
  ]);
  const at = (name: QueryName, key: Key | typeof TOTAL) => byQuery.get(name)!.get(key);
  const count = (name: QueryName, key: Key | typeof TOTAL, column: string) => Number(at(name, key)?.[column] ?? 0);
  const quantiles = (name: QueryName, key: Key | typeof TOTAL, column: string): Quantiles => ({
    median: round(num(at(name, key)?.[`${column}_median`])), p90: round(num(at(name, key)?.[`${column}_p90`])),
  });

  const metrics: { [P in Process]: (k: Key | typeof TOTAL) => ProcessMetrics[P] } = {
    identification: (k) => ({ leads: count('leads', k, 'leads'), uniqueCustomers: count('customers', k, 'unique_customers'), duplicatesMerged: count('leads', k, 'duplicates_merged') }),
    acquisition: (k) => ({ qualified: count('stages', k, 'qualified'), disqualified: count('stages', k, 'disqualified'), escalated: count('stages', k, 'escalated') }),
    engagement: (k) => {
      const offered = count('handoffs', k, 'offered');
      const accepted = count('handoffs', k, 'accepted');
      return {
        offered, accepted, declined: count('handoffs', k, 'declined'), slaBreaches: count('handoffs', k, 'sla_breaches'),
        acceptRate: offered > 0 ? round(accepted / offered, 3) : null,
        timeToAcceptMinutes: quantiles('accepts', k, 'minutes'), acceptedWithin15Minutes: count('accepts', k, 'within_15'),
        sold: count('sales', k, 'sold'), timeToSaleDays: quantiles('sales', k, 'days'),
        fellBack: count('ledger', k, 'fell_back'), reassignedAway: count('ledger', k, 'reassigned_away'),
      };
    },
    maintenance: (k) => {
      const years = Number(at('owned', k)?.owned_years ?? 0);
      const visits = count('aftersales', k, 'service_visits');
      const tasks = count('recalls', k, 'recall_tasks');
      const repairs = count('recalls', k, 'recall_repairs');
      return {
        ownedCustomerYears: round(years, 2)!, serviceVisits: visits, serviceVisitsPerOwnedCustomerYear: years > 0 ? round(visits / years, 2) : null,
        recallTasks: tasks, recallRepairs: repairs, recallCompletion: tasks > 0 ? round(repairs / tasks, 3) : null,
      };
    },
    newValue: (k) => ({ backInMarket: count('ledger', k, 'back_in_market'), soldAgainSameDealer: count('soldAgain', k, 'sold_again'), referralLeads: count('referrals', k, 'referral_leads') }),
    feedback: (k) => {
      const answers = count('answers', k, 'answers');
      const promoters = count('answers', k, 'promoters');
      const detractors = count('answers', k, 'detractors');
      return {
        surveysSent: count('surveys', k, 'surveys_sent'), complaintsOpened: count('aftersales', k, 'complaints_opened'),
        complaintsResolved: count('aftersales', k, 'complaints_resolved'), timeToResolutionDays: quantiles('aftersales', k, 'resolution_days'),
        surveysAnswered: answers, promoters, detractors, nps: netPromoterScore({ answers, promoters, detractors }),
      };
    },
  };

  /** The groups in the process's queries, by name (no group last). */
  const groupsOf = (process: Process): Key[] => {
    const keys = new Set<Key>();
    for (const name of SOURCES[process]) for (const key of byQuery.get(name)!.keys()) if (key !== TOTAL) keys.add(key);
    return [...keys].sort((a, b) => (a === NONE ? 1 : b === NONE ? -1 : a < b ? -1 : a > b ? 1 : 0));
  };
  /** Whether the process has anything to show for the group (a query shared with another process may not). */
  const shows = (process: Process, key: Key) => Object.values(metrics[process](key) as Record<string, unknown>)
    .some((v) => (typeof v === 'number' ? v !== 0 : v !== null && typeof v === 'object' && (v as Quantiles).median !== null));
  /** By week: every week of the window, in order (zeros when it had nothing). */
  const weeks: Key[] = [];
  if (groupBy === 'week') for (let t = from.getTime(); t < to.getTime(); t += 7 * 86_400_000) weeks.push(new Date(t).toISOString().slice(0, 10));
  /** A dealer's key by dealer always gets its own row, zeros when it had nothing. */
  const ownRow = (key: Key) => groupBy === 'dealer' && key === dealerId;

  const card = <P extends Process>(process: P): ProcessCard<P> => ({
    process,
    captain: captains[process]?.find((c) => c.scope.kind === 'NETWORK')?.name ?? DEFAULT_CAPTAINS[process],
    captains: (captains[process] ?? []).filter((c) => c.scope.kind !== 'DEALER' || !dealerId || c.scope.id === dealerId),
    rows: [...new Set([...(groupBy === 'dealer' && dealerId ? [dealerId] : []), ...(groupBy === 'week' ? weeks : []), ...groupsOf(process)])]
      .filter((key) => ownRow(key) || groupBy === 'week' || shows(process, key))
      .map((key) => ({ group: key === NONE ? null : key, ...metrics[process](key) }) as ScorecardRow<P>),
    network: metrics[process](TOTAL),
  });

  return {
    from: params[0]!, to: params[1]!, groupBy,
    processes: PROCESSES.map((p) => card(p)) as Scorecard['processes'],
  };
}

/**
 * One report query in a read-only transaction with room to sort in memory, and without JIT:
 * GROUPING SETS and the percentiles sort a year's records, which spill to disk at
 * PostgreSQL's default work_mem (4 MB) and took several times as long; the planner's high
 * estimates for the correlated look-ups made PostgreSQL compile the query (about 200 ms of
 * a 300 ms query) for a plan that runs once (bench/scorecard.ts).
 */
function reportQuery(pool: pg.Pool, text: string, params: unknown[]): Promise<pg.QueryResult<Aggregated>> {
  return inTransaction(pool, async (sql) => {
    await sql.query("SET TRANSACTION READ ONLY; SET LOCAL work_mem = '64MB'; SET LOCAL jit = off");
    return sql.query<Aggregated>(text, params);
  });
}
