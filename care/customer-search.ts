// Customer care's search: one indexed query over the read model for what a person typed
// (domain/customer-search.ts reads it). Words of a name, company, postal code or e-mail and parts
// of a phone number go through trigram indexes (migration 0024); a VIN through the sales' index,
// a VAT id through its unique one. A company's contact person leads to the company, whose
// journey it is. A dealer's search sees only the customers it serves now (the SQL twin of
// dealerStanding's CURRENT in domain/access.ts, tested against it).
import type pg from 'pg';
import { containsPattern, INDEXED_WORD_LENGTH, type CustomerQuery } from '../domain/customer-search.js';

export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 50;

export interface CustomerHit {
  customerId: string;
  kind: 'PERSON' | 'COMPANY';
  name: string;
  companyName: string | null;
  email: string | null;
  phone: string | null;
  postalCode: string | null;
  country: string | null;
  journeyId: string | null;
  stage: string | null;
  owner: string | null;
  dealerId: string | null;
  /** The company's person the search found, when the hit is their company. */
  via: { customerId: string; name: string; role: string } | null;
}

/** Who searches: the OEM and ops see every customer; a dealer its current ones. */
export type SearchScope = { dealerId: string } | 'NETWORK';

/**
 * How many matches a search looks at before it ranks them: a common name's tens of thousands are
 * not each scored (the answer says `more`: add a first name or a postal code).
 */
const CANDIDATES = 1_000;

/** The SQL that finds a customer row `c` by the query, with its rank (higher: better). */
function matcher(query: CustomerQuery, p: (value: unknown) => string, c: string): { where: string; rank: string } {
  const searchText = `customer_search_text(${c}.first_name, ${c}.last_name, ${c}.company_name, ${c}.postal_code, ${c}.email_normalized)`;
  switch (query.kind) {
    case 'VIN':
      // The car's latest buyer (its owner now), as a recall finds it.
      return { where: `${c}.id = (SELECT s.customer_id FROM sale s WHERE s.vin = ${p(query.vin)} ORDER BY s.at DESC LIMIT 1)`, rank: '1::real' };
    case 'VAT_ID':
      return { where: `${c}.vat_id = ${p(query.vatId)}`, rank: '1::real' };
    case 'PHONE':
      return { where: `${c}.phone_e164 LIKE ${p(containsPattern(query.digits))}`, rank: `similarity(${c}.phone_e164, ${p(query.digits)})` };
    case 'EMAIL':
      return { where: `${searchText} LIKE ${p(containsPattern(query.part))}`, rank: `similarity(${c}.email_normalized, ${p(query.part)})` };
    case 'WORDS': {
      // Long words through the index; short ones ("Li", an initial) filter what it found.
      const indexed = query.words.filter((w) => w.length >= INDEXED_WORD_LENGTH);
      const short = query.words.filter((w) => w.length < INDEXED_WORD_LENGTH);
      return {
        where: [...indexed.map((w) => `${searchText} LIKE ${p(containsPattern(w))}`), ...short.map((w) => `strpos(${searchText}, ${p(w)}) > 0`)].join(' AND '),
        rank: `similarity(${searchText}, ${p(query.words.join(' '))})`,
      };
    }
  }
}

export interface SearchResult {
  items: CustomerHit[];
  /** More customers match than are shown: the agent narrows the search. */
  more: boolean;
}

/** The customers a query finds, best first. */
export async function searchCustomers(sql: pg.Pool, query: CustomerQuery, scope: SearchScope, limit = DEFAULT_SEARCH_LIMIT): Promise<SearchResult> {
  const params: unknown[] = [];
  const p = (value: unknown) => `$${params.push(value)}`;
  const take = Math.min(Math.max(limit, 1), MAX_SEARCH_LIMIT);
  let matched: string;
  if (scope === 'NETWORK') {
    // Through the indexes, at most CANDIDATES of them (unordered: a LIMIT stops the scan early).
    const m = matcher(query, p, 'c');
    matched = `SELECT c.id, ${m.rank} AS rank FROM customer c WHERE ${m.where} LIMIT ${CANDIDATES}`;
  } else {
    // A dealer's current customers are few: found from its journeys, then matched (with their companies' people).
    const dealer = p(scope.dealerId);
    const own = matcher(query, p, 'c');
    const people = matcher(query, p, 'c');
    matched = `
      SELECT c.id, ${own.rank} AS rank FROM journey j JOIN customer c ON c.id = j.customer_id
      WHERE j.dealer_id = ${dealer} AND j.stage IN ('IN_SALES', 'DEALER_OWNED') AND ${own.where}
      UNION ALL
      SELECT c.id, ${people.rank} AS rank FROM journey j JOIN company_contact x ON x.company_id = j.customer_id JOIN customer c ON c.id = x.contact_id
      WHERE j.dealer_id = ${dealer} AND j.stage IN ('IN_SALES', 'DEALER_OWNED') AND ${people.where}
      LIMIT ${CANDIDATES}`;
  }
  const scoped = scope === 'NETWORK' ? '' : `AND j.dealer_id = ${p(scope.dealerId)} AND j.stage IN ('IN_SALES', 'DEALER_OWNED')`;
  const { rows } = await sql.query<{
    customer_id: string; kind: string; first_name: string | null; last_name: string | null; company_name: string | null; email: string | null; phone: string | null;
    postal_code: string | null; country: string | null; journey_id: string | null; stage: string | null; owner: string | null; dealer_id: string | null;
    via_id: string | null; via_first: string | null; via_last: string | null; via_role: string | null;
  }>(`
    WITH m AS MATERIALIZED (${matched}),
    -- A found person who is a company's contact (with no journey of their own) leads to the company.
    hits AS (
      SELECT DISTINCT ON (coalesce(cc.company_id, m.id)) coalesce(cc.company_id, m.id) AS id, m.rank, m.id AS found_id, cc.role
      FROM m LEFT JOIN LATERAL (
        SELECT x.company_id, x.role FROM company_contact x
        WHERE x.contact_id = m.id AND NOT EXISTS (SELECT 1 FROM journey own WHERE own.customer_id = m.id)
        ORDER BY x.created_at LIMIT 1) cc ON true
      ORDER BY coalesce(cc.company_id, m.id), m.rank DESC
    )
    SELECT s.id AS customer_id, s.kind, s.first_name, s.last_name, s.company_name, s.email_normalized AS email, s.phone_e164 AS phone,
           s.postal_code, s.country, j.id AS journey_id, j.stage, j.owner, j.dealer_id,
           CASE WHEN h.role IS NOT NULL THEN f.id END AS via_id, CASE WHEN h.role IS NOT NULL THEN f.first_name END AS via_first,
           CASE WHEN h.role IS NOT NULL THEN f.last_name END AS via_last, h.role AS via_role
    FROM hits h JOIN customer s ON s.id = h.id JOIN customer f ON f.id = h.found_id
    LEFT JOIN journey j ON j.customer_id = s.id
    WHERE true ${scoped}
    ORDER BY h.rank DESC, s.id
    LIMIT ${p(take + 1)}`, params);
  const nameOf = (first: string | null, last: string | null) => [first, last].filter(Boolean).join(' ');
  const items = rows.slice(0, take).map((r): CustomerHit => ({
    customerId: r.customer_id, kind: r.kind === 'COMPANY' ? 'COMPANY' : 'PERSON',
    name: (r.kind === 'COMPANY' ? r.company_name : nameOf(r.first_name, r.last_name)) || '(no name)',
    companyName: r.company_name, email: r.email, phone: r.phone, postalCode: r.postal_code, country: r.country,
    journeyId: r.journey_id, stage: r.stage, owner: r.owner, dealerId: r.dealer_id,
    via: r.via_id ? { customerId: r.via_id, name: nameOf(r.via_first, r.via_last) || '(no name)', role: r.via_role! } : null,
  }));
  return { items, more: rows.length > take };
}
