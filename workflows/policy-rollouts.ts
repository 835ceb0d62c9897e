import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';
import { policyRolloutRequestedSignal, policyRolloutsQuery, type PolicyRollout, type PolicyRolloutsState } from './definitions.js';

const { rollOutPolicyVersion } = proxyActivities<JourneyActivities>({
  // A roll-out to millions of journeys takes a while; the activity heartbeats while it waits.
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  // Another batch operation in the namespace (a market roll-out), or Temporal busy: wait and try again —
  // soon after it ends (one cheap call every 10 s at most), not up to a minute later for each queued version.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/** Versions remembered as done, so that a repeat request is answered without a second roll-out. */
const REMEMBERED = 100;

/**
 * The policy roll-outs of one task queue's journeys, one at a time and in the order asked: the
 * server runs one batch operation per namespace at a time, and a request that started its own
 * waited behind the one running (30 s and more). The API signals this workflow (signal-with-start,
 * milliseconds) and answers 202 at once; a version asked for again while queued or after it was
 * sent is not sent twice, and one older than a version sent already is not sent at all.
 */
export async function policyRollouts(carried: PolicyRolloutsState = { queued: [], done: [] }): Promise<void> {
  const queued: PolicyRollout[] = [...carried.queued];
  const done: number[] = [...carried.done];
  setHandler(policyRolloutRequestedSignal, (rollout) => {
    if (done.includes(rollout.version) || queued.some((q) => q.version === rollout.version)) return;
    queued.push(rollout);
    queued.sort((a, b) => a.version - b.version);
  });
  setHandler(policyRolloutsQuery, () => ({ queued, done }));

  for (;;) {
    await condition(() => queued.length > 0 || workflowInfo().continueAsNewSuggested);
    if (queued.length === 0) break;
    const next = queued[0]!;
    // Journeys follow the newest version they hear of: one older than a version sent already
    // would be ignored by every journey (and new ones start with the newest), so it is not sent.
    if (next.version > Math.max(0, ...done)) await rollOutPolicyVersion(next);
    done.push(next.version);
    done.splice(0, Math.max(0, done.length - REMEMBERED));
    queued.shift();
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof policyRollouts>({ queued, done });
}
