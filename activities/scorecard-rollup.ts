import { sqlPoolOf, type PrismaClient } from '../platform/db.js';
import { rollUpScorecard, type RollupRun } from '../reports/scorecard-rollups.js';

/** The scorecard's daily roll-ups (reports/scorecard-rollups.ts). */
export function createScorecardRollupActivities({ db }: { db: PrismaClient }) {
  return {
    /** The days before today (each from 02:15 UTC the next morning) not written yet, and those late records marked. */
    async rollUpScorecard(): Promise<RollupRun> {
      return rollUpScorecard(sqlPoolOf(db));
    },
  };
}
