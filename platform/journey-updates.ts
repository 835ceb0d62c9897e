// Calling a journey's Update from outside the workflow (the API's routes and pages, care's
// follow-ups): its answer, its refusal, no such journey, or no answer in time — each a value.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { isDeadlineExceeded, isNotFound } from './temporal-errors.js';

/** An update waits for the journey's worker; beyond this the caller gets a 503 to retry. */
const UPDATE_DEADLINE_MS = 10_000;

/** What became of an Update: the journey's answer, its refusal, no such journey, or no answer in time. */
export type JourneyUpdateOutcome<R> =
  | { kind: 'answered'; answer: R }
  | { kind: 'refused'; reason: string }
  | { kind: 'not-found' }
  | { kind: 'unavailable' };

/** Calls a journey's Update (the API's routes and the workspace's pages both go through this); `updateId` makes a retry the same Update. */
export async function callJourneyUpdate<R, A>(temporal: Client, journeyId: string, update: UpdateDefinition<R, [A]>, arg: A, updateId?: string): Promise<JourneyUpdateOutcome<R>> {
  try {
    const answer = await temporal.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      temporal.workflow.getHandle(journeyId).executeUpdate(update, { args: [arg], ...(updateId ? { updateId } : {}) }));
    return { kind: 'answered', answer };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return { kind: 'refused', reason: error.cause?.message ?? error.message };
    if (isNotFound(error)) return { kind: 'not-found' };
    if (isDeadlineExceeded(error)) return { kind: 'unavailable' };
    throw error;
  }
}

