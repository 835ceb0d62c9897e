import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';
import type { SalesReportProgress } from '../domain/sales-report.js';
import { inChunks } from './chunks.js';
import { salesReportProgressQuery, type SalesMatchBackInput } from './definitions.js';

const DEFAULT_CHUNK_SIZE = 100;

const { matchSalesRows, finishSalesReport } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '10 minutes',
  // Heartbeats come with every row: a worker killed mid-chunk is noticed within 20 s and the
  // chunk runs again; its rows' updates carry ids the journeys already answered.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** One sales file matched to customers in chunks, like a fair import; progress answered by a query. */
export async function salesMatchBack({ reportId, totalRows, chunkSize = DEFAULT_CHUNK_SIZE }: SalesMatchBackInput): Promise<SalesReportProgress> {
  const progress: SalesReportProgress = { reportId, status: 'RUNNING', totalRows, doneRows: 0, recorded: 0, alreadyRecorded: 0, unmatched: 0, conflicts: 0, rejected: 0 };
  setHandler(salesReportProgressQuery, () => progress);
  await inChunks(totalRows, chunkSize, async (fromRow, toRow) => {
    const counts = await matchSalesRows({ reportId, fromRow, toRow });
    for (const key of ['recorded', 'alreadyRecorded', 'unmatched', 'conflicts', 'rejected'] as const) progress[key] += counts[key];
    progress.doneRows = toRow;
  });
  Object.assign(progress, await finishSalesReport({ reportId }), { status: 'COMPLETED' });
  return progress;
}
