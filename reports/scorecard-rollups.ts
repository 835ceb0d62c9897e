// The scorecard's daily roll-ups (issue 35; migration 0032): per UTC day, dealer and the source
// of the lead a record is attributed to, the figures that add up over days, computed by the
// scorecard's own queries grouped by day (reports/scorecard-queries.ts), so a window's whole days
// are a sum over a few rows per dealer and day instead of a scan of a year's records.
//
// The job (`rollUpScorecard`, run hourly by the scorecardRollup schedule) writes every day before
// today it has not written, and again every day from the earliest one a record arrived for late
// (the tables' triggers mark it). The scorecard reads the days before that boundary from here and
// everything after it — today, a day marked stale, the future part of a window — from the records,
// so its figures are the same as a scan's whenever it is asked (tested against the scan).
import type pg from 'pg';
import { inTransaction } from '../platform/db.js';
import { QUERIES, quantilesOf, ROLLED, ROLLED_OWN_READER, YEAR_SECONDS, type QueryName } from './scorecard-queries.js';

/**
 * The groupings the roll-ups answer (their key is the day, the dealer and the source; a region is
 * its dealers', a week its days). By week (the KPI trends) $6 is the region whose dealers' rows
 * are asked for.
 */
export type RolledGrouping = 'dealer' | 'region' | 'source' | 'week';
export const isRolledGrouping = (g: string): g is RolledGrouping => g === 'dealer' || g === 'region' || g === 'source' || g === 'week';

const DAY_MS = 86_400_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
/** A day's (YYYY-MM-DD) midnight, UTC. */
export const midnight = (day: string) => new Date(`${day}T00:00:00Z`);

/**
 * The days of [from, to) the roll-ups answer: from `from` (which must be a UTC midnight) to the
 * boundary or the last whole day, whichever is first; null when none. The rest of the window,
 * [rolled.to, to), is read from the records.
 */
export async function rolledDays(sql: pg.Pool, from: Date, to: Date): Promise<{ from: string; to: string } | null> {
  if (from.getTime() % DAY_MS !== 0) return null;
  const { rows } = await sql.query<{ boundary: string | null }>(
    'SELECT LEAST(rolled_before, (SELECT min(day) FROM scorecard_stale))::text AS boundary FROM scorecard_rollup');
  const boundary = rows[0]?.boundary;
  if (!boundary) return null;
  const lastWholeDay = dayOf(new Date(Math.floor(to.getTime() / DAY_MS) * DAY_MS));
  const until = boundary < lastWholeDay ? boundary : lastWholeDay;
  return until > dayOf(from) ? { from: dayOf(from), to: until } : null;
}

/** Every rolled count, in the roll-ups' columns. */
const COUNTS = Object.values(ROLLED).flatMap((r) => r.counts);
const SETS = 'GROUP BY GROUPING SETS ((mine, grp), ())';

/** The Monday of a day's week. */
const weekOf = (day: string) => `date_trunc('week', ${day})::date`;

/** The group key and whether the row is the caller's, over rows `k` of day, dealer_id and source. */
function groupedRows(groupBy: RolledGrouping, rows: string, columns: string): string {
  const key = groupBy === 'dealer' ? `NULLIF(k.dealer_id, '') COLLATE "C"` : groupBy === 'region' ? 'd.region COLLATE "C"'
    : groupBy === 'week' ? `to_char(${weekOf('k.day')}, 'YYYY-MM-DD')` : `NULLIF(k.source, '')`;
  // By week, as the scan: one dealer's rows ($3), one region's ($6), or the network's (both null).
  const mine = groupBy === 'week'
    ? 'COALESCE(($3::text IS NULL AND $6::text IS NULL) OR k.dealer_id = $3::text OR d.region = $6::text, false)'
    : 'COALESCE($3::text IS NULL OR k.dealer_id = $3::text, false)';
  return `SELECT ${key} AS grp, ${mine} AS mine, k.day, ${columns}
    FROM (${rows}) k ${groupBy === 'region' || groupBy === 'week' ? `LEFT JOIN dealer d ON d.id = NULLIF(k.dealer_id, '')` : ''}`;
}

/**
 * Every rolled count in the scan's shape (group, total, mine, figures) — one pass over the roll-up
 * rows of days [$4, $5) and each rolled query's records of [$1, $2); $3 is the dealer whose rows
 * are asked for. `records` false: the window ends where the rolled days do (its records are not
 * planned to be read; the parameters stay typed).
 */
export function rolledCounts(groupBy: RolledGrouping, records: boolean): string {
  const tail = (Object.entries(ROLLED) as [QueryName, { counts: string[] }][]).map(([name, { counts }]) =>
    // As the roll-ups' integers, so that the union is one append (a cast per branch would nest them).
    `SELECT day, dealer_id, source, ${COUNTS.map((c) => (counts.includes(c) ? `${c}::int` : `0 AS ${c}`)).join(', ')} FROM (${QUERIES[name]('day')}) t WHERE ${records}`);
  const rows = `SELECT day, dealer_id, source, ${COUNTS.join(', ')} FROM scorecard_day WHERE day >= $4::date AND day < $5::date
    UNION ALL ${tail.join(' UNION ALL ')}`;
  return `SELECT grp::text, GROUPING(mine, grp) = 3 AS total, mine, ${COUNTS.map((c) => `sum(${c}) AS ${c}`).join(', ')}
    FROM (${groupedRows(groupBy, rows, COUNTS.map((c) => `k.${c}`).join(', '))}) r ${SETS}`;
}

/**
 * A rolled query's quantiles over the values of the same days and records as rolledCounts: the
 * caller's groups, or the network's (two statements, so that the two sorts of a year's values run
 * side by side).
 */
export function rolledQuantiles(name: QueryName, groupBy: RolledGrouping, records: boolean, part: 'groups' | 'network'): string {
  const values = `${ROLLED[name]!.values!}_values`;
  const rows = `SELECT day, dealer_id, source, ${values} FROM scorecard_day WHERE day >= $4::date AND day < $5::date AND cardinality(${values}) > 0
    UNION ALL SELECT day, dealer_id, source, ${values} FROM (${QUERIES[name]('day')}) t WHERE ${records}`;
  const quantiles = quantilesOf('v', ROLLED[name]!.values!);
  const unnested = groupedRows(groupBy, rows, `unnest(k.${values}) AS v`);
  // By group: each group's values gathered by hashing, then sorted group by group (not a year's
  // values sorted by group first, which spills to disk).
  return part === 'groups'
    ? `SELECT g.grp::text, false AS total, true AS mine, q.* FROM (SELECT grp, array_agg(v) AS vs FROM (${unnested}) r WHERE mine GROUP BY grp) g
       CROSS JOIN LATERAL (SELECT ${quantiles} FROM unnest(g.vs) AS v) q`
    : `SELECT NULL::text AS grp, true AS total, NULL::boolean AS mine, ${quantiles} FROM (${unnested}) r`;
}

/**
 * Distinct customers: per row, its leads of new customers and those whose previous lead is before
 * the window's first day ($4); the network and the groups by dealer or region count any source,
 * the groups by source the lead's own.
 */
export function rolledCustomers(groupBy: RolledGrouping, records: boolean): string {
  const columns = ROLLED_OWN_READER.customers.join(', ');
  const rows = `SELECT day, dealer_id, source, ${columns} FROM scorecard_day WHERE day >= $4::date AND day < $5::date AND dealer_id = ''
      AND (new_customers > 0 OR new_customers_by_source > 0 OR cardinality(prev_days) > 0 OR cardinality(prev_days_by_source) > 0)
    UNION ALL SELECT day, dealer_id, source, ${columns} FROM (${QUERIES.customers('day')}) t WHERE ${records}`;
  const counted = (news: string, days: string, from: string) => `k.${news} + (SELECT count(*) FROM unnest(k.${days}) AS d WHERE d < ${from})`;
  // By week each week is a window of its own (its Monday is its start); the total is the whole window's.
  const [groupColumn, groupFrom] = groupBy === 'week' ? ['new_customers', weekOf('k.day')]
    : groupBy === 'source' ? ['new_customers_by_source', '$4::date'] : ['new_customers', '$4::date'];
  const groupDays = groupColumn === 'new_customers' ? 'prev_days' : 'prev_days_by_source';
  return `SELECT grp::text, GROUPING(mine, grp) = 3 AS total, mine,
      CASE WHEN GROUPING(mine, grp) = 3 THEN sum(in_window) ELSE sum(in_group) END AS unique_customers
    FROM (${groupedRows(groupBy, rows, `${counted('new_customers', 'prev_days', '$4::date')} AS in_window, ${counted(groupColumn, groupDays, groupFrom)} AS in_group`)}) r ${SETS}`;
}

/**
 * Owned customer-years in [F, T) ($4 as a time, $2): each spell's years there are g(start) − g(end)
 * with g(t) = T − max(t, F) for t < T; so the spells started before F count T − F each (their
 * starts minus ends before F: every rolled day before F), and each start or end from F on counts
 * ± (T − t). Exact: the same seconds the records give, summed, then made years.
 */
export function rolledOwned(groupBy: RolledGrouping, records: boolean): string {
  const rows = `SELECT day, dealer_id, source, owner_delta, owner_delta_epoch FROM scorecard_day WHERE day < $5::date AND (owner_delta <> 0 OR owner_delta_epoch <> 0)
    UNION ALL SELECT day, dealer_id, source, owner_delta, owner_delta_epoch FROM (${QUERIES.owned('day')}) t WHERE ${records}`;
  const epoch = (day: string) => `EXTRACT(EPOCH FROM (${day}::timestamp AT TIME ZONE 'UTC'))`;
  /** The seconds a row's starts and ends give the window [from, until) (`from` a date, `until` epoch seconds). */
  const seconds = (from: string, until: string) => `CASE WHEN r.day < ${from} THEN (${until} - ${epoch(from)}) * r.owner_delta
      ELSE ${until} * r.owner_delta - r.owner_delta_epoch END`;
  const windowEnd = 'EXTRACT(EPOCH FROM $2::timestamptz)';
  const unnamed = groupedRows(groupBy, rows, 'k.owner_delta, k.owner_delta_epoch');
  if (groupBy === 'week') {
    // Each week of the window is a window of its own: the caller's rows before its end, per week.
    return `SELECT to_char(w.monday, 'YYYY-MM-DD') AS grp, false AS total, true AS mine, COALESCE(sum(${seconds('w.monday', epoch('(w.monday + 7)'))}), 0) / ${YEAR_SECONDS} AS owned_years
        FROM (SELECT $4::date + 7 * i AS monday FROM generate_series(0, (($2::timestamptz AT TIME ZONE 'UTC')::date - $4::date) / 7 - 1) AS i) w
        JOIN (${unnamed}) r ON r.mine AND r.day < w.monday + 7 GROUP BY w.monday
      UNION ALL
      SELECT NULL, true, NULL, COALESCE(sum(${seconds('$4::date', windowEnd)}), 0) / ${YEAR_SECONDS} FROM (${unnamed}) r`;
  }
  return `SELECT grp::text, GROUPING(mine, grp) = 3 AS total, mine, COALESCE(sum(${seconds('$4::date', windowEnd)}), 0) / ${YEAR_SECONDS} AS owned_years
    FROM (${unnamed}) r ${SETS}`;
}

/** The earliest day any counted record is for (the first run starts there). */
const EARLIEST = `SELECT (LEAST(
  (SELECT min(received_at) FROM lead), (SELECT min(at) FROM journey_stage_change), (SELECT min(at) FROM handoff_event),
  (SELECT min(at) FROM ownership_change), (SELECT min(at) FROM sale), (SELECT min(at) FROM aftersales_event),
  (SELECT min(sent_at) FROM communication), (SELECT min(answered_at) FROM survey_answer)) AT TIME ZONE 'UTC')::date::text AS day`;

/**
 * How long after midnight (UTC) a day is rolled up. A record written within an hour of its time
 * leaves no mark (the tables' triggers: the journeys' own writes cost one comparison), so a day
 * waits for those, and for their transactions to commit, before it is read.
 */
const ROLLUP_LAG = '2 hours 15 minutes';

export interface RollupRun {
  /** The days written, [from, to); from = to when there was nothing to write. */
  from: string;
  to: string;
  /** Late records' marks taken into account (one per day and transaction that wrote some). */
  marks: number;
  /** Roll-up rows (day, dealer, source) of the days written. */
  rows: number;
}

/**
 * Writes the roll-ups of the days before today (from 02:15 UTC, ROLLUP_LAG) not written yet, and again from the earliest day a late record marked. `before` moves "today" (the
 * bench, whose records run into next year; never later than today where records are being
 * written: a record of a day between would not be marked). One
 * transaction on one snapshot: the marks it clears are those whose records it read. Two runs at
 * once: the second fails on serialization and its activity retries.
 */
export function rollUpScorecard(pool: pg.Pool, { before }: { before?: Date } = {}): Promise<RollupRun> {
  return inTransaction(pool, async (sql) => {
    await sql.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET LOCAL work_mem = '64MB'; SET LOCAL jit = off");
    const state = (await sql.query<{ rolled_before: string }>('SELECT rolled_before::text FROM scorecard_rollup FOR UPDATE')).rows[0]?.rolled_before ?? null;
    const marked = (await sql.query<{ day: string | null; marks: string }>('SELECT min(day)::text AS day, count(*) AS marks FROM scorecard_stale')).rows[0]!;
    const until = before ? dayOf(before)
      : (await sql.query<{ day: string }>(`SELECT ((now() - interval '${ROLLUP_LAG}') AT TIME ZONE 'UTC')::date::text AS day`)).rows[0]!.day;
    const to = state && state > until ? state : until;
    const start = state ?? (await sql.query<{ day: string | null }>(EARLIEST)).rows[0]!.day ?? to;
    const from = marked.day !== null && marked.day < start ? marked.day : start;
    let rows = 0;
    if (from < to) {
      const window = [midnight(from).toISOString(), midnight(to).toISOString()];
      await sql.query('DELETE FROM scorecard_day WHERE day >= $1::date AND day < $2::date', [from, to]);
      const rolled = [
        ...(Object.entries(ROLLED) as [QueryName, { counts: string[]; values?: string }][])
          .map(([name, { counts, values }]) => [name, [...counts, ...(values ? [`${values}_values`] : [])]] as const),
        ...(Object.entries(ROLLED_OWN_READER) as [QueryName, string[]][]),
      ];
      for (const [name, columns] of rolled) {
        await sql.query(`
          INSERT INTO scorecard_day (day, dealer_id, source, ${columns.join(', ')})
          SELECT day, dealer_id, source, ${columns.join(', ')} FROM (${QUERIES[name]('day')}) q
          ON CONFLICT (day, dealer_id, source) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`, window);
      }
      rows = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM scorecard_day WHERE day >= $1::date AND day < $2::date', [from, to])).rows[0]!.n);
    }
    await sql.query(`
      INSERT INTO scorecard_rollup (singleton, rolled_before, rolled_at) VALUES (true, $1::date, now())
      ON CONFLICT (singleton) DO UPDATE SET rolled_before = EXCLUDED.rolled_before, rolled_at = EXCLUDED.rolled_at`, [to]);
    // The marks this snapshot saw (repeatable read: one made since is not, and stays for the next run).
    await sql.query('DELETE FROM scorecard_stale');
    return { from: from < to ? from : to, to, marks: Number(marked.marks), rows };
  });
}
