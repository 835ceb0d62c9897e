// The journey read model: one module owns the `journey` table's writes (from the
// journey's activity) and every query on it (access decisions, the dealer workspace).
// The workflow is the authority on a journey; this table follows it by revision.
import type pg from 'pg';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { sqlPoolOf } from '../platform/db.js';
import type { CustomerStandingFacts } from '../domain/access.js';
import { journeyIdFor, type JourneyStage, type JourneyState } from '../domain/journey.js';

/** One journey as dealers list it, with the customer's contact details beside it. */
export interface JourneyRow {
  journeyId: string;
  customerId: string;
  stage: JourneyStage;
  dealerId: string | null;
  offeredDealerId: string | null;
  offerExpiresAt: Date | null;
  leadCount: number;
  lastLeadSource: string | null;
  stageChangedAt: Date;
  contact: { firstName: string | null; lastName: string | null; email: string | null; phone: string | null; postalCode: string | null };
}

/** What one dealership itself had with a customer: its offers, its ownership periods, its sales. */
export interface DealerHistory {
  offers: { kind: string; reason: string | null; at: Date }[];
  ownership: { owner: string; reason: string; from: Date; until: Date | null }[];
  sales: { vin: string; model: string; soldOn: Date; price: number | null; at: Date }[];
  /** Its service visits and complaints (with its own ids). */
  aftersales: { kind: string; ref: string; at: Date }[];
}

/** A message asked for the customer, its status and the reason given for it (deferred, suppressed, failed). */
export interface MessageDecided {
  purpose: string; channel: string; sender: string; status: string; reason: string | null; sentAt: Date | null; createdAt: Date;
}

interface RawRow {
  id: string; customer_id: string; stage: string; dealer_id: string | null; offered_dealer_id: string | null; offer_expires_at: Date | null;
  lead_count: number; last_lead_source: string | null; stage_changed_at: Date;
  first_name: string | null; last_name: string | null; email_normalized: string | null; phone_e164: string | null; postal_code: string | null;
}

const SELECT_WITH_CONTACT = Prisma.sql`
  SELECT j.id, j.customer_id::text, j.stage, j.dealer_id, j.offered_dealer_id, j.offer_expires_at, j.lead_count,
         j.last_lead_source::text, j.stage_changed_at, c.first_name, c.last_name, c.email_normalized, c.phone_e164, c.postal_code
  FROM journey j JOIN customer c ON c.id = j.customer_id`;

const toRow = (r: RawRow): JourneyRow => ({
  journeyId: r.id, customerId: r.customer_id, stage: r.stage as JourneyStage, dealerId: r.dealer_id, offeredDealerId: r.offered_dealer_id,
  offerExpiresAt: r.offer_expires_at, leadCount: r.lead_count, lastLeadSource: r.last_lead_source, stageChangedAt: r.stage_changed_at,
  contact: { firstName: r.first_name, lastName: r.last_name, email: r.email_normalized, phone: r.phone_e164, postalCode: r.postal_code },
});

/**
 * The journey row as the workflow's state has it, upserted by revision (an older one never
 * wins), on any pg client: alone, or inside the transaction of a transition's records.
 */
export async function recordJourneyRow(sql: pg.ClientBase | pg.Pool, state: JourneyState): Promise<void> {
  await sql.query({
    name: 'journey-row-upsert',
    text: `
      INSERT INTO journey (id, customer_id, stage, owner, dealer_id, offered_dealer_id, offer_expires_at,
                           last_lead_source, lead_count, revision, started_at, stage_changed_at, updated_at)
      VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, $8::"LeadSource", $9, $10, $11, $12, now())
      ON CONFLICT (id) DO UPDATE SET
        stage = EXCLUDED.stage, owner = EXCLUDED.owner, dealer_id = EXCLUDED.dealer_id,
        offered_dealer_id = EXCLUDED.offered_dealer_id, offer_expires_at = EXCLUDED.offer_expires_at,
        last_lead_source = EXCLUDED.last_lead_source, lead_count = EXCLUDED.lead_count,
        revision = EXCLUDED.revision, stage_changed_at = EXCLUDED.stage_changed_at, updated_at = now()
      WHERE journey.revision < EXCLUDED.revision`,
    values: [
      state.journeyId, state.customerId, state.stage, state.owner, state.dealerId,
      state.handoff?.dealerId ?? null, state.handoff?.expiresAt ?? null,
      state.lastLeadSource, state.leadCount, state.revision, state.startedAt, state.stageChangedAt,
    ],
  });
}

export function createJourneyReadModel(db: PrismaClient) {
  return {
    /**
     * Upserts the journey row. Activities retry and may run out of order after a
     * failure, so a write carrying an older revision than the row never wins.
     */
    async record(state: JourneyState): Promise<void> {
      await recordJourneyRow(sqlPoolOf(db), state);
    },

    /** The facts a dealer's standing with a customer is decided from, in one round trip. */
    async standingFacts(customerId: string, dealerId: string): Promise<CustomerStandingFacts> {
      const [row] = await db.$queryRaw<{ stage: string | null; dealer_id: string | null; offered_dealer_id: string | null; involved: boolean }[]>`
        SELECT j.stage, j.dealer_id, j.offered_dealer_id,
               EXISTS (SELECT 1 FROM handoff_event h WHERE h.journey_id = ${journeyIdFor(customerId)} AND h.dealer_id = ${dealerId})
            OR EXISTS (SELECT 1 FROM ownership_change o WHERE o.customer_id = ${customerId}::uuid AND o.to_dealer_id = ${dealerId}) AS involved
        FROM (SELECT 1) AS one LEFT JOIN journey j ON j.customer_id = ${customerId}::uuid`;
      return {
        journey: row?.stage ? { stage: row.stage as JourneyStage, dealerId: row.dealer_id, offeredDealerId: row.offered_dealer_id } : null,
        dealerWasInvolved: row?.involved === true,
      };
    },

    /** Hand-offs offered to this dealer and waiting for its answer, soonest deadline first. */
    async openOffersTo(dealerId: string, limit = 500): Promise<JourneyRow[]> {
      const rows = await db.$queryRaw<RawRow[]>`${SELECT_WITH_CONTACT}
        WHERE j.offered_dealer_id = ${dealerId} AND j.stage = 'HANDED_OFF'
        ORDER BY j.offer_expires_at ASC NULLS LAST, j.id LIMIT ${limit}`;
      return rows.map(toRow);
    },

    /** Customers assigned to this dealer now or before, by journey id (a page and whether more follow). */
    async customersOf(dealerId: string, page: { stage?: JourneyStage; limit: number; after?: string }): Promise<{ rows: JourneyRow[]; more: boolean }> {
      const rows = await db.$queryRaw<RawRow[]>`${SELECT_WITH_CONTACT}
        WHERE (j.dealer_id = ${dealerId}
               OR EXISTS (SELECT 1 FROM ownership_change o WHERE o.customer_id = j.customer_id AND o.to_dealer_id = ${dealerId}))
          ${page.stage ? Prisma.sql`AND j.stage = ${page.stage} AND j.dealer_id = ${dealerId}` : Prisma.empty}
          ${page.after ? Prisma.sql`AND j.id > ${page.after}` : Prisma.empty}
        ORDER BY j.id LIMIT ${page.limit + 1}`;
      return { rows: rows.slice(0, page.limit).map(toRow), more: rows.length > page.limit };
    },

    /** One customer's journey row with contact details, or null. */
    async find(customerId: string): Promise<JourneyRow | null> {
      const [row] = await db.$queryRaw<RawRow[]>`${SELECT_WITH_CONTACT} WHERE j.customer_id = ${customerId}::uuid`;
      return row ? toRow(row) : null;
    },

    /** Only this dealer's own records about the customer: never who came after it. */
    async dealerHistory(customerId: string, dealerId: string): Promise<DealerHistory> {
      const journeyId = journeyIdFor(customerId);
      const [offers, ledger, sales, aftersales] = await Promise.all([
        db.handoffEvent.findMany({ where: { journeyId, dealerId }, orderBy: [{ at: 'asc' }, { key: 'asc' }] }),
        db.ownershipChange.findMany({ where: { customerId }, orderBy: [{ at: 'asc' }, { key: 'asc' }] }),
        db.sale.findMany({ where: { customerId, dealerId }, orderBy: { at: 'asc' } }),
        db.aftersalesEvent.findMany({ where: { journeyId, dealerId }, orderBy: [{ at: 'asc' }, { key: 'asc' }] }),
      ]);
      const ownership: DealerHistory['ownership'] = [];
      ledger.forEach((change, i) => {
        if (change.toDealerId !== dealerId) return;
        ownership.push({ owner: change.toOwner, reason: change.reason, from: change.at, until: ledger[i + 1]?.at ?? null });
      });
      return {
        offers: offers.map((o) => ({ kind: o.kind, reason: o.reason, at: o.at })),
        ownership,
        sales: sales.map((s) => ({ vin: s.vin, model: s.model, soldOn: s.soldOn, price: s.price === null ? null : Number(s.price), at: s.at })),
        aftersales: aftersales.map((a) => ({ kind: a.kind, ref: a.ref, at: a.at })),
      };
    },

    /** Every message asked for the customer, newest first: for whoever serves the customer now (the API's read-customer rule). */
    async messagesOf(customerId: string, limit = 100): Promise<MessageDecided[]> {
      const rows = await db.communication.findMany({ where: { customerId }, orderBy: { createdAt: 'desc' }, take: limit });
      return rows.map((r) => ({
        purpose: r.purpose, channel: r.channel, sender: r.senderDealerId ?? r.senderKind, status: r.status, reason: r.reason, sentAt: r.sentAt, createdAt: r.createdAt,
      }));
    },
  };
}

export type JourneyReadModel = ReturnType<typeof createJourneyReadModel>;
