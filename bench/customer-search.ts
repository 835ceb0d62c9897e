// Customer care's search over 1,000,000 customers (generated in SQL: persons with skewed common
// names, e-mail addresses, phone numbers and postal codes; 3 % companies with VAT ids and a
// contact person; 40 % with a car; every one with a journey at one of 3,000 dealers). Prints
// p50 and p95 of each kind of query a care agent types, for the network (the OEM) and for one
// dealer's key, against the floor of the same run: the customer found by their exact e-mail
// address through its unique index. Issue 34's goal: p95 ≤ 200 ms. No threshold asserted.
//   npm run bench:customer-search                 # 1,000,000 customers
//   BENCH_CUSTOMERS=100000 npm run bench:customer-search
import pg from 'pg';
import { searchCustomers, type SearchScope } from '../care/customer-search.js';
import { parseCustomerQuery, type CustomerQuery } from '../domain/customer-search.js';
import { createFreshDatabase } from '../test/support/infra.js';

const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const database = await createFreshDatabase('l2l_bench_search');
const sql = new pg.Pool({ connectionString: database.databaseUrl, max: 4 });
sql.on('error', () => {}); // the database is dropped at the end

const LAST = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein',
  'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Schmitz', 'Krause', 'Meier',
  'Lehmann', 'Schmid', 'Schulze', 'Maier', 'Köhler', 'Herrmann', 'König', 'Walter', 'Mayer', 'Huber', 'Kaiser', 'Fuchs', 'Peters', 'Lang', 'Scholz', 'Möller',
  'Weiß', 'Jung', 'Hahn', 'Schubert', 'Vogel', 'Friedrich', 'Keller', 'Günther', 'Frank', 'Berger', 'Winkler', 'Roth', 'Beck', 'Lorenz', 'Baumann', 'Franke',
  'Albrecht', 'Schuster', 'Simon', 'Ludwig', 'Böhm', 'Winter', 'Kraus', 'Martin', 'Schumacher', 'Krämer', 'Vogt', 'Stein', 'Jäger', 'Otto', 'Sommer', 'Groß',
  'Seidel', 'Heinrich', 'Brandt', 'Haas', 'Schreiber', 'Graf', 'Schulte', 'Dietrich', 'Ziegler', 'Kuhn', 'Kühn', 'Pohl', 'Engel', 'Horn', 'Busch', 'Bergmann',
  'Thomas', 'Voigt', 'Sauer', 'Arnold', 'Wolff', 'Pfeiffer'];
const FIRST = ['Anna', 'Maria', 'Lena', 'Julia', 'Laura', 'Sarah', 'Lisa', 'Katharina', 'Sophie', 'Hannah', 'Lea', 'Emma', 'Mia', 'Clara', 'Johanna', 'Nina',
  'Thomas', 'Michael', 'Andreas', 'Stefan', 'Christian', 'Peter', 'Markus', 'Frank', 'Jan', 'Tobias', 'Daniel', 'Alexander', 'Lukas', 'Felix', 'Paul', 'Jonas',
  'Max', 'Leon', 'Ben', 'Finn', 'Noah', 'Elias', 'Luis', 'Tim', 'Ali', 'Mehmet', 'Olga', 'Ivan', 'Li', 'Wei', 'Yuki', 'Sven', 'Nils', 'Ole'];

async function timed(run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await run(); await run(); // warm
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(RUNS * 0.5)]!, p95: ms[Math.min(RUNS - 1, Math.ceil(RUNS * 0.95) - 1)]! };
}

try {
  const started = performance.now();
  const gen = await sql.connect();
  // Generated without the search's indexes, then indexed as the migration defines them (read back from the catalog).
  const { rows: indexes } = await gen.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'customer' AND indexname IN ('customer_search_text_trgm', 'customer_phone_trgm')`);
  if (indexes.length !== 2) throw new Error('the search indexes of migration 0024 are missing');
  for (const i of indexes) await gen.query(`DROP INDEX ${i.indexname}`);
  await gen.query('SELECT setseed(0.34)');
  await gen.query(`
    INSERT INTO dealer (id, name, territory, brands, region, updated_at)
    SELECT 'DLR-' || d, 'Autohaus ' || d, ARRAY[lpad(d::text, 5, '0')], ARRAY['VW'], 'REGION-' || (d % 10), now() FROM generate_series(0, 2999) AS d`);
  // Common names are common: the index into each list is skewed towards its start.
  await gen.query(`
    CREATE TEMP TABLE gen AS
    SELECT i, md5('c' || i)::uuid AS id, ($2::text[])[1 + floor(power(random(), 2) * array_length($2::text[], 1))::int] AS first_name,
           ($1::text[])[1 + floor(power(random(), 2) * array_length($1::text[], 1))::int] AS last_name,
           lpad((10000 + floor(random() * 89999))::int::text, 5, '0') AS postal_code, i % 33 = 0 AS company,
           'DLR-' || (i % 3000) AS dealer_id
    FROM generate_series(1, $3::int) AS i`, [LAST, FIRST, customers]);
  await gen.query(`
    INSERT INTO customer (id, kind, first_name, last_name, company_name, vat_id, email_normalized, phone_e164, postal_code, country, updated_at)
    SELECT id, CASE WHEN company THEN 'COMPANY' ELSE 'PERSON' END,
           CASE WHEN company THEN NULL ELSE first_name END, CASE WHEN company THEN NULL ELSE last_name END,
           CASE WHEN company THEN last_name || ' ' || (ARRAY['Logistik', 'Bau', 'Pflege', 'Handel', 'Service'])[1 + i % 5] || ' GmbH ' || i END,
           CASE WHEN company THEN 'DE' || (100000000 + i) END,
           lower(translate(first_name || '.' || last_name, 'äöüß', 'aous')) || i || '@example.com',
           CASE WHEN i % 4 <> 0 THEN '+49' || (1500000000 + i * 7)::text END, postal_code, 'DE', now()
    FROM gen`);
  // Each company's contact person: a customer without a journey of their own.
  await gen.query(`
    INSERT INTO customer (id, first_name, last_name, email_normalized, postal_code, country, updated_at)
    SELECT md5('p' || i)::uuid, first_name, last_name, lower(translate(first_name || '.' || last_name, 'äöüß', 'aous')) || '.p' || i || '@example.com', postal_code, 'DE', now()
    FROM gen WHERE company`);
  await gen.query(`INSERT INTO company_contact (company_id, contact_id, role) SELECT id, md5('p' || i)::uuid, 'DECISION_MAKER' FROM gen WHERE company`);
  await gen.query(`
    INSERT INTO journey (id, customer_id, stage, owner, dealer_id, started_at, stage_changed_at, updated_at)
    SELECT 'journey-' || id, id, (ARRAY['QUALIFYING', 'IN_SALES', 'DEALER_OWNED', 'DEALER_OWNED'])[1 + i % 4],
           CASE WHEN i % 4 = 0 THEN 'OEM' ELSE 'DEALER' END, CASE WHEN i % 4 <> 0 THEN dealer_id END, now(), now(), now() FROM gen`);
  await gen.query(`
    INSERT INTO sale (key, journey_id, customer_id, dealer_id, vin, model, sold_on, at)
    SELECT 'sale-' || i, 'journey-' || id, id, dealer_id, 'WVWZZZ1JZ' || lpad(i::text, 8, '0'), 'ID.7', date '2024-01-01' + i % 700, now()
    FROM gen WHERE i % 5 < 2`);
  for (const i of indexes) await gen.query(i.indexdef);
  await gen.query('ANALYZE');
  gen.release();
  console.log(JSON.stringify({ customers, generatedInS: Math.round((performance.now() - started) / 1000) }));

  // What agents type. The names' targets exist; the common ones match thousands.
  const sample = (await sql.query<{ email: string; phone: string; first_name: string; last_name: string; postal_code: string }>(
    `SELECT email_normalized AS email, phone_e164 AS phone, first_name, last_name, postal_code FROM customer WHERE kind = 'PERSON' AND phone_e164 IS NOT NULL ORDER BY id LIMIT 1`)).rows[0]!;
  const company = (await sql.query<{ company_name: string; vat_id: string }>(`SELECT company_name, vat_id FROM customer WHERE kind = 'COMPANY' ORDER BY id LIMIT 1`)).rows[0]!;
  const vin = (await sql.query<{ vin: string }>('SELECT vin FROM sale ORDER BY key LIMIT 1')).rows[0]!.vin;
  const queries: [string, string][] = [
    ['e-mail, whole', sample.email],
    ['e-mail, its start', sample.email.slice(0, 12)],
    ['phone, national form', `0${sample.phone.slice(3, 6)} ${sample.phone.slice(6)}`],
    ['phone, last 7 digits', sample.phone.slice(-7)],
    ['last name, most common', 'Müller'],
    ['last name, rare', 'Pfeiffer'],
    ['first and last name', `${sample.first_name} ${sample.last_name}`],
    ['part of a last name', 'schmi'],
    ['last name and postal code', `${sample.last_name} ${sample.postal_code}`],
    ['company name', company.company_name.split(' ').slice(0, 2).join(' ')],
    ['VAT id', company.vat_id],
    ['VIN', vin],
  ];
  const { rows: [busiest] } = await sql.query<{ dealer_id: string }>(`SELECT dealer_id FROM journey WHERE dealer_id IS NOT NULL GROUP BY dealer_id ORDER BY count(*) DESC LIMIT 1`);
  const floor = await timed(() => sql.query('SELECT id FROM customer WHERE email_normalized = $1', [sample.email]));
  console.log(`floor: one customer by exact e-mail (unique index)   p50 ${floor.p50.toFixed(1)} ms   p95 ${floor.p95.toFixed(1)} ms`);
  let worst = 0;
  for (const scope of ['NETWORK', { dealerId: busiest!.dealer_id }] as SearchScope[]) {
    console.log(scope === 'NETWORK' ? '\nthe OEM (the whole network):' : `\na dealer's key (${busiest!.dealer_id}, its current customers):`);
    for (const [label, typed] of queries) {
      const query = parseCustomerQuery(typed) as CustomerQuery;
      let hits = 0;
      const t = await timed(async () => { hits = (await searchCustomers(sql, query, scope)).items.length; });
      worst = Math.max(worst, t.p95);
      console.log(`  ${label.padEnd(28)} ${query.kind.padEnd(6)} ${String(hits).padStart(3)} hits   p50 ${t.p50.toFixed(1).padStart(6)} ms   p95 ${t.p95.toFixed(1).padStart(6)} ms   ratio ${(t.p95 / floor.p95).toFixed(1)}`);
    }
  }
  console.log(`\nslowest p95 ${worst.toFixed(1)} ms (goal ≤ 200 ms)`);
} finally {
  await sql.end();
  await database.drop();
}
