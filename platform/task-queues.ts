// Where each kind of work waits: a deployment's task queues, named after its journeys' queue
// (TEMPORAL_TASK_QUEUE). The starters (API, intake, deliveries) and the workers both read it.

/** The kinds of work a deployment's workers take, each from a task queue of its own. */
export const TASK_QUEUE_KINDS = ['journeys', 'bulk', 'deliveries'] as const;
export type TaskQueueKind = (typeof TASK_QUEUE_KINDS)[number];
/**
 * A deployment's task queues, named after its journeys' queue. Each kind has worker slots of its
 * own, so a dealer's click never waits for a slot behind a 10,000-row file or a dealer's slow server:
 * - journeys: the journeys and the activities they call;
 * - bulk: imports, sales match-back, policy and market roll-outs (and onboarding and campaigns);
 * - deliveries: hand-off notices into dealers' systems, retried for up to a day.
 */
export const taskQueuesOf = (journeysQueue: string): Record<TaskQueueKind, string> => ({
  journeys: journeysQueue, bulk: `${journeysQueue}-bulk`, deliveries: `${journeysQueue}-deliveries`,
});
