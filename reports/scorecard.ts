// The process captains' scorecard, computed in SQL from the records the journeys write
// (hand-off events, the ownership ledger, sales) — never by scanning Temporal. This first part
// covers the engagement process (hand-off and sales) per dealer and for the whole network, in
// one pass per record table (GROUPING SETS give the network's row beside the dealers').
import type pg from 'pg';

/** Who captains which process (the seed article's "processes jointly shared and captained"). */
export const PROCESS_CAPTAINS = { engagement: 'DEALER_SALES_MANAGER' } as const;

export interface EngagementRow {
  offered: number;
  accepted: number;
  declined: number;
  slaBreaches: number;
  /** Accepted per offered, 0…1; null without offers. */
  acceptRate: number | null;
  /** Minutes from the offer to its acceptance. */
  timeToAcceptMinutes: { median: number | null; p90: number | null };
  sold: number;
  /** Days from accepting the hand-off to the sale. */
  timeToSaleDays: { median: number | null; p90: number | null };
  /** Sales ownership that ended without a sale: lost, no-show, sales window expired. */
  fellBack: number;
  /** Customers moved away from the dealer by ops. */
  reassignedAway: number;
}

export interface Scorecard {
  from: string;
  to: string;
  groupBy: 'dealer';
  processes: {
    process: keyof typeof PROCESS_CAPTAINS;
    captain: (typeof PROCESS_CAPTAINS)[keyof typeof PROCESS_CAPTAINS];
    rows: (EngagementRow & { dealerId: string })[];
    network: EngagementRow;
  }[];
}

type Keyed<T> = T & { dealer_id: string | null; total: boolean };
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const round = (v: number | null, digits = 1) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** `from` inclusive, `to` exclusive; `dealerId` limits the rows (the network's row stays whole). */
export async function engagementScorecard(sql: pg.Pool, { from, to, dealerId }: { from: Date; to: Date; dealerId?: string }): Promise<Scorecard> {
  const window = [from.toISOString(), to.toISOString()];
  const [offers, accepts, sales, ledger] = await Promise.all([
    sql.query<Keyed<{ offered: string; accepted: string; declined: string; sla_breaches: string }>>(`
      SELECT dealer_id, GROUPING(dealer_id) = 1 AS total,
             count(*) FILTER (WHERE kind = 'OFFERED') AS offered, count(*) FILTER (WHERE kind = 'ACCEPTED') AS accepted,
             count(*) FILTER (WHERE kind = 'DECLINED') AS declined, count(*) FILTER (WHERE kind = 'TIMED_OUT') AS sla_breaches
      FROM handoff_event WHERE at >= $1 AND at < $2
      GROUP BY GROUPING SETS ((dealer_id), ())`, window),
    // Each acceptance against the latest offer of the same journey to the same dealer at or
    // before it (window functions over those journeys' offers and acceptances: one sort, no
    // per-row look-ups).
    sql.query<Keyed<{ median: number | null; p90: number | null }>>(`
      SELECT dealer_id, GROUPING(dealer_id) = 1 AS total,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) AS median,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes) AS p90
      FROM (
        SELECT dealer_id, kind, at,
               EXTRACT(EPOCH FROM at - max(at) FILTER (WHERE kind = 'OFFERED') OVER (PARTITION BY journey_id, dealer_id ORDER BY at, kind DESC)) / 60 AS minutes
        FROM handoff_event
        WHERE kind IN ('OFFERED', 'ACCEPTED') AND at < $2
          AND journey_id IN (SELECT journey_id FROM handoff_event WHERE kind = 'ACCEPTED' AND at >= $1 AND at < $2)
      ) answered
      WHERE kind = 'ACCEPTED' AND at >= $1 AND minutes IS NOT NULL
      GROUP BY GROUPING SETS ((dealer_id), ())`, window),
    // Each sale against the selling dealer's latest start of sales ownership of that customer
    // at or before it (the same technique over sales and the ledger's starts).
    sql.query<Keyed<{ sold: string; median: number | null; p90: number | null }>>(`
      SELECT dealer_id, GROUPING(dealer_id) = 1 AS total, count(*) AS sold,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY days) AS p90
      FROM (
        SELECT dealer_id, is_sale,
               EXTRACT(EPOCH FROM at - max(at) FILTER (WHERE NOT is_sale) OVER (PARTITION BY customer_id, dealer_id ORDER BY at, is_sale)) / 86400 AS days
        FROM (
          SELECT customer_id, dealer_id, at, true AS is_sale FROM sale WHERE at >= $1 AND at < $2
          UNION ALL
          SELECT customer_id, to_dealer_id, at, false FROM ownership_change
          WHERE to_owner = 'DEALER_SALES' AND at < $2 AND customer_id IN (SELECT customer_id FROM sale WHERE at >= $1 AND at < $2)
        ) events
      ) sales
      WHERE is_sale
      GROUP BY GROUPING SETS ((dealer_id), ())`, window),
    sql.query<Keyed<{ fell_back: string; reassigned_away: string }>>(`
      SELECT from_dealer_id AS dealer_id, GROUPING(from_dealer_id) = 1 AS total,
             count(*) FILTER (WHERE from_owner = 'DEALER_SALES' AND to_owner = 'OEM'
                              AND (reason LIKE 'LOST%' OR reason IN ('NO_SHOW', 'SALES_WINDOW_EXPIRED'))) AS fell_back,
             count(*) FILTER (WHERE reason LIKE 'REASSIGNED%') AS reassigned_away
      FROM ownership_change WHERE from_dealer_id IS NOT NULL AND at >= $1 AND at < $2
      GROUP BY GROUPING SETS ((from_dealer_id), ())`, window),
  ]);

  const key = (r: { dealer_id: string | null; total: boolean }) => (r.total ? '' : r.dealer_id!);
  const by = <T extends { dealer_id: string | null; total: boolean }>(rows: T[]) => new Map(rows.map((r) => [key(r), r]));
  const o = by(offers.rows), a = by(accepts.rows), s = by(sales.rows), l = by(ledger.rows);
  const rowOf = (k: string): EngagementRow => {
    const offered = Number(o.get(k)?.offered ?? 0);
    const accepted = Number(o.get(k)?.accepted ?? 0);
    return {
      offered, accepted,
      declined: Number(o.get(k)?.declined ?? 0),
      slaBreaches: Number(o.get(k)?.sla_breaches ?? 0),
      acceptRate: offered > 0 ? round(accepted / offered, 3) : null,
      timeToAcceptMinutes: { median: round(num(a.get(k)?.median)), p90: round(num(a.get(k)?.p90)) },
      sold: Number(s.get(k)?.sold ?? 0),
      timeToSaleDays: { median: round(num(s.get(k)?.median)), p90: round(num(s.get(k)?.p90)) },
      fellBack: Number(l.get(k)?.fell_back ?? 0),
      reassignedAway: Number(l.get(k)?.reassigned_away ?? 0),
    };
  };
  // A dealer's key sees its own row (zeros when it had nothing) and the network's.
  const dealers = dealerId ? [dealerId] : [...new Set([...o.keys(), ...s.keys(), ...l.keys()])].filter((k) => k !== '').sort();
  return {
    from: window[0]!, to: window[1]!, groupBy: 'dealer',
    processes: [{
      process: 'engagement', captain: PROCESS_CAPTAINS.engagement,
      rows: dealers.map((d) => ({ dealerId: d, ...rowOf(d) })),
      network: rowOf(''),
    }],
  };
}
