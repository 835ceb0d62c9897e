import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';
import { noPlacements, type ImportPlacement, type OnboardingProgress } from '../domain/onboarding.js';
import { inChunks } from './chunks.js';
import { onboardingProgressQuery, type CustomerOnboardingInput } from './definitions.js';

// Large enough that a chunk's look-ups and the round trip between activities are a small part of
// its time (rows one chunk after another); at the bulk pace (20 rows/s) a chunk is 25 s of work.
const DEFAULT_CHUNK_SIZE = 500;

const { onboardCustomerRows, finishCustomerImport } = proxyActivities<JourneyActivities>({
  // A chunk at a slow pace takes long; a dead worker is found by its missing heartbeats instead.
  startToCloseTimeout: '1 hour',
  // Heartbeats every few seconds: a worker killed mid-chunk is noticed within 20 s and the
  // chunk runs again; its done rows are skipped, the others find their leads by key.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One onboarding file of the OEM's customers, on the bulk task queue: rows taken in chunks, one
 * chunk at a time (a person in two rows is found in the earlier row's outcome), progress answered
 * by a query. Bad rows are reported, never fatal; infrastructure faults are retried.
 */
export async function customerOnboarding({ importId, totalRows, chunkSize = DEFAULT_CHUNK_SIZE }: CustomerOnboardingInput): Promise<OnboardingProgress> {
  const progress: OnboardingProgress = {
    importId, status: 'RUNNING', totalRows, doneRows: 0, imported: 0, merged: 0, rejected: 0, withConflicts: 0, byPlacement: noPlacements(),
  };
  setHandler(onboardingProgressQuery, () => progress);

  await inChunks(totalRows, chunkSize, async (fromRow, toRow) => {
    const counts = await onboardCustomerRows({ importId, fromRow, toRow });
    progress.imported += counts.imported;
    progress.merged += counts.merged;
    progress.rejected += counts.rejected;
    progress.withConflicts += counts.withConflicts;
    for (const [placement, n] of Object.entries(counts.placements)) progress.byPlacement[placement as ImportPlacement] += n;
    progress.doneRows = toRow;
  });
  // The final counts come from the rows, the durable truth (a chunk done before a restart included).
  Object.assign(progress, await finishCustomerImport({ importId }), { status: 'COMPLETED', doneRows: totalRows });
  return progress;
}
