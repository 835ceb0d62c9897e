import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { taskQueuesOf } from '../platform/task-queues.js';
import { dealerDeliveryIdFor, JOURNEY_TASK_QUEUE, type DeliverySchedule } from '../workflows/definitions.js';

/** Production: every 10 s, doubling up to hourly, for 24 hours. */
export const DEFAULT_DELIVERY_SCHEDULE: DeliverySchedule = { initialIntervalMs: 10_000, maximumIntervalMs: 3_600_000, giveUpAfterMs: 24 * 3_600_000 };

/**
 * Starts a delivery's workflow, once, on the deliveries' task queue of the journeys' `taskQueue`:
 * the journey's notices and ops' redeliveries both come here.
 */
export function deliveryStarter(temporal: Client, taskQueue = JOURNEY_TASK_QUEUE, schedule = DEFAULT_DELIVERY_SCHEDULE) {
  const deliveriesQueue = taskQueuesOf(taskQueue).deliveries;
  return async function startDelivery(deliveryId: string, redelivery = 0): Promise<void> {
    try {
      await temporal.workflow.start('dealerDelivery', {
        workflowId: dealerDeliveryIdFor(deliveryId, redelivery), taskQueue: deliveriesQueue, args: [{ deliveryId, schedule }],
        // A retried start must not deliver twice: a finished delivery's id is never reused.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  };
}
