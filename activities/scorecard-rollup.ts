import { sqlPoolOf, type PrismaClient } from '../platform/db.js';
import { rollUpScorecard, type RollupRun } from '../reports/scorecard-rollups.js';

/** The scorecard's daily roll-ups (reports/scorecard-rollups.ts). */
export function createScorecardRollupActivities({ db }: { db: PrismaClient }) {
  return {
    /** `before`: the first day not to write (tests); default today, from 00:15 UTC. */
    async rollUpScorecard({ before }: { before?: string }): Promise<RollupRun> {
      return rollUpScorecard(sqlPoolOf(db), before ? { before: new Date(before) } : {});
    },
  };
}
