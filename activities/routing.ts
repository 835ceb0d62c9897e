import type pg from 'pg';
import type { BusinessHours } from '../domain/business-hours.js';
import { chooseDealer, FLEET_DESK, type RoutingChoice } from '../domain/routing.js';
import type { PrismaClient } from '../platform/db.js';

export interface RoutingDeps {
  db: PrismaClient;
}

export interface RouteHandoffInput {
  customerId: string;
  preferredDealerId: string | null;
  alreadyTried: string[];
  /** A company's journey: fleet-desk dealers only (absent from journeys that route without it: false). */
  fleet?: boolean;
}

export type HandoffRoute = RoutingChoice & { acceptanceSlaMs?: number; businessHours?: BusinessHours };

interface DealerRow {
  id: string;
  active: boolean;
  territory: string[];
  capacity: number;
  last_offered_at: Date | null;
  acceptance_sla_minutes: number | null;
  business_hours: BusinessHours['weekly'] | null;
  time_zone: string;
  closed_on: string[];
  capabilities: string[];
}

/**
 * Picks the dealer for a hand-off with the pure routing rules, from the dealers, their open
 * sales load and the rotation record, inside the caller's transaction: dealers are locked and
 * the rotation updated there, so concurrent journeys rotate fairly. Journeys route as part of
 * recording a transition (one transaction); the activity below is for running journeys that
 * still call it on its own.
 */
export async function routeHandoffWithin(sql: pg.ClientBase, input: RouteHandoffInput): Promise<HandoffRoute> {
  const customer = await sql.query<{ postal_code: string | null }>({
    name: 'routing-customer', text: 'SELECT postal_code FROM customer WHERE id = $1::uuid', values: [input.customerId],
  });
  const dealers = await sql.query<DealerRow>({
    name: 'routing-dealers',
    text: `SELECT id, active, territory, capacity, last_offered_at, acceptance_sla_minutes, business_hours, time_zone, closed_on, capabilities
           FROM dealer WHERE active ORDER BY id FOR UPDATE`,
  });
  const load = await sql.query<{ dealer_id: string; open: number }>({
    name: 'routing-open-load',
    text: `SELECT dealer_id, count(*)::int AS open FROM journey WHERE stage = 'IN_SALES' AND dealer_id IS NOT NULL GROUP BY dealer_id`,
  });
  const openLoad = new Map(load.rows.map((l) => [l.dealer_id, l.open]));
  const choice = chooseDealer(
    dealers.rows.map((d) => ({
      id: d.id, active: d.active, territory: d.territory, capacity: d.capacity,
      openLoad: openLoad.get(d.id) ?? 0, lastOfferedAt: d.last_offered_at?.toISOString() ?? null, fleetDesk: d.capabilities.includes(FLEET_DESK),
    })),
    { postalCode: customer.rows[0]?.postal_code ?? null, preferredDealerId: input.preferredDealerId, alreadyTried: input.alreadyTried, fleet: input.fleet ?? false },
  );
  if (!choice.dealerId) return choice;
  await sql.query({ name: 'routing-rotate', text: 'UPDATE dealer SET last_offered_at = now(), updated_at = now() WHERE id = $1', values: [choice.dealerId] });
  const chosen = dealers.rows.find((d) => d.id === choice.dealerId)!;
  // A dealer's own acceptance SLA replaces the OEM's for offers to that dealer; with
  // opening hours, the journey counts the SLA in open time only.
  const weekly = chosen.business_hours;
  return {
    ...choice,
    ...(chosen.acceptance_sla_minutes ? { acceptanceSlaMs: chosen.acceptance_sla_minutes * 60_000 } : {}),
    ...(weekly ? { businessHours: { timeZone: chosen.time_zone, weekly, ...(chosen.closed_on.length ? { closedOn: chosen.closed_on } : {}) } } : {}),
  };
}
