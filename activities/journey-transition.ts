// A transition's records in one transaction: the journey row, the ledger, hand-off, sale and
// task rows, the decisions on messages, the notices for dealers, and, when the transition
// asks for one, the choice of the dealer to offer the hand-off to. The journey runs this as
// one local activity per transition, so a dealer's action is answered after one round trip
// to the database (issue 15). Each piece's SQL lives with its owner; this only composes them.
import type { JourneyState } from '../domain/journey.js';
import { recordJourneyRow } from '../read-model/journeys.js';
import { inTransaction, sqlPoolOf } from '../platform/db.js';
import { recordDecisionWithin, type CommunicationDecisionRecord } from './communications.js';
import { deliveriesStarter, recordNoticesWithin, type DealerDeliveryDeps, type NotifyDealersInput } from './dealer-delivery.js';
import { writeJourneyRecords, type JourneyRecords, type RecordsDeps } from './journey-records.js';
import { routeHandoffWithin, type HandoffRoute, type RouteHandoffInput } from './routing.js';

export interface TransitionRecords extends JourneyRecords {
  /** The read model's row, when the transition changed what it shows. */
  journey?: JourneyState;
  decisions?: CommunicationDecisionRecord[];
  notices?: NotifyDealersInput;
  /** Choose the dealer for the hand-off the transition asks for. */
  route?: RouteHandoffInput;
}

export interface TransitionWritten {
  route?: HandoffRoute;
}

export function createTransitionActivities({ db, ...deps }: RecordsDeps & DealerDeliveryDeps) {
  const pool = sqlPoolOf(db);
  const startDeliveries = deliveriesStarter(deps);
  return {
    async recordTransition(records: TransitionRecords): Promise<TransitionWritten> {
      const { route, deliveries } = await inTransaction(pool, async (sql) => {
        if (records.journey) await recordJourneyRow(sql, records.journey);
        await writeJourneyRecords(sql, records);
        for (const decision of records.decisions ?? []) await recordDecisionWithin(sql, decision);
        const deliveries = records.notices ? await recordNoticesWithin(sql, records.notices) : [];
        // Last, so the dealers stay locked for as short a time as possible.
        const route = records.route ? await routeHandoffWithin(sql, records.route) : undefined;
        return { route, deliveries };
      });
      // Deliveries start once their rows are committed (a delivery reads them when it sends).
      await startDeliveries(deliveries);
      return route ? { route } : {};
    },
  };
}
