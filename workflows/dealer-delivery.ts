import { proxyActivities } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';
import type { DealerDeliveryInput } from './definitions.js';

/**
 * One notice to one dealer over one channel, retried with exponential backoff until the
 * receiver takes it or the schedule gives up (24 hours in production); then the delivery
 * is marked failed and ops get a task. Runs beside the journey, never in its way.
 */
export async function dealerDelivery({ deliveryId, schedule }: DealerDeliveryInput): Promise<string> {
  const { attemptDelivery } = proxyActivities<JourneyActivities>({
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: schedule.giveUpAfterMs,
    retry: { initialInterval: schedule.initialIntervalMs, backoffCoefficient: 2, maximumInterval: schedule.maximumIntervalMs },
  });
  const { markDeliveryFailed } = proxyActivities<JourneyActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  try {
    return await attemptDelivery({ deliveryId });
  } catch {
    // Out of time (every attempt and its answer is in the delivery log).
    await markDeliveryFailed({ deliveryId });
    return 'FAILED';
  }
}
