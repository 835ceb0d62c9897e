// The scorecard's queries (reports/scorecard.ts reads them, reports/scorecard-rollups.ts keeps
// their daily roll-ups). Every query has the same shape (`grouped` below): a base of records, each
// with its dealer and the lead it is attributed to; a group key per record; GROUPING SETS for the
// rows and the network's total in one pass. Records that name a dealer are grouped by it (or its
// region); by source, campaign or model a record counts for the customer's latest lead at or
// before it (last touch), which the database keeps with each record when it is written
// (migration 0013), as it keeps whether a lead was a merged duplicate and when the offer an
// acceptance answers was made; a lead counts for itself.
import { DETRACTOR_SCORE, PROMOTER_SCORE } from '../domain/surveys.js';

export const GROUPINGS = ['dealer', 'region', 'source', 'campaign', 'model'] as const;
export type Grouping = (typeof GROUPINGS)[number];

/**
 * The scorecard's groupings, and `week` (Monday to Monday, UTC), which the KPI trends use: each
 * week's figures in one pass, equal to the scorecard asked for that week alone (so every record
 * whose figure depends on the window's end reads its own week's end; the window must start on a
 * Monday and last whole weeks).
 */
export type GroupingOrWeek = Grouping | 'week';

/**
 * How a query's records are grouped: as the scorecard asks, or by `day` for the roll-ups — per
 * UTC day, dealer ('' for none) and the attributed lead's source ('' for none), the quantiles'
 * values kept as arrays instead of taken, so that days add up to any window of whole days.
 */
export type QueryGrouping = GroupingOrWeek | 'day';

/** Groupings that attribute records to the customer's leads (last touch). */
const byLead = (g: QueryGrouping) => g === 'source' || g === 'campaign' || g === 'model';

const WEEK = "interval '168 hours'";
/** A year of 365.25 days, in seconds (owned customer-years). */
export const YEAR_SECONDS = 31557600;
/** The Monday 00:00 UTC of a time's week. */
const weekOf = (column: string) => `(date_trunc('week', ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
/** The end of the window a record is counted in: the window's ($2), or by week its own week's. */
const windowEnd = (g: QueryGrouping, at: string) => (g === 'week' ? `(${weekOf(at)} + ${WEEK})` : '$2');

/** A row as the queries return it: its group, whether it is the total, and the aggregates. */
export type Aggregated = { grp: string | null; total: boolean; mine: boolean | null } & Record<string, unknown>;

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
function grouped(groupBy: QueryGrouping, base: string, aggregates: string, attribution: 'record' | 'lead-itself' = 'record'): string {
  if (groupBy === 'day') {
    const source = attribution === 'lead-itself' ? 'b.source::text' : 'lt.source::text';
    return `
    SELECT (b.at AT TIME ZONE 'UTC')::date AS day, COALESCE(b.dealer_id, '') AS dealer_id, COALESCE(${source}, '') AS source, ${aggregates}
    FROM (${base}) b ${attribution === 'lead-itself' ? '' : 'LEFT JOIN lead lt ON lt.id = b.lead_id'}
    GROUP BY 1, 2, 3`;
  }
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

/**
 * A figure's median and 90th percentile; by day, the values they are taken over (without nulls,
 * which they skip), as the double precision percentile_cont makes of them before it sorts.
 */
const QUANTILES = (column: string, g: QueryGrouping) => (g === 'day'
  ? `COALESCE(array_agg(${column}::float8) FILTER (WHERE ${column} IS NOT NULL), '{}') AS ${column}_values`
  : quantilesOf(column, column));
/** The median and 90th percentile of `value`, named after `column`. */
export const quantilesOf = (value: string, column: string) =>
  `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${value}) AS ${column}_median, percentile_cont(0.9) WITHIN GROUP (ORDER BY ${value}) AS ${column}_p90`;

/** Leads in the window (a customer's onboarding writes one it does not count). */
const LEADS = `
    SELECT NULL::text AS dealer_id, customer_id, source, campaign, interest_model, merged, received_at AS at FROM lead
    WHERE received_at >= $1 AND received_at < $2 AND source <> 'CUSTOMER_IMPORT'`;

/** The queries, each over one table's records in the window (or what it needs before it). */
export const QUERIES = {
  leads: (g: QueryGrouping) => grouped(g, LEADS, 'count(*) AS leads, count(*) FILTER (WHERE merged) AS duplicates_merged', 'lead-itself'),
  // Distinct customers. By day: leads of customers new that day, and the days of the earlier
  // leads of the others (of any source, and of the lead's own) when on an earlier day: in a window
  // a customer counts for the one lead whose previous lead is before the window.
  customers: (g: QueryGrouping) => (g === 'day'
    ? grouped(g, `
    SELECT NULL::text AS dealer_id, l.source, l.received_at AS at, (l.received_at AT TIME ZONE 'UTC')::date AS day_of, (
             SELECT (p.received_at AT TIME ZONE 'UTC')::date FROM lead p
             WHERE p.customer_id = l.customer_id AND p.source <> 'CUSTOMER_IMPORT' AND (p.received_at < l.received_at OR (p.received_at = l.received_at AND p.id < l.id))
             ORDER BY p.received_at DESC, p.id DESC LIMIT 1) AS prev_day, (
             SELECT (p.received_at AT TIME ZONE 'UTC')::date FROM lead p
             WHERE p.customer_id = l.customer_id AND p.source = l.source AND (p.received_at < l.received_at OR (p.received_at = l.received_at AND p.id < l.id))
             ORDER BY p.received_at DESC, p.id DESC LIMIT 1) AS prev_day_by_source
    FROM lead l WHERE l.received_at >= $1 AND l.received_at < $2 AND l.source <> 'CUSTOMER_IMPORT'`,
    `count(*) FILTER (WHERE prev_day IS NULL)::int AS new_customers,
     COALESCE(array_agg(prev_day) FILTER (WHERE prev_day < day_of), '{}') AS prev_days,
     count(*) FILTER (WHERE prev_day_by_source IS NULL)::int AS new_customers_by_source,
     COALESCE(array_agg(prev_day_by_source) FILTER (WHERE prev_day_by_source < day_of), '{}') AS prev_days_by_source`, 'lead-itself')
    : grouped(g, LEADS, 'count(DISTINCT customer_id) AS unique_customers', 'lead-itself')),

  stages: (g: QueryGrouping) => grouped(g, `
    SELECT dealer_id, lead_id, at, from_stage, to_stage FROM journey_stage_change WHERE at >= $1 AND at < $2`,
  `count(*) FILTER (WHERE from_stage = 'QUALIFYING' AND to_stage = 'HANDED_OFF') AS qualified,
   count(*) FILTER (WHERE to_stage = 'DISQUALIFIED') AS disqualified, count(*) FILTER (WHERE to_stage = 'ESCALATED' AND from_stage IS NOT NULL) AS escalated`),

  handoffs: (g: QueryGrouping) => grouped(g, `
    SELECT dealer_id, lead_id, at, kind FROM handoff_event WHERE at >= $1 AND at < $2`,
  `count(*) FILTER (WHERE kind = 'OFFERED') AS offered, count(*) FILTER (WHERE kind = 'ACCEPTED') AS accepted,
   count(*) FILTER (WHERE kind = 'DECLINED') AS declined, count(*) FILTER (WHERE kind = 'TIMED_OUT') AS sla_breaches`),

  // Each acceptance against the offer it answers (the latest to that dealer in the same
  // journey before it, kept with the acceptance when it is written).
  accepts: (g: QueryGrouping) => grouped(g, `
    SELECT dealer_id, lead_id, at, EXTRACT(EPOCH FROM at - offered_at) / 60 AS minutes
    FROM handoff_event WHERE kind = 'ACCEPTED' AND at >= $1 AND at < $2 AND offered_at IS NOT NULL`,
  `${QUANTILES('minutes', g)}, count(*) FILTER (WHERE minutes <= 15) AS within_15`),

  // Each sale against the selling dealer's latest start of sales ownership of that customer
  // at or before it (the same technique over sales and the ledger's starts). Ledger rows that
  // keep the owner (a market's new ownership model, an erasure) start nothing.
  sales: (g: QueryGrouping) => grouped(g, `
    SELECT s.dealer_id, s.lead_id, s.at, EXTRACT(EPOCH FROM s.at - max(o.at)) / 86400 AS days
    FROM sale s
    LEFT JOIN ownership_change o ON o.customer_id = s.customer_id AND o.to_dealer_id = s.dealer_id AND o.to_owner = 'DEALER_SALES' AND o.at <= s.at
      AND (o.from_owner, o.from_dealer_id) IS DISTINCT FROM (o.to_owner, o.to_dealer_id)
    WHERE s.at >= $1 AND s.at < $2 AND NOT s.imported
    GROUP BY s.key, s.dealer_id, s.lead_id, s.at`,
  `count(*) AS sold, ${QUANTILES('days', g)}`),

  // Changes away from a dealer: fall-backs, reassignments, and customers back in market
  // (with whether they bought from that dealer again before the window's end).
  ledger: (g: QueryGrouping) => grouped(g, `
    SELECT o.from_dealer_id AS dealer_id, o.lead_id, o.at,
           o.from_owner = 'DEALER_SALES' AND o.to_owner = 'OEM' AND (o.reason LIKE 'LOST%' OR o.reason IN ('NO_SHOW', 'SALES_WINDOW_EXPIRED')) AS fell_back,
           o.reason LIKE 'REASSIGNED%' AS reassigned,
           o.reason = 'BACK_IN_MARKET' AS back_in_market
    FROM ownership_change o WHERE o.from_dealer_id IS NOT NULL AND o.at >= $1 AND o.at < $2`,
  `count(*) FILTER (WHERE fell_back) AS fell_back, count(*) FILTER (WHERE reassigned) AS reassigned_away,
   count(*) FILTER (WHERE back_in_market) AS back_in_market`),

  // Customers back in market who bought from that dealer again before the window's end (which
  // a day's roll-up cannot know: always from the ledger).
  soldAgain: (g: QueryGrouping) => grouped(g, `
    SELECT o.from_dealer_id AS dealer_id, o.lead_id, o.at, EXISTS (
             SELECT 1 FROM sale s WHERE s.customer_id = o.customer_id AND s.dealer_id = o.from_dealer_id AND s.at > o.at AND s.at < ${windowEnd(g, 'o.at')} AND NOT s.imported) AS sold_again
    FROM ownership_change o WHERE o.from_dealer_id IS NOT NULL AND o.reason = 'BACK_IN_MARKET' AND o.at >= $1 AND o.at < $2`,
  'count(*) FILTER (WHERE sold_again) AS sold_again'),

  // The time each customer was owned by a dealer (after the sale), cut to the window: from
  // the change to the dealer until the customer's next change of owner, or the window's end
  // (a join to the customer's later changes: cheaper than a window over the whole ledger).
  owned: (g: QueryGrouping) => (g === 'day'
    // By day: the spells' starts (+1) and ends (-1) with their times (a spell ends at the customer's
    // next change, whatever it is), which the roll-ups' reader turns into the years in a window.
    ? grouped(g, `
    SELECT to_dealer_id AS dealer_id, lead_id, at, 1 AS sign FROM ownership_change WHERE to_owner = 'DEALER' AND at >= $1 AND at < $2
    UNION ALL
    SELECT p.to_dealer_id, p.lead_id, n.at, -1 FROM ownership_change n
    CROSS JOIN LATERAL (
      SELECT p.to_owner, p.to_dealer_id, p.lead_id FROM ownership_change p
      WHERE p.customer_id = n.customer_id AND (p.at < n.at OR (p.at = n.at AND p.key COLLATE "C" < n.key COLLATE "C"))
      ORDER BY p.at DESC, p.key COLLATE "C" DESC LIMIT 1) p
    WHERE n.at >= $1 AND n.at < $2 AND p.to_owner = 'DEALER'`,
    'sum(sign)::int AS owner_delta, sum(sign * EXTRACT(EPOCH FROM at)) AS owner_delta_epoch')
    // Seconds, summed before they are made years: exact, whichever way the window is cut.
    : grouped(g, g === 'week' ? `
    SELECT dealer_id, lead_id, w.at, EXTRACT(EPOCH FROM LEAST(o.till, w.at + ${WEEK}) - GREATEST(o.since, w.at)) AS seconds FROM (
      SELECT o.to_dealer_id AS dealer_id, o.lead_id, GREATEST(o.at, $1) AS since, LEAST(COALESCE(min(n.at), $2), $2) AS till
      FROM ownership_change o
      LEFT JOIN ownership_change n ON n.customer_id = o.customer_id AND (n.at > o.at OR (n.at = o.at AND n.key COLLATE "C" > o.key COLLATE "C"))
      WHERE o.to_owner = 'DEALER' AND o.at < $2
      GROUP BY o.key, o.to_dealer_id, o.lead_id, o.at
    ) o JOIN generate_series($1::timestamptz, $2::timestamptz - ${WEEK}, ${WEEK}) AS w(at) ON w.at < o.till AND w.at + ${WEEK} > o.since` : `
    SELECT dealer_id, lead_id, seconds FROM (
      SELECT o.to_dealer_id AS dealer_id, o.lead_id,
             EXTRACT(EPOCH FROM LEAST(COALESCE(min(n.at), $2), $2) - GREATEST(o.at, $1)) AS seconds
      FROM ownership_change o
      LEFT JOIN ownership_change n ON n.customer_id = o.customer_id AND (n.at > o.at OR (n.at = o.at AND n.key COLLATE "C" > o.key COLLATE "C"))
      WHERE o.to_owner = 'DEALER' AND o.at < $2
      GROUP BY o.key, o.to_dealer_id, o.lead_id, o.at
    ) o WHERE seconds > 0`,
    `COALESCE(sum(seconds), 0) / ${YEAR_SECONDS} AS owned_years`)),

  // Service visits; complaints opened, and those resolved with the time since their opening.
  aftersales: (g: QueryGrouping) => grouped(g, `
    SELECT r.dealer_id, r.lead_id, r.at, r.kind,
           CASE WHEN r.kind = 'COMPLAINT_RESOLVED' THEN EXTRACT(EPOCH FROM r.at - (
             SELECT max(o.at) FROM aftersales_event o
             WHERE o.journey_id = r.journey_id AND o.ref = r.ref AND o.kind = 'COMPLAINT_OPENED' AND o.at <= r.at)) / 86400 END AS resolution_days
    FROM aftersales_event r WHERE r.at >= $1 AND r.at < $2`,
  `count(*) FILTER (WHERE kind = 'SERVICE_VISIT') AS service_visits, count(*) FILTER (WHERE kind = 'COMPLAINT_OPENED') AS complaints_opened,
   count(*) FILTER (WHERE kind = 'COMPLAINT_RESOLVED') AS complaints_resolved, ${QUANTILES('resolution_days', g)}`),

  // Recall repair tasks of the recalls started in the window, and those repaired by its end
  // (attributed to the customer's latest lead before the recall, like any record).
  recalls: (g: QueryGrouping) => grouped(g, `
    SELECT v.dealer_id, (SELECT l.id FROM lead l WHERE l.customer_id = v.customer_id AND l.received_at <= c.started_at ORDER BY l.received_at DESC LIMIT 1) AS lead_id,
           c.started_at AS at, v.repaired_at IS NOT NULL AND v.repaired_at < ${windowEnd(g, 'c.started_at')} AS repaired
    FROM recall_vehicle v JOIN campaign c ON c.id = v.campaign_id
    WHERE v.dealer_id IS NOT NULL AND v.status <> 'OWNER_UNKNOWN' AND c.started_at >= $1 AND c.started_at < $2`,
  'count(*) AS recall_tasks, count(*) FILTER (WHERE repaired) AS recall_repairs'),

  // Surveys that went out, from the dealer that sent them (the OEM's have no dealer).
  surveys: (g: QueryGrouping) => grouped(g, `
    SELECT sender_dealer_id AS dealer_id, lead_id, sent_at AS at FROM communication
    WHERE purpose = 'SURVEY' AND sent_at >= $1 AND sent_at < $2`,
  'count(*) AS surveys_sent'),

  // Surveys answered, with the dealer each was about (the OEM's have none).
  answers: (g: QueryGrouping) => grouped(g, `
    SELECT dealer_id, lead_id, answered_at AS at, score FROM survey_answer WHERE answered_at >= $1 AND answered_at < $2`,
  `count(*) AS answers, count(*) FILTER (WHERE score >= ${PROMOTER_SCORE}) AS promoters, count(*) FILTER (WHERE score <= ${DETRACTOR_SCORE}) AS detractors`),

  // Friends' leads through promoters' referral links, for the dealer that looked after the promoter.
  referrals: (g: QueryGrouping) => grouped(g, `
    SELECT r.referrer_dealer_id AS dealer_id, r.lead_id, l.received_at AS at FROM referral r JOIN lead l ON l.id = r.lead_id
    WHERE l.received_at >= $1 AND l.received_at < $2`,
  'count(*) AS referral_leads'),
} satisfies Record<string, (g: QueryGrouping) => string>;
export type QueryName = keyof typeof QUERIES;

/**
 * The queries kept as daily roll-ups, with their figures: counts, and the column whose values
 * the quantiles are taken over. Distinct customers and owned customer-years are kept in their own
 * columns (ROLLED_OWN_READER); sold again and recalls repaired by the window's end are read from
 * the records for every window.
 */
export const ROLLED: Partial<Record<QueryName, { counts: string[]; values?: string }>> = {
  leads: { counts: ['leads', 'duplicates_merged'] },
  stages: { counts: ['qualified', 'disqualified', 'escalated'] },
  handoffs: { counts: ['offered', 'accepted', 'declined', 'sla_breaches'] },
  accepts: { counts: ['within_15'], values: 'minutes' },
  sales: { counts: ['sold'], values: 'days' },
  ledger: { counts: ['fell_back', 'reassigned_away', 'back_in_market'] },
  aftersales: { counts: ['service_visits', 'complaints_opened', 'complaints_resolved'], values: 'resolution_days' },
  surveys: { counts: ['surveys_sent'] },
  answers: { counts: ['answers', 'promoters', 'detractors'] },
  referrals: { counts: ['referral_leads'] },
};

/** Rolled queries whose day columns are not counts: each has its own reader (reports/scorecard-rollups.ts). */
export const ROLLED_OWN_READER = {
  customers: ['new_customers', 'prev_days', 'new_customers_by_source', 'prev_days_by_source'],
  owned: ['owner_delta', 'owner_delta_epoch'],
} satisfies Partial<Record<QueryName, string[]>>;
