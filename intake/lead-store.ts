// Leads into PostgreSQL at intake speed: one look-up and one write statement for a whole
// batch (one lead from the API, a chunk of a fair file), in plain SQL on the pool Prisma runs on.
// Intake and the journey's records (activities/journey-transition.ts) are the hot paths where
// Prisma's client engine was most of the CPU (issue 15); the rest reads and writes through Prisma.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ConsentStatement } from '../domain/consent.js';
import type { LeadSource } from '../domain/lead.js';
import { isUniqueViolation } from '../platform/db.js';

/** A person as a lead identifies them: normalised keys plus what the lead says of them. */
export interface PersonOfLead {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  postalCode?: string;
  country?: string;
}

export interface ConsentOfLead extends ConsentStatement {
  wordingId: string;
  method: string;
  capturedAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface NewLead {
  person: PersonOfLead;
  source: LeadSource;
  campaign?: string;
  event?: string;
  interestModel?: string;
  timeframe?: string;
  message?: string;
  preferredDealerId?: string;
  receivedAt: Date;
  idempotencyKey?: string;
  requestHash?: string;
  consents: readonly ConsentOfLead[];
}

/** What the customer record holds after the lead (no names: the journey never sees them). */
export interface CustomerFacts {
  hasEmail: boolean;
  hasPhone: boolean;
  hasPostalCode: boolean;
  country: string | null;
}

export interface StoredLead {
  leadId: string;
  customerId: string;
  receivedAt: Date;
  customer: CustomerFacts;
}

/** A lead stored earlier under an Idempotency-Key. */
export interface EarlierLead {
  leadId: string;
  customerId: string;
  requestHash: string | null;
  delivered: boolean;
}

interface CustomerRow {
  id: string;
  email_normalized: string | null;
  phone_e164: string | null;
  first_name: string | null;
  last_name: string | null;
  postal_code: string | null;
  country: string | null;
}

const PERSON_COLUMNS = ['email_normalized', 'phone_e164', 'first_name', 'last_name', 'postal_code', 'country'] as const;
const factsOf = (c: CustomerRow): CustomerFacts => ({
  hasEmail: c.email_normalized !== null, hasPhone: c.phone_e164 !== null, hasPostalCode: c.postal_code !== null, country: c.country,
});

/** How often a batch is tried again when a concurrent request created one of its people first. */
const IDENTITY_RACE_ATTEMPTS = 3;

// Fixed texts, prepared once per connection (pg's named statements): a batch of any size,
// one lead or a chunk of a file, is the same two statements with arrays as parameters.
const LOOK_UP_PEOPLE: pg.QueryConfig = {
  name: 'l2l-intake-look-up-people',
  text: `SELECT id, ${PERSON_COLUMNS.join(', ')} FROM customer WHERE email_normalized = ANY($1::text[]) OR phone_e164 = ANY($2::text[])`,
};
/**
 * New customers, additions to known ones, leads and consents in ONE statement (data-modifying
 * CTEs), so a batch is atomic without a transaction around it. Foreign keys are checked at
 * the end of the statement, when the new customers exist. Additions only fill gaps
 * (COALESCE): a value another request set meanwhile is kept, never overwritten.
 */
const WRITE_LEADS: pg.QueryConfig = {
  name: 'l2l-intake-write-leads',
  text: `WITH
    new_customer AS (
      INSERT INTO customer (id, ${PERSON_COLUMNS.join(', ')}, updated_at)
      SELECT *, now() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])),
    known_customer AS (
      UPDATE customer c SET ${PERSON_COLUMNS.map((c) => `${c} = COALESCE(c.${c}, u.${c})`).join(', ')}, updated_at = now()
      FROM unnest($8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[]) AS u(id, ${PERSON_COLUMNS.join(', ')})
      WHERE c.id = u.id),
    new_lead AS (
      INSERT INTO lead (id, customer_id, source, campaign, event, interest_model, preferred_dealer_id, timeframe, message, received_at, idempotency_key, request_hash)
      SELECT * FROM unnest($15::uuid[], $16::uuid[], $17::"LeadSource"[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[], $24::timestamptz[], $25::text[], $26::text[]))
    INSERT INTO consent_record (id, customer_id, lead_id, channel, purpose, granted, wording_id, method, captured_at, ip, user_agent)
    SELECT * FROM unnest($27::uuid[], $28::uuid[], $29::uuid[], $30::text[], $31::text[], $32::bool[], $33::text[], $34::text[], $35::timestamptz[], $36::text[], $37::text[])`,
};
/**
 * The outbox mark, committed without waiting for the disk (synchronous_commit off for this
 * statement's own transaction only): a mark lost in a crash means the relay delivers the
 * lead once more, which the journey ignores.
 */
const MARK_DELIVERED: pg.QueryConfig = {
  name: 'l2l-intake-mark-delivered',
  text: `UPDATE lead SET delivered_at = now() FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
         WHERE id = ANY($1::uuid[]) AND delivered_at IS NULL`,
};

/**
 * Calls `flush` with everything asked for while the previous call ran: one statement in flight
 * at a time, and under load one statement for many callers (each caller still waits for the
 * statement that carries its ids). Written here rather than taken from a library: DataLoader
 * and the like batch within one tick, and concurrent requests arrive on different ticks.
 */
function coalescing(flush: (ids: string[]) => Promise<void>): (ids: readonly string[]) => Promise<void> {
  interface Batch { ids: string[]; done: Promise<void> }
  /** The batch still gathering ids; it starts when the one before it has finished. */
  let gathering: Batch | null = null;
  let previous: Promise<void> = Promise.resolve();
  function startBatch(): Batch {
    const batch: Batch = { ids: [], done: Promise.resolve() };
    batch.done = previous.catch(() => {}).then(() => {
      if (gathering === batch) gathering = null; // ids from now on go to the next batch
      return flush(batch.ids);
    });
    previous = batch.done;
    return batch;
  }
  return (ids) => {
    gathering ??= startBatch();
    gathering.ids.push(...ids);
    return gathering.done;
  };
}

export function createLeadStore(pool: pg.Pool) {
  const markDelivered = coalescing(async (ids) => {
    await pool.query({ ...MARK_DELIVERED, values: [ids] });
  });

  /**
   * Resolves every lead's person (same normalised e-mail, else same phone → same customer;
   * a batch's own new people count too), adds what a known customer lacks unless another
   * customer holds it, and writes customers, leads and consents.
   */
  async function storeOnce(leads: readonly NewLead[]): Promise<StoredLead[]> {
    const emails = leads.flatMap((l) => (l.person.email ? [l.person.email] : []));
    const phones = leads.flatMap((l) => (l.person.phone ? [l.person.phone] : []));
    const { rows: known } = await pool.query<CustomerRow>({ ...LOOK_UP_PEOPLE, values: [emails, phones] });
    const byEmail = new Map<string, CustomerRow>();
    const byPhone = new Map<string, CustomerRow>();
    const index = (c: CustomerRow) => {
      if (c.email_normalized) byEmail.set(c.email_normalized, c);
      if (c.phone_e164) byPhone.set(c.phone_e164, c);
    };
    known.forEach(index);

    const created: CustomerRow[] = [];
    const changed = new Map<string, CustomerRow>();
    const customers = leads.map(({ person }) => {
      const withEmail = person.email ? byEmail.get(person.email) : undefined;
      const withPhone = person.phone ? byPhone.get(person.phone) : undefined;
      const existing = withEmail ?? withPhone;
      if (!existing) {
        const fresh: CustomerRow = {
          id: randomUUID(), email_normalized: person.email ?? null, phone_e164: person.phone ?? null,
          first_name: person.firstName ?? null, last_name: person.lastName ?? null, postal_code: person.postalCode ?? null, country: person.country ?? null,
        };
        created.push(fresh);
        index(fresh);
        return fresh;
      }
      const additions: Partial<CustomerRow> = {
        ...(!existing.email_normalized && person.email ? { email_normalized: person.email } : {}),
        // A phone another customer already has stays theirs.
        ...(!existing.phone_e164 && person.phone && !(withPhone && withPhone.id !== existing.id) ? { phone_e164: person.phone } : {}),
        ...(!existing.first_name && person.firstName ? { first_name: person.firstName } : {}),
        ...(!existing.last_name && person.lastName ? { last_name: person.lastName } : {}),
        ...(!existing.postal_code && person.postalCode ? { postal_code: person.postalCode } : {}),
        ...(!existing.country && person.country ? { country: person.country } : {}),
      };
      if (Object.keys(additions).length > 0) {
        Object.assign(existing, additions);
        index(existing);
        if (!created.includes(existing)) changed.set(existing.id, existing);
      }
      return existing;
    });

    const columns = (rows: CustomerRow[]) => [rows.map((r) => r.id), ...PERSON_COLUMNS.map((c) => rows.map((r) => r[c]))];
    const stored = leads.map((lead, i) => ({ lead, leadId: randomUUID(), customer: customers[i]! }));
    const consents = stored.flatMap((s) => s.lead.consents.map((c) => ({ ...c, leadId: s.leadId, customerId: s.customer.id })));
    await pool.query({
      ...WRITE_LEADS,
      values: [
        ...columns(created),
        ...columns([...changed.values()]),
        stored.map((s) => s.leadId), stored.map((s) => s.customer.id), leads.map((l) => l.source),
        leads.map((l) => l.campaign ?? null), leads.map((l) => l.event ?? null), leads.map((l) => l.interestModel ?? null),
        leads.map((l) => l.preferredDealerId ?? null), leads.map((l) => l.timeframe ?? null), leads.map((l) => l.message ?? null),
        leads.map((l) => l.receivedAt.toISOString()), leads.map((l) => l.idempotencyKey ?? null), leads.map((l) => l.requestHash ?? null),
        consents.map(() => randomUUID()), consents.map((c) => c.customerId), consents.map((c) => c.leadId),
        consents.map((c) => c.channel), consents.map((c) => c.purpose), consents.map((c) => c.granted),
        consents.map((c) => c.wordingId), consents.map((c) => c.method), consents.map((c) => c.capturedAt.toISOString()),
        consents.map((c) => c.ip), consents.map((c) => c.userAgent),
      ],
    });
    return stored.map((s) => ({ leadId: s.leadId, customerId: s.customer.id, receivedAt: s.lead.receivedAt, customer: factsOf(s.customer) }));
  }

  return {
    /**
     * Stores the leads and their customers in one statement, all or nothing. A person
     * another request created a moment ago makes the batch look again (unique constraints,
     * not this code, decide such races); an Idempotency-Key taken meanwhile is the caller's
     * to answer (the error is rethrown).
     */
    async store(leads: readonly NewLead[]): Promise<StoredLead[]> {
      if (leads.length === 0) return [];
      for (let attempt = 1; ; attempt++) {
        try {
          return await storeOnce(leads);
        } catch (error) {
          if (attempt < IDENTITY_RACE_ATTEMPTS && isUniqueViolation(error) && !isUniqueViolation(error, 'idempotency_key')) continue;
          throw error;
        }
      }
    },

    /** Leads stored earlier under these Idempotency-Keys, by key. */
    async earlier(idempotencyKeys: readonly string[]): Promise<Map<string, EarlierLead>> {
      if (idempotencyKeys.length === 0) return new Map();
      const { rows } = await pool.query<{ id: string; customer_id: string; idempotency_key: string; request_hash: string | null; delivered: boolean }>(
        'SELECT id, customer_id, idempotency_key, request_hash, delivered_at IS NOT NULL AS delivered FROM lead WHERE idempotency_key = ANY($1::text[])',
        [idempotencyKeys],
      );
      return new Map(rows.map((r) => [r.idempotency_key, { leadId: r.id, customerId: r.customer_id, requestHash: r.request_hash, delivered: r.delivered }]));
    },

    /** Marks leads as received by their journeys (the outbox); concurrent callers share a statement. */
    async markDelivered(leadIds: readonly string[]): Promise<void> {
      if (leadIds.length === 0) return;
      await markDelivered(leadIds);
    },
  };
}

export type LeadStore = ReturnType<typeof createLeadStore>;
