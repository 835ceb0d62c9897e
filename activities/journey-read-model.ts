import type { PrismaClient } from '../generated/prisma/client.js';
import type { JourneyState } from '../domain/journey.js';
import { createJourneyReadModel } from '../read-model/journeys.js';

export interface ReadModelDeps {
  db: PrismaClient;
}

/** Activities that keep the database's journey read-model in step with the workflow. */
export function createReadModelActivities({ db }: ReadModelDeps) {
  const journeys = createJourneyReadModel(db);
  return {
    /** The journey row follows the workflow; an older revision never overwrites a newer one. */
    async recordJourney(state: JourneyState): Promise<void> {
      await journeys.record(state);
    },
  };
}
