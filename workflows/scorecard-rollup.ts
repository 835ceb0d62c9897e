import { proxyActivities } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';

const { rollUpScorecard } = proxyActivities<JourneyActivities>({
  // A year of a large network's records the first time (bench/scorecard.ts); an hour's marks after that.
  startToCloseTimeout: '30 minutes',
  // The database away: the next run is an hour later anyway, and reads from the records meanwhile.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  scheduleToCloseTimeout: '1 hour',
});

/**
 * The scorecard's daily roll-ups brought up to date (its Schedule starts it hourly; ops trigger it
 * from the Temporal UI): the days before today not written yet, and the days late records marked.
 */
export async function scorecardRollup(): Promise<string> {
  const run = await rollUpScorecard();
  return run.from < run.to ? `days ${run.from}..${run.to} (${run.rows} rows, ${run.marks} marks)` : `up to date before ${run.to}`;
}
