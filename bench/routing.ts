// Routing at network size (issue 31, goal 1), on real PostgreSQL: the hand-off decision as the
// journeys run it (activities/routing.ts: candidates by territory index, open load from the
// counter, locks on the candidates only) against the one before it, kept here as the baseline
// (every active dealer locked, every IN_SALES journey counted), both measured in this run:
//   - a small network (11 dealers, no journeys) and the network size (3,000 dealers in 300
//     territories, 1,000,000 journeys of which 200,000 IN_SALES);
//   - one hand-off at a time, and 16 at once in 16 different territories;
//   - fairness: 10,000 concurrent hand-offs over the 10 dealers of one territory.
// Prints rates and ratios; nothing asserted.   npm run bench:routing   (BENCH_JOURNEYS=1000000)
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { routeHandoffWithin, type RouteHandoffInput } from '../activities/routing.js';
import { chooseDealer, FLEET_DESK, type RoutingChoice } from '../domain/routing.js';
import { createDb, inTransaction, sqlPoolOf } from '../platform/db.js';
import { createFreshDatabase } from '../test/support/infra.js';

const JOURNEYS = Number(process.env.BENCH_JOURNEYS ?? 1_000_000);
const SEQUENTIAL = 300;
const CONCURRENT = 16;
const FAIRNESS = Number(process.env.BENCH_FAIRNESS ?? 10_000);

/** The decision before issue 31, for the baseline: every active dealer locked, every open sale counted. */
async function networkLockRoute(sql: pg.ClientBase, input: RouteHandoffInput): Promise<RoutingChoice> {
  const customer = await sql.query<{ postal_code: string | null }>('SELECT postal_code FROM customer WHERE id = $1::uuid', [input.customerId]);
  const dealers = await sql.query<{ id: string; active: boolean; territory: string[]; capacity: number; last_offer_turn: number | null; capabilities: string[] }>(
    'SELECT id, active, territory, capacity, last_offer_turn::float8 AS last_offer_turn, capabilities FROM dealer WHERE active ORDER BY id FOR UPDATE');
  const load = await sql.query<{ dealer_id: string; open: number }>(
    "SELECT dealer_id, count(*)::int AS open FROM journey WHERE stage = 'IN_SALES' AND dealer_id IS NOT NULL GROUP BY dealer_id");
  const openLoad = new Map(load.rows.map((l) => [l.dealer_id, l.open]));
  const choice = chooseDealer(dealers.rows.map((d) => ({
    id: d.id, active: d.active, territory: d.territory, capacity: d.capacity, openLoad: openLoad.get(d.id) ?? 0, lastOfferTurn: d.last_offer_turn, fleetDesk: d.capabilities.includes(FLEET_DESK),
  })), { postalCode: customer.rows[0]?.postal_code ?? null, preferredDealerId: null, alreadyTried: [], fleet: false });
  if (choice.dealerId) await sql.query("UPDATE dealer SET last_offered_at = now(), last_offer_turn = nextval('dealer_offer_turn') WHERE id = $1", [choice.dealerId]);
  return choice;
}

type Router = (sql: pg.ClientBase, input: RouteHandoffInput) => Promise<unknown>;
const ROUTERS: Record<string, Router> = { 'by territory (now)': routeHandoffWithin, 'network lock (before)': networkLockRoute };

const database = await createFreshDatabase('l2l_bench_routing');
const db = createDb(database.databaseUrl, { poolSize: CONCURRENT + 2 });
const pool = sqlPoolOf(db);
const q = (text: string, values: unknown[] = []) => pool.query(text, values);

/** Dealers `territories × perTerritory`, territories 3-digit prefixes from `first`. */
async function addDealers(prefix: string, territories: number, perTerritory: number, first = 100) {
  await q(`INSERT INTO dealer (id, name, territory, brands, capacity, updated_at)
           SELECT '${prefix}-' || t || '-' || n, 'Autohaus ' || t || '-' || n, ARRAY[(${first} + t)::text], ARRAY['VW'], 1000000, now()
           FROM generate_series(0, $1 - 1) t, generate_series(1, $2) n`, [territories, perTerritory]);
}
/** Customers in territory `first + t` for each t, `perTerritory` each; their ids, by territory. */
async function addCustomers(territories: number[], perTerritory: number): Promise<Map<number, string[]>> {
  const byTerritory = new Map<number, string[]>();
  for (const t of territories) {
    const ids = Array.from({ length: perTerritory }, () => randomUUID());
    await q('INSERT INTO customer (id, postal_code, updated_at) SELECT unnest($1::uuid[]), $2, now()', [ids, `${t}42`]);
    byTerritory.set(t, ids);
  }
  return byTerritory;
}

const input = (customerId: string): RouteHandoffInput => ({ key: `bench:${randomUUID()}`, customerId, preferredDealerId: null, alreadyTried: [], fleet: false });
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

/** One at a time, then 16 at once in 16 territories: rates per second and the p50 of one decision. */
async function measure(router: Router, customers: Map<number, string[]>, territories: number[]) {
  const one = customers.get(territories[0]!)!;
  for (let i = 0; i < 50; i++) await inTransaction(pool, (sql) => router(sql, input(one[i % one.length]!))); // warm: plans, caches
  const took: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = performance.now();
    await inTransaction(pool, (sql) => router(sql, input(one[i % one.length]!)));
    took.push(performance.now() - t);
  }
  const sequentialRate = SEQUENTIAL / ((performance.now() - t0) / 1000);
  const t1 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENT }, async (_, w) => {
    const ids = customers.get(territories[w % territories.length]!)!;
    for (let i = 0; i < SEQUENTIAL / 4; i++) await inTransaction(pool, (sql) => router(sql, input(ids[i % ids.length]!)));
  }));
  const concurrentRate = (CONCURRENT * SEQUENTIAL) / 4 / ((performance.now() - t1) / 1000);
  return { sequentialRate, concurrentRate, p50: percentile(took, 0.5), p95: percentile(took, 0.95) };
}

/** PostgreSQL's own CPU so far (all its processes), in ms, from /proc: where a hand-off's time goes. */
function cpuOfPostgres(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
    } catch { /* the process ended meanwhile */ }
  }
  return ticks * 10; // 100 ticks a second
}

try {
  const territories = Array.from({ length: CONCURRENT }, (_, i) => 100 + i * 7);
  const customers = await addCustomers(territories, 200);
  const results: Record<string, Record<string, Awaited<ReturnType<typeof measure>>>> = {};

  console.log('small network: 11 dealers (one territory of 10 and one more), no journeys');
  await addDealers('SMALL', 1, 10, 100);
  await addDealers('SMALL1', 1, 1, 107);
  for (const [name, router] of Object.entries(ROUTERS)) (results[name] ??= {}).small = await measure(router, customers, territories.slice(0, 2));
  await q("DELETE FROM dealer WHERE id LIKE 'SMALL%'");

  console.log(`network size: 3,000 dealers in 300 territories, ${JOURNEYS.toLocaleString('en')} journeys (${(JOURNEYS / 5).toLocaleString('en')} IN_SALES) — filling the database…`);
  await addDealers('D', 300, 10);
  const fill = performance.now();
  const batch = 100_000;
  for (let from = 0; from < JOURNEYS; from += batch) {
    await q(`WITH c AS (INSERT INTO customer (id, postal_code, updated_at)
               SELECT gen_random_uuid(), (100 + (g % 300))::text || '99', now() FROM generate_series($1::int, $2::int) g RETURNING id, postal_code)
             INSERT INTO journey (id, customer_id, stage, owner, dealer_id, started_at, stage_changed_at, updated_at)
             SELECT 'journey-' || c.id, c.id,
                    CASE WHEN row_number() OVER () % 5 = 0 THEN 'IN_SALES' ELSE 'DEALER_OWNED' END, 'DEALER',
                    'D-' || (left(c.postal_code, 3)::int - 100) || '-' || (1 + (row_number() OVER () % 10)), now(), now(), now()
             FROM c`, [from, Math.min(from + batch, JOURNEYS) - 1]);
  }
  await q('ANALYZE');
  console.log(`  filled in ${((performance.now() - fill) / 1000).toFixed(0)} s; open sales counted by the trigger: ${(await q('SELECT sum(open)::int AS n FROM dealer_open_load')).rows[0].n}`);
  const spread = Array.from({ length: CONCURRENT }, (_, i) => 100 + i * 7); // 16 of the 300 territories
  for (const [name, router] of Object.entries(ROUTERS)) {
    const pgBefore = cpuOfPostgres();
    results[name]!.network = await measure(router, customers, spread);
    const pgMs = cpuOfPostgres() - pgBefore;
    console.log(`  ${name}: PostgreSQL CPU ${(pgMs / (SEQUENTIAL + (CONCURRENT * SEQUENTIAL) / 4)).toFixed(2)} ms per hand-off`);
  }

  const f = (x: number) => x.toFixed(1).padStart(8);
  console.log('\nhand-offs per second (p50 / p95 of one decision, one at a time)');
  console.log(`${''.padEnd(24)}${'small 1×'.padStart(10)}${'small 16×'.padStart(10)}${'network 1×'.padStart(12)}${'network 16×'.padStart(13)}   p50 / p95 ms`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`${name.padEnd(24)}${f(r.small!.sequentialRate)}  ${f(r.small!.concurrentRate)}  ${f(r.network!.sequentialRate)}    ${f(r.network!.concurrentRate)}     ${r.network!.p50.toFixed(2)} / ${r.network!.p95.toFixed(2)}`);
  }
  const now = results['by territory (now)']!;
  const before = results['network lock (before)']!;
  console.log('\nratios (goals from issue 31)');
  console.log(`  network vs small network, 16 at once, now:            ${(now.network!.concurrentRate / now.small!.concurrentRate).toFixed(2)}× (goal ≥ 0.9×)`);
  console.log(`  now vs before at network size, 16 at once:             ${(now.network!.concurrentRate / before.network!.concurrentRate).toFixed(2)}× (goal ≥ 3×)`);
  console.log(`  16 at once vs 16 × one at a time, now (no global lock): ${(now.network!.concurrentRate / (16 * now.network!.sequentialRate)).toFixed(2)}× (goal ≥ 0.8×; two cores bound it near 2/16)`);
  console.log(`  decision p50 now: ${now.network!.p50.toFixed(2)} ms (goal ≤ 5 ms)`);

  // Fairness: FAIRNESS concurrent hand-offs over the 10 dealers of territory 250.
  const fair = await addCustomers([250], FAIRNESS);
  const counts = new Map<string, number>();
  const ids = fair.get(250)!;
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENT }, async () => {
    while (next < ids.length) {
      const route = await inTransaction(pool, (sql) => routeHandoffWithin(sql, input(ids[next++]!)));
      counts.set(route.dealerId!, (counts.get(route.dealerId!) ?? 0) + 1);
    }
  }));
  const shares = [...counts.values()];
  console.log(`\nfairness: ${FAIRNESS.toLocaleString('en')} concurrent hand-offs over ${counts.size} dealers: shares ${Math.min(...shares)}–${Math.max(...shares)} (goal: within ±1 of equal)`);
} finally {
  await db.$disconnect();
  await database.drop();
}
