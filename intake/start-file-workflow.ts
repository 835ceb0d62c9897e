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

/** Files a relay round starts at most (the next round takes the rest). */
const STRANDED_PER_ROUND = 20;

/**
 * Files stored at least `minAgeMs` ago whose workflow never started (Temporal was down): each
 * started now through `start`; how many were. `find` reads them with the filter it is given.
 */
export async function startStrandedFiles<F>(
  minAgeMs: number, now: Date,
  find: (where: { status: 'RECEIVED'; createdAt: { lte: Date } }, take: number) => Promise<F[]>,
  start: (file: F) => Promise<boolean>,
): Promise<number> {
  const stranded = await find({ status: 'RECEIVED', createdAt: { lte: new Date(now.getTime() - minAgeMs) } }, STRANDED_PER_ROUND);
  let started = 0;
  for (const file of stranded) if (await start(file)) started++;
  return started;
}
