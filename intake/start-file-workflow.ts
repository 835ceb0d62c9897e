import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';

const START_TIMEOUT_MS = 3_000;

/**
 * Starts the workflow that works through a stored file (a fair import, a sales report), once
 * (an existing run is kept); false when Temporal cannot be reached now — the file stays stored
 * and the worker's relay starts it later.
 */
export async function startFileWorkflow(
  temporal: Client, log: Logger, start: { workflowType: string; workflowId: string; taskQueue: string; args: unknown[] },
): Promise<boolean> {
  try {
    await temporal.withDeadline(Date.now() + START_TIMEOUT_MS, () => temporal.workflow.start(start.workflowType, {
      workflowId: start.workflowId, taskQueue: start.taskQueue, args: start.args, workflowIdConflictPolicy: 'USE_EXISTING',
    }));
    return true;
  } catch (err) {
    log.warn({ err, workflowId: start.workflowId }, 'file workflow not started; the relay will start it');
    return false;
  }
}
