// A workflow task's transitions' records in one transaction: the journey row, the ledger,
// hand-off, sale and task rows, the decisions on messages, the notices for dealers, and, when the
// last transition asks for one, the choice of the dealer to offer the hand-off to. The journey
// runs this as one local activity when its task ends or something must see the records first,
// so a new journey's first task (captured, qualifying, scored) is one round trip to the
// database, and a dealer's action is answered after one (issue 15). Each piece's SQL lives with
// its owner; this only composes them.
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

/** Transitions in the order the journey took them; only the last may ask for a route. */
export interface TransitionsToRecord {
  transitions: TransitionRecords[];
}

export function createTransitionActivities({ db, ...deps }: RecordsDeps & DealerDeliveryDeps) {
  const pool = sqlPoolOf(db);
  const startDeliveries = deliveriesStarter(deps);
  return {
    async recordTransitions({ transitions }: TransitionsToRecord): Promise<TransitionWritten> {
      const last = transitions.at(-1);
      if (transitions.slice(0, -1).some((records) => records.route)) throw new Error('only the last transition may ask for a hand-off route');
      const { route, deliveries } = await inTransaction(pool, async (sql) => {
        // The read model shows where the journey stands: the last state is enough.
        const journey = transitions.findLast((records) => records.journey)?.journey;
        if (journey) await recordJourneyRow(sql, journey);
        const deliveries: string[] = [];
        for (const records of transitions) {
          await writeJourneyRecords(sql, records);
          for (const decision of records.decisions ?? []) await recordDecisionWithin(sql, decision);
          if (records.notices) deliveries.push(...(await recordNoticesWithin(sql, records.notices)));
        }
        // Last, so the dealers stay locked for as short a time as possible.
        const route = last?.route ? await routeHandoffWithin(sql, last.route) : undefined;
        return { route, deliveries };
      });
      // Deliveries start once their rows are committed (a delivery reads them when it sends).
      await startDeliveries(deliveries);
      return route ? { route } : {};
    },
  };
}
