// Routing at network size, against real PostgreSQL: a hand-off reads and locks only the dealers
// that could take the customer, rotates fairly among them under concurrency, never offers a
// dealer at capacity (the open-load counter follows the journey rows), and a retried transition
// gets the choice it got the first time. bench/routing.ts measures the same code at 3,000 dealers
// and 1,000,000 journeys; the fairness case here is 2,000 concurrent hand-offs (the issue's
// 10,000 are the benchmark's), enough for ±1 to mean something over 10 dealers.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDOFF_ROUTE_RETENTION_DAYS, pruneHandoffRoutes, routeHandoffWithin, type RouteHandoffInput } from '../../activities/routing.js';
import { createDb, inTransaction, sqlPoolOf, type PrismaClient } from '../../platform/db.js';
import { freshTestDatabase } from '../support/system.js';

let database: Awaited<ReturnType<typeof freshTestDatabase>>;
let db: PrismaClient;
let pool: pg.Pool;

beforeAll(async () => {
  database = await freshTestDatabase('l2l_routing');
  db = createDb(database.databaseUrl, { poolSize: 16 });
  pool = sqlPoolOf(db);
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const tag = () => randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');

async function dealersIn(territory: string, count: number, capacity = 1_000_000): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `DLR-R-${territory}-${String(i).padStart(2, '0')}`);
  await db.dealer.createMany({ data: ids.map((id) => ({ id, name: id, territory: [territory], brands: ['VW'], capacity })) });
  return ids;
}

async function customersAt(postalCode: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await db.customer.createMany({ data: ids.map((id) => ({ id, postalCode })) });
  return ids;
}

const input = (customerId: string, over: Partial<RouteHandoffInput> = {}): RouteHandoffInput => ({
  key: `journey-${customerId}:1:route`, customerId, preferredDealerId: null, alreadyTried: [], fleet: false, ...over,
});
const route = (i: RouteHandoffInput) => inTransaction(pool, (sql) => routeHandoffWithin(sql, i));

describe('routing a hand-off', () => {
  it('2,000 concurrent hand-offs over the 10 dealers of one territory: each gets its share ±1', async () => {
    const territory = `F${tag()}`;
    const dealers = await dealersIn(territory, 10);
    const customers = await customersAt(`${territory}7`, 2_000);
    const chosen = await Promise.all(customers.map((c) => route(input(c))));
    const shares = new Map(dealers.map((d) => [d, 0]));
    for (const c of chosen) shares.set(c.dealerId!, shares.get(c.dealerId!)! + 1);
    expect(chosen.every((c) => c.reason === 'TERRITORY')).toBe(true);
    const counts = [...shares.values()];
    expect(Math.max(...counts) - Math.min(...counts), JSON.stringify(Object.fromEntries(shares))).toBeLessThanOrEqual(1);
  }, 120_000);

  it('a dealer at capacity is passed over; the open load follows the journey rows as they change', async () => {
    const territory = `C${tag()}`;
    const [full, other] = await dealersIn(territory, 2, 2);
    const [a, b, c] = await customersAt(`${territory}1`, 3);
    const journeyRow = (customerId: string, stage: string) => ({
      id: `journey-${customerId}`, customerId, stage, owner: 'DEALER_SALES', dealerId: full!, startedAt: new Date(), stageChangedAt: new Date(),
    });
    await db.journey.createMany({ data: [journeyRow(a!, 'IN_SALES'), journeyRow(b!, 'IN_SALES')] });
    expect(await db.dealerOpenLoad.findUnique({ where: { dealerId: full! } })).toMatchObject({ open: 2 });
    // The full dealer was never offered a lead, so rotation alone would pick it first.
    expect(await route(input(c!))).toMatchObject({ dealerId: other, reason: 'TERRITORY' });

    await db.journey.update({ where: { id: `journey-${a}` }, data: { stage: 'DEALER_OWNED', owner: 'DEALER' } });
    await db.journey.update({ where: { id: `journey-${b}` }, data: { revision: 2 } }); // a write that changes neither stage nor dealer
    expect(await db.dealerOpenLoad.findUnique({ where: { dealerId: full! } })).toMatchObject({ open: 1 });
    expect(await route(input(c!, { key: `journey-${c}:2:route` }))).toMatchObject({ dealerId: full });
    const [counted] = await db.$queryRaw<{ open: number }[]>`SELECT count(*)::int AS open FROM journey WHERE stage = 'IN_SALES' AND dealer_id = ${full}`;
    expect(counted!.open).toBe(1);
  });

  it('a retried transition gets the same dealer and rotates nothing', async () => {
    const territory = `K${tag()}`;
    await dealersIn(territory, 3);
    const [customer, next] = await customersAt(`${territory}2`, 2);
    const first = await route(input(customer!));
    const turn = (await db.dealer.findUniqueOrThrow({ where: { id: first.dealerId! } })).lastOfferTurn;
    const again = await route(input(customer!));
    expect(again).toEqual(first);
    expect((await db.dealer.findUniqueOrThrow({ where: { id: first.dealerId! } })).lastOfferTurn).toEqual(turn);
    // The next hand-off goes on with the rotation: another dealer.
    expect((await route(input(next!))).dealerId).not.toBe(first.dealerId);
  });

  it('kept choices older than the retention are pruned; a retry within it still gets its first answer', async () => {
    const territory = `R${tag()}`;
    await dealersIn(territory, 2);
    const [old, recent] = await customersAt(`${territory}4`, 2);
    await route(input(old!));
    const recentChoice = await route(input(recent!));
    await db.handoffRoute.update({ where: { key: input(old!).key }, data: { decidedAt: new Date(Date.now() - (HANDOFF_ROUTE_RETENTION_DAYS + 1) * 86_400_000) } });
    expect(await inTransaction(pool, (sql) => pruneHandoffRoutes(sql))).toBeGreaterThanOrEqual(1);
    expect(await db.handoffRoute.findUnique({ where: { key: input(old!).key } })).toBeNull();
    expect(await route(input(recent!))).toEqual(recentChoice);
  });

  it('locks only the dealers that could take the customer: a hand-off elsewhere does not wait', async () => {
    const [here, elsewhere] = [`L${tag()}`, `M${tag()}`];
    await dealersIn(here, 2);
    await dealersIn(elsewhere, 2);
    const [holder, waiter, free] = [...await customersAt(`${here}3`, 2), ...await customersAt(`${elsewhere}3`, 1)];
    const held = await pool.connect();
    try {
      await held.query('BEGIN');
      await routeHandoffWithin(held, input(holder!)); // holds the locks of `here`'s dealers until it ends
      const withLockTimeout = (i: RouteHandoffInput) => inTransaction(pool, async (sql) => {
        await sql.query("SET LOCAL lock_timeout = '300ms'");
        return routeHandoffWithin(sql, i);
      });
      await expect(withLockTimeout(input(free!))).resolves.toMatchObject({ reason: 'TERRITORY' });
      await expect(withLockTimeout(input(waiter!))).rejects.toThrow(/lock timeout/);
    } finally {
      await held.query('ROLLBACK');
      held.release();
    }
  });

  it('the preferred dealer comes first wherever it is; a company only to a fleet desk; no postal code and no preference: no candidate', async () => {
    const territory = `P${tag()}`;
    const [local] = await dealersIn(territory, 1);
    const far = await dealersIn(`Q${tag()}`, 1);
    await db.dealer.update({ where: { id: far[0]! }, data: { capabilities: ['FLEET_DESK'] } });
    const [person, company, nowhere] = await customersAt(`${territory}9`, 3);
    expect(await route(input(person!, { preferredDealerId: far[0]! }))).toMatchObject({ dealerId: far[0], reason: 'PREFERRED' });
    expect(await route(input(company!, { fleet: true }))).toEqual({ dealerId: null, reason: 'NO_CANDIDATE' });
    expect(await route(input(company!, { key: 'x:fleet', fleet: true, preferredDealerId: far[0]! }))).toMatchObject({ dealerId: far[0] });
    await db.customer.update({ where: { id: nowhere! }, data: { postalCode: null } });
    expect(await route(input(nowhere!))).toEqual({ dealerId: null, reason: 'NO_CANDIDATE' });
    expect(local).toBeDefined();
  });
});
