import type pg from 'pg';
import type { BusinessHours } from '../domain/business-hours.js';
import { chooseDealer, FLEET_DESK, type RoutingChoice } from '../domain/routing.js';
import type { PrismaClient } from '../platform/db.js';

export interface RoutingDeps {
  db: PrismaClient;
}

export interface RouteHandoffInput {
  /** The transition's record key: a retried transition gets the choice made the first time. */
  key: string;
  customerId: string;
  preferredDealerId: string | null;
  alreadyTried: string[];
  /** A company's journey: fleet-desk dealers only. */
  fleet: boolean;
}

export type HandoffRoute = RoutingChoice & { acceptanceSlaMs?: number; businessHours?: BusinessHours };

interface DealerRow {
  id: string;
  active: boolean;
  territory: string[];
  capacity: number;
  open_load: number;
  last_offer_turn: number | null;
  acceptance_sla_minutes: number | null;
  business_hours: BusinessHours['weekly'] | null;
  time_zone: string;
  closed_on: string[];
  capabilities: string[];
}

const DEALER_COLUMNS = `d.id, d.active, d.territory, d.capacity, coalesce(l.open, 0)::int AS open_load, d.last_offer_turn::float8 AS last_offer_turn,
  d.acceptance_sla_minutes, d.business_hours, d.time_zone, d.closed_on, d.capabilities`;

/** Every prefix of a postal code, as territories are written (upper case, no spaces): 10115 → 1, 10, 101, 1011, 10115. */
export function postalPrefixes(postalCode: string | null): string[] {
  const code = (postalCode ?? '').replace(/\s+/g, '').toUpperCase().slice(0, MAX_TERRITORY_PREFIX);
  return Array.from({ length: code.length }, (_, i) => code.slice(0, i + 1));
}
/** The longest territory prefix a dealer may have (api/routes/dealers.ts). */
const MAX_TERRITORY_PREFIX = 10;

/**
 * Picks the dealer for a hand-off with the pure routing rules, inside the caller's transaction
 * (the transition's records): only the dealers that could take this customer — the preferred one
 * and those whose territory covers a prefix of the postal code, found through the territory index
 * — are read and locked, in id order, so hand-offs in other territories never wait for this one
 * and concurrent hand-offs in one territory rotate fairly. Open load comes from the counter the
 * journey rows keep (migration 0019), not from counting journeys. The choice is kept under the
 * transition's key: a retry answers it again and rotates nothing.
 */
export async function routeHandoffWithin(sql: pg.ClientBase, input: RouteHandoffInput): Promise<HandoffRoute> {
  const decided = await sql.query<{ dealer_id: string | null; reason: RoutingChoice['reason'] }>({
    name: 'routing-decided', text: 'SELECT dealer_id, reason FROM handoff_route WHERE key = $1', values: [input.key],
  });
  if (decided.rows[0]) return routeOf(sql, decided.rows[0]);
  const customer = await sql.query<{ postal_code: string | null }>({
    name: 'routing-customer', text: 'SELECT postal_code FROM customer WHERE id = $1::uuid', values: [input.customerId],
  });
  const postalCode = customer.rows[0]?.postal_code ?? null;
  const candidates = await sql.query<DealerRow>({
    name: 'routing-candidates',
    text: `SELECT ${DEALER_COLUMNS}
           FROM dealer d LEFT JOIN dealer_open_load l ON l.dealer_id = d.id
           WHERE d.active AND (d.territory && $1::text[] OR d.id = $2)
           ORDER BY d.id FOR UPDATE OF d`,
    values: [postalPrefixes(postalCode), input.preferredDealerId],
  });
  const choice = chooseDealer(
    candidates.rows.map((d) => ({
      id: d.id, active: d.active, territory: d.territory, capacity: d.capacity,
      openLoad: d.open_load, lastOfferTurn: d.last_offer_turn, fleetDesk: d.capabilities.includes(FLEET_DESK),
    })),
    { postalCode, preferredDealerId: input.preferredDealerId, alreadyTried: input.alreadyTried, fleet: input.fleet },
  );
  await sql.query({
    name: 'routing-keep', text: 'INSERT INTO handoff_route (key, dealer_id, reason) VALUES ($1, $2, $3)', values: [input.key, choice.dealerId, choice.reason],
  });
  if (++decisions % PRUNE_EVERY === 0) await pruneHandoffRoutes(sql);
  if (!choice.dealerId) return choice;
  await sql.query({ name: 'routing-rotate', text: "UPDATE dealer SET last_offered_at = now(), last_offer_turn = nextval('dealer_offer_turn'), updated_at = now() WHERE id = $1", values: [choice.dealerId] });
  return withDealerTerms(choice, candidates.rows.find((d) => d.id === choice.dealerId)!);
}

/** Kept choices are for retries of their transition (seconds to hours later); a week is ample. */
export const HANDOFF_ROUTE_RETENTION_DAYS = 7;
const PRUNE_EVERY = 500;
const PRUNE_BATCH = 5_000;
let decisions = 0;

/**
 * Drops kept choices older than the retention, at most a batch at a time (every PRUNE_EVERY
 * decisions of this process, so a hand-off never pays for a long delete). Answers how many went.
 */
export async function pruneHandoffRoutes(sql: pg.ClientBase, retentionDays = HANDOFF_ROUTE_RETENTION_DAYS): Promise<number> {
  const pruned = await sql.query({
    name: 'routing-prune',
    text: `DELETE FROM handoff_route WHERE key IN (
             SELECT key FROM handoff_route WHERE decided_at < now() - make_interval(days => $1) ORDER BY decided_at LIMIT $2)`,
    values: [retentionDays, PRUNE_BATCH],
  });
  return pruned.rowCount ?? 0;
}

/** A choice made before (a retried transition): the same dealer, with its terms as they are now. */
async function routeOf(sql: pg.ClientBase, decided: { dealer_id: string | null; reason: RoutingChoice['reason'] }): Promise<HandoffRoute> {
  if (!decided.dealer_id) return { dealerId: null, reason: 'NO_CANDIDATE' };
  const dealer = await sql.query<DealerRow>({
    name: 'routing-dealer', text: `SELECT ${DEALER_COLUMNS} FROM dealer d LEFT JOIN dealer_open_load l ON l.dealer_id = d.id WHERE d.id = $1`, values: [decided.dealer_id],
  });
  return withDealerTerms({ dealerId: decided.dealer_id, reason: decided.reason as 'PREFERRED' | 'TERRITORY' }, dealer.rows[0]!);
}

function withDealerTerms(choice: HandoffRoute & { dealerId: string }, chosen: DealerRow): HandoffRoute {
  // A dealer's own acceptance SLA replaces the OEM's for offers to that dealer; with
  // opening hours, the journey counts the SLA in open time only.
  const weekly = chosen.business_hours;
  return {
    ...choice,
    ...(chosen.acceptance_sla_minutes ? { acceptanceSlaMs: chosen.acceptance_sla_minutes * 60_000 } : {}),
    ...(weekly ? { businessHours: { timeZone: chosen.time_zone, weekly, ...(chosen.closed_on.length ? { closedOn: chosen.closed_on } : {}) } } : {}),
  };
}
