import { ApplicationFailure, heartbeat, sleep } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { policyChangedSignal, policyRolloutJobId, runningJourneysQuery, type PolicyRollout } from '../workflows/definitions.js';

export interface PolicyRolloutDeps {
  /** Every worker process has it; only the time-skipping tests run without. */
  temporal?: Client;
  taskQueue?: string;
}

// temporal.api.enums.v1.BatchOperationState (the proto package is the client's, not ours to import).
const BATCH_OPERATION_STATE_RUNNING = 1;
const BATCH_OPERATION_STATE_FAILED = 3;

export function createPolicyRolloutActivities({ temporal, taskQueue }: PolicyRolloutDeps) {
  return {
    /**
     * Signals every running journey of the task queue with a policy version (a Temporal batch
     * operation whose job id is the version: a retried activity finds it there) and waits until
     * the server has finished it, so the next roll-out does not collide with it.
     */
    async rollOutPolicyVersion({ version, policy, reason }: PolicyRollout): Promise<{ jobId: string; journeys: number }> {
      if (!temporal || !taskQueue) throw ApplicationFailure.nonRetryable('this worker has no Temporal client to signal journeys with');
      const namespace = temporal.options.namespace;
      const jobId = policyRolloutJobId(version, taskQueue);
      try {
        await temporal.workflowService.startBatchOperation({
          namespace, jobId, reason: `journey policy version ${version}: ${reason}`,
          visibilityQuery: runningJourneysQuery(taskQueue),
          signalOperation: { signal: policyChangedSignal.name, input: { payloads: [defaultPayloadConverter.toPayload({ version, policy })] }, identity: 'journey-policy' },
        });
      } catch (error) {
        if ((error as { code?: number }).code !== 6 /* ALREADY_EXISTS: started by an earlier attempt */) throw error;
      }
      for (;;) {
        const job = await temporal.workflowService.describeBatchOperation({ namespace, jobId });
        if (job.state === BATCH_OPERATION_STATE_FAILED) throw new Error(`batch operation ${jobId} failed: ${job.reason}`);
        if (job.state !== BATCH_OPERATION_STATE_RUNNING) return { jobId, journeys: Number(job.completeOperationCount) };
        heartbeat();
        await sleep(1_000);
      }
    },
  };
}
