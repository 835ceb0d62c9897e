// The scorecard over 100,000 journeys' worth of records (generated in SQL: leads, stage
// changes, offers, answers, lapses, the ownership ledger, sales, service visits, complaints,
// surveys, over a year and 200 dealers in 10 regions), against the floor of reading those
// tables once (a count over each). Prints the daily roll-ups' first run, then the scorecard's
// time for a month and a year by dealer and by the other groupings, with the roll-ups and from
// the records alone (their figures compared: it stops if they differ), and the ratio to the
// floor (issue 35's goal at 1,000,000 journeys: a year by dealer, region and source within a
// second; BENCH_JOURNEYS=1000000 takes about half an hour to generate). The records carry what the scorecard derives from them (the attributed lead, the
// offer an acceptance answers, a lead's being a duplicate: set by the database when a row is
// written), so it also prints what that costs a write: rows into the real tables against the
// same rows into copies without the triggers. No threshold asserted.
//   npm run bench:scorecard              # 100,000 journeys
//   BENCH_JOURNEYS=20000 npm run bench:scorecard
import pg from 'pg';
import { scorecard } from '../reports/scorecard.js';
import { rollUpScorecard } from '../reports/scorecard-rollups.js';
import { kpiTrend } from '../reports/kpis.js';
import { weeksBefore } from '../domain/kpis.js';
import { createFreshDatabase } from '../test/support/infra.js';

const journeys = Number(process.env.BENCH_JOURNEYS ?? 100_000);
const database = await createFreshDatabase('l2l_bench_scorecard');
// The API's pool size (DATABASE_POOL_SIZE): the scorecard's queries run side by side.
const sql = new pg.Pool({ connectionString: database.databaseUrl, max: 10 });
sql.on('error', () => {}); // the database is dropped at the end

async function timed(run: () => Promise<unknown>, times = 5): Promise<number> {
  await run(); // warm
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(times / 2)]!;
}

try {
  // Journey i: offered to dealer i % 200 at a time in 2026; 70 % accepted after up to 2 h (the
  // rest lapse and go to the next dealer, who accepts); 40 % of the accepted sell within 30 days,
  // 20 % fall back.
  const started = performance.now();
  const gen = await sql.connect(); // temporary tables live on one connection
  await gen.query(`
    CREATE TEMP TABLE gen AS
    SELECT i, 'journey-' || md5(i::text) AS journey_id, md5(i::text)::uuid AS customer_id,
           'DLR-' || (i % 200) AS first_dealer, 'DLR-' || ((i + 1) % 200) AS second_dealer,
           timestamptz '2026-01-01' + (i % 365) * interval '1 day' + (i % 600) * interval '1 minute' AS offered_at,
           (i % 10) < 7 AS first_accepts, (i % 5) < 2 AS sells, (i % 5) = 4 AS falls_back
    FROM generate_series(1, $1) AS i`, [journeys]);
  await gen.query(`
    INSERT INTO dealer (id, name, territory, brands, region, updated_at)
    SELECT 'DLR-' || d, 'Autohaus ' || d, ARRAY[lpad(d::text, 3, '0')], ARRAY['VW'], 'REGION-' || (d % 10), now() FROM generate_series(0, 199) AS d`);
  await gen.query(`INSERT INTO customer (id, email_normalized, updated_at) SELECT customer_id, 'c' || i || '@example.com', now() FROM gen`);
  await gen.query(`
    INSERT INTO journey (id, customer_id, stage, owner, started_at, stage_changed_at, updated_at)
    SELECT journey_id, customer_id, 'IN_SALES', 'DEALER_SALES', offered_at - interval '1 hour', offered_at, now() FROM gen`);
  // The rows' triggers look records up per row with plans made on first use: statistics first, or a
  // plan made for empty tables scans them per row (an hour at 1,000,000 journeys).
  await gen.query('ANALYZE customer; ANALYZE journey');
  // One lead per journey an hour before its offer, a third of them a second lead (a merged duplicate).
  await gen.query(`
    INSERT INTO lead (id, customer_id, source, campaign, interest_model, received_at)
    SELECT gen_random_uuid(), customer_id, (ARRAY['WEB_FORM', 'FAIR', 'ADF', 'PHONE'])[1 + i % 4]::"LeadSource",
           'CAMPAIGN-' || (i % 20), (ARRAY['ID.3', 'ID.4', 'ID.7', 'GOLF'])[1 + i % 4], offered_at - interval '1 hour' FROM gen
    UNION ALL
    SELECT gen_random_uuid(), customer_id, 'ADF', NULL, 'ID.7', offered_at - interval '40 minutes' FROM gen WHERE i % 3 = 0`);
  await gen.query('ANALYZE lead');
  await gen.query(`
    INSERT INTO journey_stage_change (key, journey_id, customer_id, from_stage, to_stage, dealer_id, at)
    SELECT journey_id || ':q', journey_id, customer_id, 'QUALIFYING', 'HANDED_OFF', NULL, offered_at - interval '30 minutes' FROM gen
    UNION ALL SELECT journey_id || ':d', journey_id, customer_id, 'QUALIFYING', 'DISQUALIFIED', NULL, offered_at FROM gen WHERE i % 50 = 0`);
  await gen.query(`
    INSERT INTO handoff_event (key, journey_id, dealer_id, kind, reason, at)
    SELECT journey_id || ':1', journey_id, first_dealer, 'OFFERED', NULL, offered_at FROM gen`);
  // The offers first, counted: each answer's trigger looks up the offer it answers.
  await gen.query('ANALYZE handoff_event');
  await gen.query(`
    INSERT INTO handoff_event (key, journey_id, dealer_id, kind, reason, at)
    SELECT journey_id || ':2', journey_id, first_dealer, CASE WHEN first_accepts THEN 'ACCEPTED' ELSE 'TIMED_OUT' END, NULL, offered_at + (i % 120) * interval '1 minute' FROM gen
    UNION ALL SELECT journey_id || ':3', journey_id, second_dealer, 'OFFERED', NULL, offered_at + interval '2 hours' FROM gen WHERE NOT first_accepts
    UNION ALL SELECT journey_id || ':4', journey_id, second_dealer, 'ACCEPTED', NULL, offered_at + interval '3 hours' FROM gen WHERE NOT first_accepts`);
  await gen.query('ANALYZE handoff_event');
  await gen.query(`
    CREATE TEMP TABLE owned AS
    SELECT *, CASE WHEN first_accepts THEN first_dealer ELSE second_dealer END AS dealer_id,
           CASE WHEN first_accepts THEN offered_at + (i % 120) * interval '1 minute' ELSE offered_at + interval '3 hours' END AS accepted_at
    FROM gen`);
  await gen.query(`
    INSERT INTO ownership_change (key, journey_id, customer_id, from_owner, from_dealer_id, to_owner, to_dealer_id, reason, actor, at)
    SELECT journey_id || ':o1', journey_id, customer_id, 'OEM', NULL, 'DEALER_SALES', dealer_id, 'HANDOFF_ACCEPTED', dealer_id, accepted_at FROM owned
    UNION ALL SELECT journey_id || ':o2', journey_id, customer_id, 'DEALER_SALES', dealer_id, 'DEALER', dealer_id, 'SOLD', dealer_id, accepted_at + (i % 30) * interval '1 day' FROM owned WHERE sells
    UNION ALL SELECT journey_id || ':o3', journey_id, customer_id, 'DEALER_SALES', dealer_id, 'OEM', NULL, 'SALES_WINDOW_EXPIRED', 'system', accepted_at + interval '30 days' FROM owned WHERE falls_back`);
  await gen.query(`
    INSERT INTO sale (key, journey_id, customer_id, dealer_id, vin, model, sold_on, price, at)
    SELECT journey_id || ':s', journey_id, customer_id, dealer_id, 'WVWZZZ' || lpad(i::text, 11, '0'), 'ID.7', (accepted_at + (i % 30) * interval '1 day')::date, NULL,
           accepted_at + (i % 30) * interval '1 day'
    FROM owned WHERE sells`);
  // Sold customers: a service visit after 60 days, every fifth a complaint resolved in 3 days, a survey.
  await gen.query(`
    INSERT INTO aftersales_event (key, journey_id, customer_id, dealer_id, kind, ref, at)
    SELECT journey_id || ':v', journey_id, customer_id, dealer_id, 'SERVICE_VISIT', 'V' || i, accepted_at + interval '60 days' FROM owned WHERE sells
    UNION ALL SELECT journey_id || ':k1', journey_id, customer_id, dealer_id, 'COMPLAINT_OPENED', 'K' || i, accepted_at + interval '40 days' FROM owned WHERE sells AND i % 25 = 0
    UNION ALL SELECT journey_id || ':k2', journey_id, customer_id, dealer_id, 'COMPLAINT_RESOLVED', 'K' || i, accepted_at + interval '43 days' FROM owned WHERE sells AND i % 25 = 0`);
  await gen.query(`
    INSERT INTO communication (id, customer_id, journey_id, sender_kind, sender_dealer_id, requested_by, purpose, channel, template_id, variables, status, sent_at, updated_at)
    SELECT gen_random_uuid(), customer_id, journey_id, 'DEALER', dealer_id, 'journey', 'SURVEY', 'EMAIL', 'satisfaction-survey', '{}', 'SENT', accepted_at + interval '32 days', now()
    FROM owned WHERE sells`);
  gen.release();
  const TABLES = ['lead', 'journey_stage_change', 'handoff_event', 'ownership_change', 'sale', 'aftersales_event', 'communication'];
  await sql.query(TABLES.map((t) => `ANALYZE ${t}`).join('; '));
  const counts = (await sql.query<Record<string, string>>(`SELECT ${TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`)).rows[0]!;
  console.log(JSON.stringify({ journeys, ...Object.fromEntries(Object.entries(counts).map(([t, c]) => [t, Number(c)])), generatedInS: Math.round((performance.now() - started) / 1000) }));

  // The write-time cost: 20,000 stage changes and acceptances, into the tables and into copies
  // without the triggers, in a transaction that is rolled back.
  const write = await sql.connect();
  const writeCost: string[] = [];
  try {
    await write.query('BEGIN');
    for (const [table, columns, where] of [
      ['journey_stage_change', 'journey_id, customer_id, from_stage, to_stage, dealer_id, at', ''],
      ['handoff_event', 'journey_id, dealer_id, kind, reason, at', "WHERE kind = 'ACCEPTED'"],
    ] as const) {
      await write.query(`CREATE TEMP TABLE plain_${table} (LIKE ${table} INCLUDING ALL) ON COMMIT DROP`);
      const rows = `SELECT key || ':again', ${columns} FROM ${table} ${where} LIMIT 20000`;
      const into = async (target: string) => {
        const t = performance.now();
        await write.query(`INSERT INTO ${target} (key, ${columns}) ${rows}`);
        return ((performance.now() - t) * 1000) / 20000;
      };
      const plain = await into(`plain_${table}`);
      const derived = await into(table);
      writeCost.push(`writing ${table.padEnd(20)} ${derived.toFixed(0).padStart(4)} µs/row, without the derived columns ${plain.toFixed(0).padStart(3)} µs/row   ratio ${(derived / plain).toFixed(1)}`);
    }
    // The roll-ups' marking trigger runs once per statement: a row per statement of today (as the
    // journeys write, nothing to mark), with it and without it.
    const oneByOne = async () => {
      const t = performance.now();
      for (let i = 0; i < 2000; i++) {
        await write.query(`INSERT INTO journey_stage_change (key, journey_id, customer_id, from_stage, to_stage, dealer_id, at)
          SELECT key || ':one:' || $1::text, journey_id, customer_id, from_stage, to_stage, dealer_id, now() FROM journey_stage_change WHERE key = $2`, [`${i}-${performance.now()}`, sampleKey]);
      }
      return ((performance.now() - t) * 1000) / 2000;
    };
    const sampleKey = (await write.query<{ key: string }>('SELECT key FROM journey_stage_change LIMIT 1')).rows[0]!.key;
    await oneByOne(); // warm
    const marked = await oneByOne();
    await write.query('ALTER TABLE journey_stage_change DISABLE TRIGGER scorecard_stale');
    const unmarked = await oneByOne();
    writeCost.push(`a stage change per statement ${marked.toFixed(0).padStart(4)} µs, without the roll-ups' marking trigger ${unmarked.toFixed(0).padStart(3)} µs   ratio ${(marked / unmarked).toFixed(2)}`);
  } finally {
    await write.query('ROLLBACK');
    write.release();
  }

  // The daily roll-ups: the job's first run over every day before today (the hourly runs after
  // it write a day), then each grouping read from them and from the records alone — the same figures.
  // Every generated day rolled, as the job has once the year is over (the generated records run
  // into 2027): what is left to read from the records is a window's days since the job's last run.
  const rolledBefore = new Date('2027-04-01T00:00:00Z');
  let t = performance.now();
  const firstRun = await rollUpScorecard(sql, { before: rolledBefore });
  const firstRunMs = performance.now() - t;
  t = performance.now();
  const marked = (await sql.query<{ marked: string }>(
    'INSERT INTO scorecard_stale (day) SELECT (rolled_before - 1) FROM scorecard_rollup RETURNING day::text AS marked')).rows[0]!.marked;
  const dayRun = await rollUpScorecard(sql, { before: rolledBefore });
  const dayRunMs = performance.now() - t;
  console.log(`roll-ups: first run ${firstRun.from}..${firstRun.to} ${(firstRunMs / 1000).toFixed(1)} s, ${firstRun.rows} rows; a day marked late (${marked}) ${dayRunMs.toFixed(0)} ms, ${dayRun.rows} rows`);

  const scans = journeys > 200_000 ? 1 : 5;
  const floor = await timed(() => sql.query(`SELECT ${TABLES.map((t) => `(SELECT count(*) FROM ${t})`).join(', ')}`));
  console.log(`floor: count(*) over the seven tables ${floor.toFixed(0).padStart(5)} ms`);
  const year2026 = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') };
  const month = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };
  const requests = [
    ['one month, by dealer', { ...month }],
    ['the whole year, by dealer', { ...year2026 }],
    ['the whole year, by region', { ...year2026, groupBy: 'region' }],
    ['the whole year, by source', { ...year2026, groupBy: 'source' }],
    ["the whole year, one dealer's key", { ...year2026, dealerId: 'DLR-7' }],
    ['the whole year, by campaign', { ...year2026, groupBy: 'campaign' }],
    ['the whole year, by model', { ...year2026, groupBy: 'model' }],
  ] as const;
  for (const [name, request] of requests) {
    const [rolled, scanned] = [await scorecard(sql, request), await scorecard(sql, { ...request, rollups: false })];
    if (JSON.stringify(rolled) !== JSON.stringify(scanned)) throw new Error(`${name}: the roll-ups' figures differ from the records'`);
    const fromRecords = await timed(() => scorecard(sql, { ...request, rollups: false }), scans);
    const withRollups = await timed(() => scorecard(sql, request));
    console.log(`scorecard, ${name.padEnd(34)} ${withRollups.toFixed(0).padStart(6)} ms (records alone ${fromRecords.toFixed(0).padStart(6)} ms, ratio ${(fromRecords / withRollups).toFixed(1)}; ${(withRollups / floor).toFixed(1)}× the floor)   same figures`);
  }
  for (const line of writeCost) console.log(line);
  // The KPI trends of the scorecard page: twelve weeks in one pass by week (with the roll-ups, from the
  // records alone — the same figures), against asking the scorecard week by week.
  const at = new Date('2026-10-05T00:00:00Z');
  for (const scope of [{ kind: 'NETWORK', id: '' }, { kind: 'DEALER', id: 'DLR-7' }, { kind: 'REGION', id: 'REGION-3' }] as const) {
    const [rolled, scanned] = [await kpiTrend(sql, { scope, at }), await kpiTrend(sql, { scope, at, rollups: false })];
    if (JSON.stringify(rolled) !== JSON.stringify(scanned)) throw new Error(`KPI trend of ${scope.kind}: the roll-ups' figures differ from the records'`);
    const withRollups = await timed(() => kpiTrend(sql, { scope, at }), 3);
    const fromRecords = await timed(() => kpiTrend(sql, { scope, at, rollups: false }), scans === 1 ? 1 : 3);
    console.log(`KPI trend, 12 weeks, ${scope.kind.toLowerCase().padEnd(8)} ${withRollups.toFixed(0).padStart(6)} ms (records alone ${fromRecords.toFixed(0).padStart(6)} ms, ratio ${(fromRecords / withRollups).toFixed(1)})   same figures`);
  }
  const weekByWeek = await timed(async () => { for (const w of weeksBefore(at, 12)) await scorecard(sql, { from: w.from, to: w.to, rollups: false }); }, scans === 1 ? 1 : 3);
  console.log(`the scorecard asked week by week from the records, 12 weeks, the network ${weekByWeek.toFixed(0).padStart(6)} ms`);
} finally {
  await sql.end();
  await database.drop();
}
