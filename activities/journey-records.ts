import type { Vehicle } from '../domain/journey.js';
import type { Owner } from '../domain/transitions.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export interface RecordsDeps {
  db: PrismaClient;
}

// Each record carries a key derived from the journey's revision, so an activity
// retried after a lost acknowledgement writes its row once.

export interface OwnershipChangeRecord {
  key: string;
  journeyId: string;
  customerId: string;
  from: Owner | null;
  to: Owner;
  reason: string;
  actor: string;
  at: string;
}

export interface HandoffEventRecord {
  key: string;
  journeyId: string;
  dealerId: string;
  kind: 'OFFERED' | 'ACCEPTED' | 'DECLINED' | 'TIMED_OUT';
  reason: string | null;
  at: string;
}

export interface SaleRecord {
  key: string;
  journeyId: string;
  customerId: string;
  dealerId: string;
  vehicle: Vehicle;
  at: string;
}

export interface JourneyTaskRecord {
  key: string;
  journeyId: string;
  /** 'OEM' or a dealer id. */
  assignee: string;
  kind: string;
  detail: string | null;
  at: string;
}

/** The journey's durable records: ownership ledger, hand-offs, sales, tasks, erasure. */
export function createRecordsActivities({ db }: RecordsDeps) {
  return {
    async recordOwnershipChange(r: OwnershipChangeRecord): Promise<void> {
      await db.ownershipChange.createMany({
        data: [{
          key: r.key, journeyId: r.journeyId, customerId: r.customerId,
          fromOwner: r.from?.kind ?? null, fromDealerId: r.from?.dealerId ?? null,
          toOwner: r.to.kind, toDealerId: r.to.dealerId, reason: r.reason, actor: r.actor, at: new Date(r.at),
        }],
        skipDuplicates: true,
      });
    },

    async recordHandoffEvent(r: HandoffEventRecord): Promise<void> {
      await db.handoffEvent.createMany({
        data: [{ key: r.key, journeyId: r.journeyId, dealerId: r.dealerId, kind: r.kind, reason: r.reason, at: new Date(r.at) }],
        skipDuplicates: true,
      });
    },

    async recordSale(r: SaleRecord): Promise<void> {
      await db.sale.createMany({
        data: [{
          key: r.key, journeyId: r.journeyId, customerId: r.customerId, dealerId: r.dealerId,
          vin: r.vehicle.vin, model: r.vehicle.model, soldOn: new Date(r.vehicle.soldOn), price: r.vehicle.price ?? null, at: new Date(r.at),
        }],
        skipDuplicates: true,
      });
    },

    async recordJourneyTask(r: JourneyTaskRecord): Promise<void> {
      await db.journeyTask.createMany({
        data: [{ key: r.key, journeyId: r.journeyId, assignee: r.assignee, kind: r.kind, detail: r.detail, dueAt: new Date(r.at) }],
        skipDuplicates: true,
      });
    },

    /** Removes personal data; ids, stages and the ledger stay (pseudonymous). */
    async erasePersonalData({ customerId }: { customerId: string }): Promise<void> {
      await db.$transaction([
        db.customer.update({
          where: { id: customerId },
          data: { emailNormalized: null, phoneE164: null, firstName: null, lastName: null, postalCode: null, country: null },
        }),
        db.lead.updateMany({ where: { customerId }, data: { message: null, idempotencyKey: null, requestHash: null } }),
        // Template variables may hold personal details too.
        db.communication.updateMany({ where: { customerId }, data: { variables: {} } }),
        // Consent proof stays (what was agreed, when, with which wording); the browser's address goes.
        db.consentRecord.updateMany({ where: { customerId }, data: { ip: null, userAgent: null } }),
      ]);
    },
  };
}
