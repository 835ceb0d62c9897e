// The roll-ups' Schedule: hourly at 20 past, a scorecardRollup workflow on the bulk task queue
// (the first run after midnight UTC writes the day before). One for the namespace; ops see, pause
// and trigger it in the Temporal UI. Each worker process that takes bulk work makes sure it exists.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { taskQueuesOf } from '../platform/task-queues.js';
import { SCORECARD_ROLLUP_SCHEDULE_ID, SCORECARD_ROLLUP_WORKFLOW_TYPE } from '../workflows/definitions.js';

/**
 * Creates the Schedule unless it exists (as ops left it: paused stays paused). `scheduleId`: the
 * namespace's one, or another for systems that share a namespace (the tests).
 */
export async function ensureScorecardRollupSchedule(temporal: Client, journeysQueue: string, scheduleId = SCORECARD_ROLLUP_SCHEDULE_ID): Promise<void> {
  try {
    await temporal.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1 hour', offset: '20 minutes' }] },
      action: { type: 'startWorkflow', workflowType: SCORECARD_ROLLUP_WORKFLOW_TYPE, taskQueue: taskQueuesOf(journeysQueue).bulk, workflowId: scheduleId, args: [] },
      // A run still going when the next is due (the first, over years of records) is not doubled.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      state: { note: 'The scorecard\'s daily roll-ups (docs/scorecard.md).' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
