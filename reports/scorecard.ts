// The process captains' scorecard, computed in SQL from the records the journeys write
// (leads, stage changes, hand-off events, the ownership ledger, sales, after-sales events,
// messages) — never by scanning Temporal. The seed article's processes, each with the role
// that captains it: identification, acquisition, engagement (hand-off and sales),
// maintenance (service), new value (repurchase), feedback (surveys, complaints).
//
// Every query has the same shape (`grouped` below): a base of records, each with its dealer
// and the lead it is attributed to; a group key per record; GROUPING SETS for the rows and
// the network's total in one pass. Records that name a dealer are grouped by it (or its
// region); by source, campaign or model a record counts for the customer's latest lead at or
// before it (last touch), which the database keeps with each record when it is written
// (migration 0013), as it keeps whether a lead was a merged duplicate and when the offer an
// acceptance answers was made; a lead counts for itself.
import type pg from 'pg';
import { DEFAULT_CAPTAINS, PROCESSES, type Process } from '../domain/processes.js';
import { inTransaction } from '../platform/db.js';
import type { Scope } from '../domain/kpis.js';
import { DETRACTOR_SCORE, netPromoterScore, PROMOTER_SCORE } from '../domain/surveys.js';

export const GROUPINGS = ['dealer', 'region', 'source', 'campaign', 'model'] as const;
export type Grouping = (typeof GROUPINGS)[number];

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
}

/**
 * The scorecard's groupings, and `week` (Monday to Monday, UTC), which the KPI trends use: each
 * week's figures in one pass, equal to the scorecard asked for that week alone (so every record
 * whose figure depends on the window's end reads its own week's end; the window must start on a
 * Monday and last whole weeks).
 */
export type GroupingOrWeek = Grouping | 'week';

/** Groupings that attribute records to the customer's leads (last touch). */
const byLead = (g: GroupingOrWeek) => g === 'source' || g === 'campaign' || g === 'model';

const WEEK = "interval '168 hours'";
/** The Monday 00:00 UTC of a time's week. */
const weekOf = (column: string) => `(date_trunc('week', ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
/** The end of the window a record is counted in: the window's ($2), or by week its own week's. */
const windowEnd = (g: GroupingOrWeek, at: string) => (g === 'week' ? `(${weekOf(at)} + ${WEEK})` : '$2');

/** A row as the queries return it: its group, whether it is the total, and the aggregates. */
type Aggregated = { grp: string | null; total: boolean; mine: boolean | null } & Record<string, unknown>;

/**
 * The lead's column each lead grouping reads, as it groups fastest: text in byte order, the
 * source as its enum (made text once per group, not once per record).
 */
const LEAD_COLUMN = { source: 'source', campaign: 'campaign COLLATE "C"', model: 'interest_model COLLATE "C"' } as const;

/**
 * One aggregate query: `base` yields dealer_id and lead_id (the lead the record is attributed
 * to, written with it) per record — or, for leads themselves, the lead's own columns;
 * `aggregates` reads those records' columns. $1 and $2 are the window, $3 the dealer whose
 * rows are asked for (null: every dealer).
 */
function grouped(groupBy: GroupingOrWeek, base: string, aggregates: string, attribution: 'record' | 'lead-itself' = 'record'): string {
  if (groupBy === 'week') {
    // By week, for one dealer ($3), one region ($4), or the network (both null): its records only.
    return `
    SELECT k.grp::text, GROUPING(k.mine, k.grp) = 3 AS total, k.mine, ${aggregates}
    FROM (SELECT b.*, to_char(${weekOf('b.at')}, 'YYYY-MM-DD') AS grp,
                 COALESCE(($3::text IS NULL AND $4::text IS NULL) OR b.dealer_id = $3::text OR d.region = $4::text, false) AS mine
          FROM (${base}) b LEFT JOIN dealer d ON d.id = b.dealer_id) k
    GROUP BY GROUPING SETS ((k.mine, k.grp), ())`;
  }
  const key = groupBy === 'dealer' ? 'b.dealer_id COLLATE "C"'
    : groupBy === 'region' ? 'd.region COLLATE "C"'
      : attribution === 'lead-itself' ? `b.${LEAD_COLUMN[groupBy]}` : `lt.${LEAD_COLUMN[groupBy]}`;
  const join = groupBy === 'region' ? 'LEFT JOIN dealer d ON d.id = b.dealer_id'
    : byLead(groupBy) && attribution === 'record' ? 'LEFT JOIN lead lt ON lt.id = b.lead_id' : '';
  return `
    SELECT k.grp::text, GROUPING(k.mine, k.grp) = 3 AS total, k.mine, ${aggregates}
    FROM (SELECT b.*, ${key} AS grp, COALESCE($3::text IS NULL OR b.dealer_id = $3::text, false) AS mine FROM (${base}) b ${join}) k
    GROUP BY GROUPING SETS ((k.mine, k.grp), ())`;
}

const QUANTILES = (column: string) =>
  `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${column}) AS ${column}_median, percentile_cont(0.9) WITHIN GROUP (ORDER BY ${column}) AS ${column}_p90`;

/** The queries, each over one table's records in the window (or what it needs before it). */
const QUERIES = {
  leads: (g: GroupingOrWeek) => grouped(g, `
    SELECT NULL::text AS dealer_id, customer_id, source, campaign, interest_model, merged, received_at AS at FROM lead
    WHERE received_at >= $1 AND received_at < $2 AND source <> 'CUSTOMER_IMPORT'`,
  'count(*) AS leads, count(DISTINCT customer_id) AS unique_customers, count(*) FILTER (WHERE merged) AS duplicates_merged', 'lead-itself'),

  stages: (g: GroupingOrWeek) => grouped(g, `
    SELECT dealer_id, lead_id, at, from_stage, to_stage FROM journey_stage_change WHERE at >= $1 AND at < $2`,
  `count(*) FILTER (WHERE from_stage = 'QUALIFYING' AND to_stage = 'HANDED_OFF') AS qualified,
   count(*) FILTER (WHERE to_stage = 'DISQUALIFIED') AS disqualified, count(*) FILTER (WHERE to_stage = 'ESCALATED' AND from_stage IS NOT NULL) AS escalated`),

  handoffs: (g: GroupingOrWeek) => grouped(g, `
    SELECT dealer_id, lead_id, at, kind FROM handoff_event WHERE at >= $1 AND at < $2`,
  `count(*) FILTER (WHERE kind = 'OFFERED') AS offered, count(*) FILTER (WHERE kind = 'ACCEPTED') AS accepted,
   count(*) FILTER (WHERE kind = 'DECLINED') AS declined, count(*) FILTER (WHERE kind = 'TIMED_OUT') AS sla_breaches`),

  // Each acceptance against the offer it answers (the latest to that dealer in the same
  // journey before it, kept with the acceptance when it is written).
  accepts: (g: GroupingOrWeek) => grouped(g, `
    SELECT dealer_id, lead_id, at, EXTRACT(EPOCH FROM at - offered_at) / 60 AS minutes
    FROM handoff_event WHERE kind = 'ACCEPTED' AND at >= $1 AND at < $2 AND offered_at IS NOT NULL`,
  `${QUANTILES('minutes')}, count(*) FILTER (WHERE minutes <= 15) AS within_15`),

  // Each sale against the selling dealer's latest start of sales ownership of that customer
  // at or before it (the same technique over sales and the ledger's starts). Ledger rows that
  // keep the owner (a market's new ownership model, an erasure) start nothing.
  sales: (g: GroupingOrWeek) => grouped(g, `
    SELECT s.dealer_id, s.lead_id, s.at, EXTRACT(EPOCH FROM s.at - max(o.at)) / 86400 AS days
    FROM sale s
    LEFT JOIN ownership_change o ON o.customer_id = s.customer_id AND o.to_dealer_id = s.dealer_id AND o.to_owner = 'DEALER_SALES' AND o.at <= s.at
      AND (o.from_owner, o.from_dealer_id) IS DISTINCT FROM (o.to_owner, o.to_dealer_id)
    WHERE s.at >= $1 AND s.at < $2 AND NOT s.imported
    GROUP BY s.key, s.dealer_id, s.lead_id, s.at`,
  `count(*) AS sold, ${QUANTILES('days')}`),

  // Changes away from a dealer: fall-backs, reassignments, and customers back in market
  // (with whether they bought from that dealer again before the window's end).
  ledger: (g: GroupingOrWeek) => grouped(g, `
    SELECT o.from_dealer_id AS dealer_id, o.lead_id, o.at,
           o.from_owner = 'DEALER_SALES' AND o.to_owner = 'OEM' AND (o.reason LIKE 'LOST%' OR o.reason IN ('NO_SHOW', 'SALES_WINDOW_EXPIRED')) AS fell_back,
           o.reason LIKE 'REASSIGNED%' AS reassigned,
           o.reason = 'BACK_IN_MARKET' AS back_in_market,
           o.reason = 'BACK_IN_MARKET' AND EXISTS (
             SELECT 1 FROM sale s WHERE s.customer_id = o.customer_id AND s.dealer_id = o.from_dealer_id AND s.at > o.at AND s.at < ${windowEnd(g, 'o.at')} AND NOT s.imported) AS sold_again
    FROM ownership_change o WHERE o.from_dealer_id IS NOT NULL AND o.at >= $1 AND o.at < $2`,
  `count(*) FILTER (WHERE fell_back) AS fell_back, count(*) FILTER (WHERE reassigned) AS reassigned_away,
   count(*) FILTER (WHERE back_in_market) AS back_in_market, count(*) FILTER (WHERE sold_again) AS sold_again`),

  // The time each customer was owned by a dealer (after the sale), cut to the window: from
  // the change to the dealer until the customer's next change of owner, or the window's end
  // (a join to the customer's later changes: cheaper than a window over the whole ledger).
  owned: (g: GroupingOrWeek) => grouped(g, g === 'week' ? `
    SELECT dealer_id, lead_id, w.at, EXTRACT(EPOCH FROM LEAST(o.till, w.at + ${WEEK}) - GREATEST(o.since, w.at)) / 31557600 AS years FROM (
      SELECT o.to_dealer_id AS dealer_id, o.lead_id, GREATEST(o.at, $1) AS since, LEAST(COALESCE(min(n.at), $2), $2) AS till
      FROM ownership_change o
      LEFT JOIN ownership_change n ON n.customer_id = o.customer_id AND (n.at > o.at OR (n.at = o.at AND n.key COLLATE "C" > o.key COLLATE "C"))
      WHERE o.to_owner = 'DEALER' AND o.at < $2
      GROUP BY o.key, o.to_dealer_id, o.lead_id, o.at
    ) o JOIN generate_series($1::timestamptz, $2::timestamptz - ${WEEK}, ${WEEK}) AS w(at) ON w.at < o.till AND w.at + ${WEEK} > o.since` : `
    SELECT dealer_id, lead_id, years FROM (
      SELECT o.to_dealer_id AS dealer_id, o.lead_id,
             EXTRACT(EPOCH FROM LEAST(COALESCE(min(n.at), $2), $2) - GREATEST(o.at, $1)) / 31557600 AS years
      FROM ownership_change o
      LEFT JOIN ownership_change n ON n.customer_id = o.customer_id AND (n.at > o.at OR (n.at = o.at AND n.key COLLATE "C" > o.key COLLATE "C"))
      WHERE o.to_owner = 'DEALER' AND o.at < $2
      GROUP BY o.key, o.to_dealer_id, o.lead_id, o.at
    ) o WHERE years > 0`,
  'COALESCE(sum(years), 0) AS owned_years'),

  // Service visits; complaints opened, and those resolved with the time since their opening.
  aftersales: (g: GroupingOrWeek) => grouped(g, `
    SELECT r.dealer_id, r.lead_id, r.at, r.kind,
           CASE WHEN r.kind = 'COMPLAINT_RESOLVED' THEN EXTRACT(EPOCH FROM r.at - (
             SELECT max(o.at) FROM aftersales_event o
             WHERE o.journey_id = r.journey_id AND o.ref = r.ref AND o.kind = 'COMPLAINT_OPENED' AND o.at <= r.at)) / 86400 END AS resolution_days
    FROM aftersales_event r WHERE r.at >= $1 AND r.at < $2`,
  `count(*) FILTER (WHERE kind = 'SERVICE_VISIT') AS service_visits, count(*) FILTER (WHERE kind = 'COMPLAINT_OPENED') AS complaints_opened,
   count(*) FILTER (WHERE kind = 'COMPLAINT_RESOLVED') AS complaints_resolved, ${QUANTILES('resolution_days')}`),

  // Recall repair tasks of the recalls started in the window, and those repaired by its end
  // (attributed to the customer's latest lead before the recall, like any record).
  recalls: (g: GroupingOrWeek) => grouped(g, `
    SELECT v.dealer_id, (SELECT l.id FROM lead l WHERE l.customer_id = v.customer_id AND l.received_at <= c.started_at ORDER BY l.received_at DESC LIMIT 1) AS lead_id,
           c.started_at AS at, v.repaired_at IS NOT NULL AND v.repaired_at < ${windowEnd(g, 'c.started_at')} AS repaired
    FROM recall_vehicle v JOIN campaign c ON c.id = v.campaign_id
    WHERE v.dealer_id IS NOT NULL AND v.status <> 'OWNER_UNKNOWN' AND c.started_at >= $1 AND c.started_at < $2`,
  'count(*) AS recall_tasks, count(*) FILTER (WHERE repaired) AS recall_repairs'),

  // Surveys that went out, from the dealer that sent them (the OEM's have no dealer).
  surveys: (g: GroupingOrWeek) => grouped(g, `
    SELECT sender_dealer_id AS dealer_id, lead_id, sent_at AS at FROM communication
    WHERE purpose = 'SURVEY' AND sent_at >= $1 AND sent_at < $2`,
  'count(*) AS surveys_sent'),

  // Surveys answered, with the dealer each was about (the OEM's have none).
  answers: (g: GroupingOrWeek) => grouped(g, `
    SELECT dealer_id, lead_id, answered_at AS at, score FROM survey_answer WHERE answered_at >= $1 AND answered_at < $2`,
  `count(*) AS answers, count(*) FILTER (WHERE score >= ${PROMOTER_SCORE}) AS promoters, count(*) FILTER (WHERE score <= ${DETRACTOR_SCORE}) AS detractors`),

  // Friends' leads through promoters' referral links, for the dealer that looked after the promoter.
  referrals: (g: GroupingOrWeek) => grouped(g, `
    SELECT r.referrer_dealer_id AS dealer_id, r.lead_id, l.received_at AS at FROM referral r JOIN lead l ON l.id = r.lead_id
    WHERE l.received_at >= $1 AND l.received_at < $2`,
  'count(*) AS referral_leads'),
} satisfies Record<string, (g: GroupingOrWeek) => string>;
type QueryName = keyof typeof QUERIES;

/** Which queries make each process's rows. */
const SOURCES: Record<Process, QueryName[]> = {
  identification: ['leads'],
  acquisition: ['stages'],
  engagement: ['handoffs', 'accepts', 'sales', 'ledger'],
  maintenance: ['owned', 'aftersales', 'recalls'],
  newValue: ['ledger', 'referrals'],
  feedback: ['surveys', 'aftersales', 'answers'],
};

const TOTAL = Symbol('network');
const NONE = Symbol('no group');
type Key = string | typeof NONE;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const round = (v: number | null, digits = 1) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

export async function scorecard(sql: pg.Pool, { from, to, groupBy = 'dealer', dealerId, region, captains = {} }: ScorecardRequest): Promise<Scorecard> {
  const params = [from.toISOString(), to.toISOString(), dealerId ?? null, ...(groupBy === 'week' ? [region ?? null] : [])];
  const names = Object.keys(QUERIES) as QueryName[];
  const results = await Promise.all(names.map((name) => reportQuery(sql, QUERIES[name](groupBy), params)));
  /** Per query: its rows by group (the caller's only), and the network's total. */
  const byQuery = new Map(names.map((name, i) => {
    const rows = new Map<Key | typeof TOTAL, Aggregated>();
    for (const r of results[i]!.rows) {
      if (r.total) rows.set(TOTAL, r);
      else if (r.mine) rows.set(r.grp ?? NONE, r);
    }
    return [name, rows] as const;
  }));
  const at = (name: QueryName, key: Key | typeof TOTAL) => byQuery.get(name)!.get(key);
  const count = (name: QueryName, key: Key | typeof TOTAL, column: string) => Number(at(name, key)?.[column] ?? 0);
  const quantiles = (name: QueryName, key: Key | typeof TOTAL, column: string): Quantiles => ({
    median: round(num(at(name, key)?.[`${column}_median`])), p90: round(num(at(name, key)?.[`${column}_p90`])),
  });

  const metrics: { [P in Process]: (k: Key | typeof TOTAL) => ProcessMetrics[P] } = {
    identification: (k) => ({ leads: count('leads', k, 'leads'), uniqueCustomers: count('leads', k, 'unique_customers'), duplicatesMerged: count('leads', k, 'duplicates_merged') }),
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
    newValue: (k) => ({ backInMarket: count('ledger', k, 'back_in_market'), soldAgainSameDealer: count('ledger', k, 'sold_again'), referralLeads: count('referrals', k, 'referral_leads') }),
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
