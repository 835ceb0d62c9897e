import { proxyActivities } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';

const { sendCaptainDigest } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '2 minutes',
  // The SMTP server or the database away: the digest waits (a day at most: the next comes a week later).
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  scheduleToCloseTimeout: '1 day',
});

/**
 * A process captain's weekly digest, started by the captain's Temporal Schedule (or its
 * "trigger"): the week is the one the workflow starts in, in the captain's time zone.
 */
export async function captainDigest({ captainId }: { captainId: string }): Promise<string> {
  const { outcome, week } = await sendCaptainDigest({ captainId, at: new Date().toISOString() });
  return week ? `${outcome} ${week}` : outcome;
}
