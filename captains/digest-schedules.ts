// Each captain's weekly digest is a Temporal Schedule of its own (issue 35): Monday 07:00 in the
// captain's time zone, starting a captainDigest workflow on the bulk task queue. One schedule per
// captain, so ops see, pause and trigger each in the Temporal UI; the workspace pauses it too.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { taskQueuesOf } from '../platform/task-queues.js';
import { isNotFound } from '../platform/temporal-errors.js';
import { CAPTAIN_DIGEST_WORKFLOW_TYPE, captainDigestScheduleIdOf } from '../workflows/definitions.js';

export interface DigestSchedule { captainId: string; timeZone: string; paused: boolean; note: string }

const specOf = (timeZone: string) => ({ calendars: [{ dayOfWeek: 'MONDAY' as const, hour: 7, minute: 0 }], timezone: timeZone });

export function digestSchedules(temporal: Client, journeysQueue: string) {
  const bulkQueue = taskQueuesOf(journeysQueue).bulk;
  const options = (s: DigestSchedule): ScheduleOptions => ({
    scheduleId: captainDigestScheduleIdOf(s.captainId),
    spec: specOf(s.timeZone),
    action: {
      type: 'startWorkflow', workflowType: CAPTAIN_DIGEST_WORKFLOW_TYPE, taskQueue: bulkQueue,
      workflowId: `captain-digest-${s.captainId}`, args: [{ captainId: s.captainId }],
    },
    // A digest late by a day still helps; one running when the next is due is not doubled.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    state: { paused: s.paused, note: s.note },
  });

  return {
    /** Creates the schedule, or brings an existing one to the captain's zone and pause state (a repeat changes nothing). */
    async ensure(s: DigestSchedule): Promise<void> {
      const handle = temporal.schedule.getHandle(captainDigestScheduleIdOf(s.captainId));
      try {
        const current = await handle.describe();
        const zoneChanged = current.spec.timezone !== s.timeZone;
        if (zoneChanged) await handle.update((prev) => ({ ...prev, spec: specOf(s.timeZone), state: { ...prev.state, paused: s.paused, note: s.note } }));
        else if (current.state.paused !== s.paused) await (s.paused ? handle.pause(s.note) : handle.unpause(s.note));
        return;
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError) && !isNotFound(error)) throw error;
      }
      await temporal.schedule.create(options(s));
    },
    async remove(captainId: string): Promise<void> {
      try {
        await temporal.schedule.getHandle(captainDigestScheduleIdOf(captainId)).delete();
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError) && !isNotFound(error)) throw error;
      }
    },
    /** Sends this week's digest now (what the Temporal UI's "trigger" does). */
    async trigger(captainId: string): Promise<void> {
      await temporal.schedule.getHandle(captainDigestScheduleIdOf(captainId)).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    },
  };
}
export type DigestSchedules = ReturnType<typeof digestSchedules>;
