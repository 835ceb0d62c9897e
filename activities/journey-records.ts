import type { JourneyRecords } from '../domain/journey-records.js';
import type pg from 'pg';
import type { PrismaClient } from '../platform/db.js';

export interface RecordsDeps {
  db: PrismaClient;
}

export type {
  AftersalesRecord, HandoffEventRecord, JourneyRecords, JourneyTaskRecord, OwnershipChangeRecord, SaleRecord, StageChangeRecord,
} from '../domain/journey-records.js';

export async function writeJourneyRecords(sql: pg.ClientBase | pg.Pool, records: JourneyRecords): Promise<void> {
  for (const r of records.ownershipChanges ?? []) {
    await sql.query({
      name: 'record-ownership-change',
      text: `INSERT INTO ownership_change (key, journey_id, customer_id, from_owner, from_dealer_id, to_owner, to_dealer_id, reason, actor, at)
             VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (key) DO NOTHING`,
      values: [r.key, r.journeyId, r.customerId, r.from?.kind ?? null, r.from?.dealerId ?? null, r.to.kind, r.to.dealerId, r.reason, r.actor, r.at],
    });
  }
  for (const r of records.handoffEvents ?? []) {
    await sql.query({
      name: 'record-handoff-event',
      text: 'INSERT INTO handoff_event (key, journey_id, dealer_id, kind, reason, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING',
      values: [r.key, r.journeyId, r.dealerId, r.kind, r.reason, r.at],
    });
  }
  for (const r of records.sales ?? []) {
    await sql.query({
      name: 'record-sale',
      text: `INSERT INTO sale (key, journey_id, customer_id, dealer_id, vin, model, sold_on, price, at, driver_id, imported)
             VALUES ($1, $2, $3::uuid, $4, $5, $6, $7::date, $8, $9, $10::uuid, $11) ON CONFLICT (key) DO NOTHING`,
      values: [r.key, r.journeyId, r.customerId, r.dealerId, r.vehicle.vin, r.vehicle.model, r.vehicle.soldOn, r.vehicle.price ?? null, r.at, r.driverId ?? null, r.imported ?? false],
    });
  }
  for (const r of records.tasks ?? []) {
    await sql.query({
      name: 'record-journey-task',
      text: 'INSERT INTO journey_task (key, journey_id, assignee, kind, detail, due_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING',
      values: [r.key, r.journeyId, r.assignee, r.kind, r.detail, r.at],
    });
  }
  for (const r of records.stageChanges ?? []) {
    await sql.query({
      name: 'record-stage-change',
      text: `INSERT INTO journey_stage_change (key, journey_id, customer_id, from_stage, to_stage, dealer_id, at)
             VALUES ($1, $2, $3::uuid, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
      values: [r.key, r.journeyId, r.customerId, r.from, r.to, r.dealerId, r.at],
    });
  }
  for (const r of records.aftersales ?? []) {
    await sql.query({
      name: 'record-aftersales-event',
      text: `INSERT INTO aftersales_event (key, journey_id, customer_id, dealer_id, kind, ref, at)
             VALUES ($1, $2, $3::uuid, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
      values: [r.key, r.journeyId, r.customerId, r.dealerId, r.kind, r.ref, r.at],
    });
  }
}

/** The journey's erasure of the customer's personal data (its records are written with each transition: journey-transition.ts). */
export function createRecordsActivities({ db }: RecordsDeps) {
  return {
    /** Removes personal data; ids, stages and the ledger stay (pseudonymous). */
    async erasePersonalData({ customerId }: { customerId: string }): Promise<void> {
      await db.$transaction([
        db.customer.update({
          where: { id: customerId },
          data: {
            emailNormalized: null, phoneE164: null, firstName: null, lastName: null, postalCode: null, country: null,
            // A company (a sole trader's name is personal data): its identity goes too, so a new lead starts afresh.
            companyName: null, companyKey: null, vatId: null, street: null, city: null, fleetSize: null,
          },
        }),
        // A company's people stay who they are; their link to the erased company goes.
        db.companyContact.deleteMany({ where: { companyId: customerId } }),
        db.lead.updateMany({ where: { customerId }, data: { message: null, idempotencyKey: null, requestHash: null, contactId: null } }),
        // Erasure is final: a lead still waiting in the outbox is settled, never delivered to a new run.
        db.lead.updateMany({ where: { customerId, deliveredAt: null }, data: { deliveredAt: new Date() } }),
        // Template variables may hold personal details too.
        db.communication.updateMany({ where: { customerId }, data: { variables: {} } }),
        // Consent proof stays (what was agreed, when, with which wording); the browser's address goes.
        db.consentRecord.updateMany({ where: { customerId }, data: { ip: null, userAgent: null } }),
        // A survey's score stays (the dealer's NPS); the customer's own words go.
        db.surveyAnswer.updateMany({ where: { customerId }, data: { comment: null } }),
      ]);
    },
  };
}
