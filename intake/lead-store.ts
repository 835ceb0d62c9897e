// Leads into PostgreSQL at intake speed: one look-up and one write statement for a whole
// batch (one lead from the API, a chunk of a fair file), in plain SQL on the pool Prisma runs on.
// Intake and the journey's records (activities/journey-transition.ts) are the hot paths where
// Prisma's client engine was most of the CPU (issue 15); the rest reads and writes through Prisma.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ConsentStatement } from '../domain/consent.js';
import type { ContactRole } from '../domain/fleets.js';
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
  /** An imported consent: where its proof came from. */
  source?: string | null;
}

/** A company as a lead names it (B2B), with the role of the lead's person in it. */
export interface CompanyOfLead {
  /** VAT:<id> when the lead names a VAT id; NAME:<normalised name>|<postal code> when it names a postal code. */
  vatKey: string | null;
  nameKey: string | null;
  vatId: string | null;
  name: string;
  fleetSize?: number;
  street?: string;
  city?: string;
  postalCode?: string;
  country?: string;
  contactRole: ContactRole;
}

export interface NewLead {
  person: PersonOfLead;
  /** A company's lead: the lead (and the journey) is the company's; `person` is its contact. */
  company?: CompanyOfLead;
  source: LeadSource;
  campaign?: string;
  event?: string;
  interestModel?: string;
  timeframe?: string;
  message?: string;
  preferredDealerId?: string;
  /** From anyone (a public web form): adds no contact details or names to a customer we know. */
  anonymous?: true;
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
  /** The journey's customer: the person, or for a company's lead the company. */
  customerId: string;
  receivedAt: Date;
  customer: CustomerFacts;
  /** A company's lead: the person who sent it, in their role, and the company's fleet size now. */
  companyContact?: { contactId: string; role: ContactRole; hasEmail: boolean; hasPhone: boolean; fleetSize: number | null };
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

interface CompanyRow {
  id: string;
  company_name: string;
  company_key: string;
  vat_id: string | null;
  fleet_size: number | null;
  street: string | null;
  city: string | null;
  postal_code: string | null;
  country: string | null;
}

const PERSON_COLUMNS = ['email_normalized', 'phone_e164', 'first_name', 'last_name', 'postal_code', 'country'] as const;
const COMPANY_COLUMNS = ['company_name', 'company_key', 'vat_id', 'fleet_size', 'street', 'city', 'postal_code', 'country'] as const;
/** What a lead may add to a known company: gaps filled, the fleet size as the latest lead says. */
const COMPANY_ADDITIONS = ['vat_id', 'fleet_size', 'street', 'city', 'postal_code', 'country'] as const;
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
const LOOK_UP_COMPANIES: pg.QueryConfig = {
  name: 'l2l-intake-look-up-companies',
  text: `SELECT id, ${COMPANY_COLUMNS.join(', ')} FROM customer WHERE kind = 'COMPANY' AND (vat_id = ANY($1::text[]) OR company_key = ANY($2::text[]))`,
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
    new_company AS (
      INSERT INTO customer (id, kind, ${COMPANY_COLUMNS.join(', ')}, updated_at)
      SELECT id, 'COMPANY', ${COMPANY_COLUMNS.join(', ')}, now()
      FROM unnest($40::uuid[], $41::text[], $42::text[], $43::text[], $44::int[], $45::text[], $46::text[], $47::text[], $48::text[]) AS u(id, ${COMPANY_COLUMNS.join(', ')})),
    known_company AS (
      UPDATE customer c SET vat_id = COALESCE(c.vat_id, u.vat_id), fleet_size = COALESCE(u.fleet_size, c.fleet_size),
        street = COALESCE(c.street, u.street), city = COALESCE(c.city, u.city), postal_code = COALESCE(c.postal_code, u.postal_code),
        country = COALESCE(c.country, u.country), updated_at = now()
      FROM unnest($49::uuid[], $50::text[], $51::int[], $52::text[], $53::text[], $54::text[], $55::text[]) AS u(id, ${COMPANY_ADDITIONS.join(', ')})
      WHERE c.id = u.id),
    new_contact AS (
      INSERT INTO company_contact (company_id, contact_id, role)
      SELECT * FROM unnest($56::uuid[], $57::uuid[], $58::text[]) ON CONFLICT DO NOTHING),
    new_lead AS (
      INSERT INTO lead (id, customer_id, source, campaign, event, interest_model, preferred_dealer_id, timeframe, message, received_at, idempotency_key, request_hash, contact_id, contact_role)
      SELECT * FROM unnest($15::uuid[], $16::uuid[], $17::"LeadSource"[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[], $24::timestamptz[], $25::text[], $26::text[], $38::uuid[], $39::text[]))
    INSERT INTO consent_record (id, customer_id, lead_id, channel, purpose, granted, wording_id, method, captured_at, ip, user_agent, source)
    SELECT * FROM unnest($27::uuid[], $28::uuid[], $29::uuid[], $30::text[], $31::text[], $32::bool[], $33::text[], $34::text[], $35::timestamptz[], $36::text[], $37::text[], $59::text[])`,
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
    const customers = leads.map(({ person, anonymous }) => {
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
      // A public form proves nothing about who sent it: what it says of a known customer stays with the lead.
      const additions: Partial<CustomerRow> = anonymous ? {} : {
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

    const companies = await resolveCompanies(leads);

    const columns = (rows: CustomerRow[]) => [rows.map((r) => r.id), ...PERSON_COLUMNS.map((c) => rows.map((r) => r[c]))];
    const stored = leads.map((lead, i) => ({ lead, leadId: randomUUID(), person: customers[i]!, company: companies.of[i] }));
    // A company's lead belongs to the company (its journey); the person is the company's contact in their role.
    const owner = (s: (typeof stored)[number]) => s.company?.id ?? s.person.id;
    const contacts = new Map<string, [string, string, string]>();
    for (const s of stored) if (s.company) contacts.set(`${s.company.id}:${s.person.id}:${s.lead.company!.contactRole}`, [s.company.id, s.person.id, s.lead.company!.contactRole]);
    const consents = stored.flatMap((s) => s.lead.consents.map((c) => ({ ...c, leadId: s.leadId, customerId: owner(s) })));
    await pool.query({
      ...WRITE_LEADS,
      values: [
        ...columns(created),
        ...columns([...changed.values()]),
        stored.map((s) => s.leadId), stored.map(owner), leads.map((l) => l.source),
        leads.map((l) => l.campaign ?? null), leads.map((l) => l.event ?? null), leads.map((l) => l.interestModel ?? null),
        leads.map((l) => l.preferredDealerId ?? null), leads.map((l) => l.timeframe ?? null), leads.map((l) => l.message ?? null),
        leads.map((l) => l.receivedAt.toISOString()), leads.map((l) => l.idempotencyKey ?? null), leads.map((l) => l.requestHash ?? null),
        consents.map(() => randomUUID()), consents.map((c) => c.customerId), consents.map((c) => c.leadId),
        consents.map((c) => c.channel), consents.map((c) => c.purpose), consents.map((c) => c.granted),
        consents.map((c) => c.wordingId), consents.map((c) => c.method), consents.map((c) => c.capturedAt.toISOString()),
        consents.map((c) => c.ip), consents.map((c) => c.userAgent),
        stored.map((s) => (s.company ? s.person.id : null)), stored.map((s) => s.lead.company?.contactRole ?? null),
        companies.created.map((r) => r.id), ...COMPANY_COLUMNS.map((c) => companies.created.map((r) => r[c])),
        companies.changed.map((r) => r.id), ...COMPANY_ADDITIONS.map((c) => companies.changed.map((r) => r[c])),
        ...[0, 1, 2].map((n) => [...contacts.values()].map((c) => c[n])),
        consents.map((c) => c.source ?? null),
      ],
    });
    return stored.map((s) => {
      if (!s.company) return { leadId: s.leadId, customerId: s.person.id, receivedAt: s.lead.receivedAt, customer: factsOf(s.person) };
      const person = factsOf(s.person);
      return {
        leadId: s.leadId, customerId: s.company.id, receivedAt: s.lead.receivedAt,
        customer: { hasEmail: person.hasEmail, hasPhone: person.hasPhone, hasPostalCode: s.company.postal_code !== null, country: s.company.country },
        companyContact: { contactId: s.person.id, role: s.lead.company!.contactRole, hasEmail: person.hasEmail, hasPhone: person.hasPhone, fleetSize: s.company.fleet_size },
      };
    });
  }

  /**
   * The company of each company lead: the one with its VAT id, else the one created by its
   * name and postal code (unless that one has another VAT id), else a new one; a batch's
   * own new companies count too. No look-up when the batch has no company lead.
   */
  async function resolveCompanies(leads: readonly NewLead[]) {
    const named = leads.flatMap((l) => (l.company ? [l.company] : []));
    const created: CompanyRow[] = [];
    const changed = new Map<string, CompanyRow>();
    if (named.length === 0) return { of: leads.map(() => undefined), created, changed: [] };
    const vats = named.flatMap((c) => (c.vatId ? [c.vatId] : []));
    const keys = named.flatMap((c) => [c.vatKey, c.nameKey].filter((k): k is string => k !== null));
    const { rows: known } = await pool.query<CompanyRow>({ ...LOOK_UP_COMPANIES, values: [vats, keys] });
    const byVat = new Map<string, CompanyRow>();
    const byKey = new Map<string, CompanyRow>();
    const index = (c: CompanyRow) => {
      if (c.vat_id) byVat.set(c.vat_id, c);
      byKey.set(c.company_key, c);
    };
    known.forEach(index);
    const of = leads.map(({ company: c }) => {
      if (!c) return undefined;
      const byName = c.nameKey ? byKey.get(c.nameKey) : undefined;
      const existing = (c.vatId ? byVat.get(c.vatId) : undefined) ?? (byName && (!byName.vat_id || byName.vat_id === c.vatId) ? byName : undefined);
      if (!existing) {
        const fresh: CompanyRow = {
          id: randomUUID(), company_name: c.name, company_key: (c.vatKey ?? c.nameKey)!, vat_id: c.vatId, fleet_size: c.fleetSize ?? null,
          street: c.street ?? null, city: c.city ?? null, postal_code: c.postalCode ?? null, country: c.country ?? null,
        };
        created.push(fresh);
        index(fresh);
        return fresh;
      }
      const additions: Partial<CompanyRow> = {
        ...(!existing.vat_id && c.vatId ? { vat_id: c.vatId } : {}),
        ...(c.fleetSize !== undefined && c.fleetSize !== existing.fleet_size ? { fleet_size: c.fleetSize } : {}),
        ...(!existing.street && c.street ? { street: c.street } : {}),
        ...(!existing.city && c.city ? { city: c.city } : {}),
        ...(!existing.postal_code && c.postalCode ? { postal_code: c.postalCode } : {}),
        ...(!existing.country && c.country ? { country: c.country } : {}),
      };
      if (Object.keys(additions).length > 0) {
        Object.assign(existing, additions);
        index(existing);
        if (!created.includes(existing)) changed.set(existing.id, existing);
      }
      return existing;
    });
    return { of, created, changed: [...changed.values()] };
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
