// Receiving sales files: stored first (durable, deduplicated by content), then matched by a
// salesMatchBack workflow. A Temporal outage leaves the report RECEIVED; the worker's relay
// starts it later (as it does fair imports).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SalesReportCounts, SalesReportProgress } from '../domain/sales-report.js';
import type { SalesReport } from '../generated/prisma/client.js';
import { isUniqueViolation, type PrismaClient } from '../platform/db.js';
import type { TableFormat } from '../intake/table.js';
import { taskQueuesOf } from '../platform/task-queues.js';
import { JOURNEY_TASK_QUEUE, salesMatchBackIdFor, salesReportProgressQuery } from '../workflows/definitions.js';
import { parseSalesFile } from './sales-file.js';
import { startFileWorkflow, startStrandedFiles } from '../intake/start-file-workflow.js';

const QUERY_TIMEOUT_MS = 3_000;

export type SalesReportView = SalesReportProgress & {
  status: 'RECEIVED' | 'RUNNING' | 'COMPLETED';
  format: TableFormat;
  fileName: string | null;
  createdAt: string;
  completedAt: string | null;
};

/** What became of a report's rows so far, from the stored row outcomes (the durable truth). */
export async function countSalesReportRows(db: PrismaClient, reportId: string): Promise<SalesReportCounts> {
  const groups = await db.salesReportRow.groupBy({ by: ['outcome'], where: { reportId }, _count: { _all: true } });
  const count = (outcome: string) => groups.find((g) => g.outcome === outcome)?._count._all ?? 0;
  return { recorded: count('RECORDED'), alreadyRecorded: count('ALREADY_RECORDED'), unmatched: count('UNMATCHED'), conflicts: count('CONFLICT'), rejected: count('REJECTED') };
}

const done = (c: SalesReportCounts) => c.recorded + c.alreadyRecorded + c.unmatched + c.conflicts + c.rejected;

export function createSalesReports({ db, temporal, taskQueue = JOURNEY_TASK_QUEUE, log }: { db: PrismaClient; temporal: Client; taskQueue?: string; log: Logger }) {
  async function start(stored: Pick<SalesReport, 'id' | 'totalRows'>): Promise<boolean> {
    const started = await startFileWorkflow(temporal, log, {
      workflowType: 'salesMatchBack', workflowId: salesMatchBackIdFor(stored.id), taskQueue: taskQueuesOf(taskQueue).bulk, args: [{ reportId: stored.id, totalRows: stored.totalRows }],
    });
    if (!started) return false;
    await db.salesReport.updateMany({ where: { id: stored.id, status: 'RECEIVED' }, data: { status: 'RUNNING', startedAt: new Date() } });
    return true;
  }

  function view(stored: SalesReport, counts: SalesReportCounts & { doneRows: number }): SalesReportView {
    return {
      reportId: stored.id, status: stored.status as SalesReportView['status'], totalRows: stored.totalRows, ...counts,
      format: stored.format as TableFormat, fileName: stored.fileName, createdAt: stored.createdAt.toISOString(), completedAt: stored.completedAt?.toISOString() ?? null,
    };
  }

  /** Live progress from the workflow while it runs; the stored outcomes otherwise. */
  async function progress(reportId: string): Promise<SalesReportView | null> {
    const stored = await db.salesReport.findUnique({ where: { id: reportId } });
    if (!stored) return null;
    if (stored.status === 'RUNNING') {
      try {
        const live = await temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
          temporal.workflow.getHandle(salesMatchBackIdFor(reportId)).query(salesReportProgressQuery));
        const latest = live.status === 'COMPLETED' ? await db.salesReport.findUniqueOrThrow({ where: { id: reportId } }) : stored;
        return view(latest, live);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) log.warn({ err: error, reportId }, 'match-back progress from stored rows');
      }
    }
    const counts = await countSalesReportRows(db, reportId);
    return view(stored, { ...counts, doneRows: done(counts) });
  }

  return {
    /** Stores a sales file and starts matching it; throws TableRejected when it is not a sales file. The same file is one report. */
    async receive(input: { content: string; format: TableFormat; fileName?: string; createdBy?: string }) {
      const file = parseSalesFile(input.content, input.format);
      const contentHash = createHash('sha256').update(input.content).digest('hex');
      let stored: SalesReport;
      let replayed = false;
      try {
        stored = await db.salesReport.create({
          data: { id: randomUUID(), contentHash, format: input.format, fileName: input.fileName, content: input.content, totalRows: file.rows.length, createdBy: input.createdBy },
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        stored = await db.salesReport.findUniqueOrThrow({ where: { contentHash } });
        replayed = true;
      }
      const started = stored.status !== 'RECEIVED' || (await start(stored));
      return { report: (await progress(stored.id))!, ignoredColumns: file.ignoredColumns, replayed, started };
    },

    progress,

    /** Reports stored but never started (Temporal was down): the relay starts them. */
    startStranded: (minAgeMs: number, now = new Date()) =>
      startStrandedFiles(minAgeMs, now, (where, take) => db.salesReport.findMany({ where, take, select: { id: true, totalRows: true } }), start),
  };
}

export type SalesReports = ReturnType<typeof createSalesReports>;
