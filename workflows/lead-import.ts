import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';
import type { ImportProgress } from '../domain/lead-import.js';
import { inChunks } from './chunks.js';
import { importProgressQuery, type LeadImportInput } from './definitions.js';

// Small enough for a progress bar that moves, large enough that 10,000 rows are 100 activities.
const DEFAULT_CHUNK_SIZE = 100;
/**
 * Two chunks in flight, so the journeys are signalled without a pause between chunks; the
 * worker's intake still keeps at most BATCH_DELIVERY_CONCURRENCY signals in flight in all.
 */
const CHUNKS_AT_ONCE = 2;

const { importLeadRows, finishLeadImport } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '10 minutes',
  // Heartbeats come with every row (milliseconds apart): a worker killed mid-chunk is
  // noticed within 20 s and the chunk runs again; its finished rows find their leads
  // by idempotency key.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One fair or road-show file: rows taken in chunks by activities, progress answered
 * by a query. Bad rows are reported, never fatal; infrastructure faults are retried.
 */
export async function leadImport({ importId, totalRows, chunkSize = DEFAULT_CHUNK_SIZE }: LeadImportInput): Promise<ImportProgress> {
  const progress: ImportProgress = { importId, status: 'RUNNING', totalRows, doneRows: 0, ok: 0, rejected: 0, duplicates: 0 };
  setHandler(importProgressQuery, () => progress);

  await inChunks(totalRows, chunkSize, async (fromRow, toRow) => {
    const counts = await importLeadRows({ importId, fromRow, toRow });
    progress.ok += counts.ok;
    progress.rejected += counts.rejected;
    progress.duplicates += counts.duplicates;
    progress.doneRows += toRow - fromRow + 1;
  }, CHUNKS_AT_ONCE);
  Object.assign(progress, await finishLeadImport({ importId }), { status: 'COMPLETED' });
  return progress;
}
