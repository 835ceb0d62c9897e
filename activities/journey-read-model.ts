import type { PrismaClient } from '../generated/prisma/client.js';
import type { JourneyState } from '../domain/journey.js';

export interface ReadModelDeps {
  db: PrismaClient;
}

/** Activities that keep the database's journey read-model in step with the workflow. */
export function createReadModelActivities({ db }: ReadModelDeps) {
  return {
    /**
     * Upserts the journey row. Activities retry and may run out of order after a
     * failure, so a write carrying an older revision than the row never wins.
     */
    async recordJourney(state: JourneyState): Promise<void> {
      await db.$executeRaw`
        INSERT INTO journey (id, customer_id, stage, owner, dealer_id, offered_dealer_id, offer_expires_at,
                             last_lead_source, lead_count, revision, started_at, stage_changed_at, updated_at)
        VALUES (${state.journeyId}, ${state.customerId}::uuid, ${state.stage}, ${state.owner}, ${state.dealerId},
                ${state.handoff?.dealerId ?? null}, ${state.handoff?.expiresAt ? new Date(state.handoff.expiresAt) : null},
                ${state.lastLeadSource}::"LeadSource", ${state.leadCount}, ${state.revision},
                ${new Date(state.startedAt)}, ${new Date(state.stageChangedAt)}, now())
        ON CONFLICT (id) DO UPDATE SET
          stage = EXCLUDED.stage, owner = EXCLUDED.owner, dealer_id = EXCLUDED.dealer_id,
          offered_dealer_id = EXCLUDED.offered_dealer_id, offer_expires_at = EXCLUDED.offer_expires_at,
          last_lead_source = EXCLUDED.last_lead_source, lead_count = EXCLUDED.lead_count,
          revision = EXCLUDED.revision, stage_changed_at = EXCLUDED.stage_changed_at, updated_at = now()
        WHERE journey.revision < EXCLUDED.revision`;
    },
  };
}
