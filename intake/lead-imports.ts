// Receiving fair and road-show files: the file is stored first (durable, deduplicated
// by content and event), then its leadImport workflow is started. A Temporal outage
// leaves the import RECEIVED; the worker's relay starts it later.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { LeadImport } from '../generated/prisma/client.js';
import { isUniqueViolation, type PrismaClient } from '../platform/db.js';
import type { ImportCounts, ImportProgress } from '../domain/lead-import.js';
import { taskQueuesOf } from '../platform/task-queues.js';
import { importProgressQuery, JOURNEY_TASK_QUEUE, leadImportIdFor } from '../workflows/definitions.js';
import { parseImportFile, type ImportFormat } from './import-file.js';
import { startFileWorkflow, startStrandedFiles } from './start-file-workflow.js';

const QUERY_TIMEOUT_MS = 3_000;

export interface ImportEvent {
  source: 'FAIR' | 'ROADSHOW';
  name: string;
  /** YYYY-MM-DD */
  date: string;
  place?: string;
}

export interface LeadImportsDeps {
  db: PrismaClient;
  temporal: Client;
  taskQueue?: string;
  log: Logger;
}

export type ImportView = ImportProgress & {
  status: 'RECEIVED' | 'RUNNING' | 'COMPLETED';
  event: ImportEvent;
  format: ImportFormat;
  fileName: string | null;
  createdAt: string;
  completedAt: string | null;
};

/** What became of an import's rows so far, from the stored row outcomes (the durable truth). */
/**
 * What became of an import's rows: the counts kept on the import as each chunk's outcomes are
 * written (activities/lead-import.ts), one row read whatever the file's size.
 */
export async function countImportRows(db: PrismaClient, importId: string): Promise<ImportCounts> {
  const counts = await db.leadImport.findUnique({ where: { id: importId }, select: { okRows: true, rejectedRows: true, duplicateRows: true } });
  return { ok: counts?.okRows ?? 0, rejected: counts?.rejectedRows ?? 0, duplicates: counts?.duplicateRows ?? 0 };
}

/** An import as its views read it: everything but the file (megabytes, read by its workflow only). */
type LeadImportRecord = Omit<LeadImport, 'content'>;

export function createLeadImports({ db, temporal, taskQueue = JOURNEY_TASK_QUEUE, log }: LeadImportsDeps) {
  /** Starts the import's workflow (idempotent); false when Temporal cannot be reached now. */
  async function start(stored: Pick<LeadImport, 'id' | 'totalRows'>): Promise<boolean> {
    const started = await startFileWorkflow(temporal, log, {
      workflowType: 'leadImport', workflowId: leadImportIdFor(stored.id), taskQueue: taskQueuesOf(taskQueue).bulk, args: [{ importId: stored.id, totalRows: stored.totalRows }],
    });
    if (!started) return false;
    await db.leadImport.updateMany({ where: { id: stored.id, status: 'RECEIVED' }, data: { status: 'RUNNING', startedAt: new Date() } });
    return true;
  }

  function view(stored: LeadImportRecord, progress: Omit<ImportProgress, 'importId' | 'totalRows' | 'status'>): ImportView {
    return {
      importId: stored.id, status: stored.status as ImportView['status'], totalRows: stored.totalRows, ...progress,
      event: { source: stored.source as ImportEvent['source'], name: stored.eventName, date: stored.eventDate.toISOString().slice(0, 10), ...(stored.place ? { place: stored.place } : {}) },
      format: stored.format as ImportFormat, fileName: stored.fileName, createdAt: stored.createdAt.toISOString(), completedAt: stored.completedAt?.toISOString() ?? null,
    };
  }


  /** Live progress from the workflow while it runs; the stored outcomes otherwise. */
  async function progress(importId: string, { live = true } = {}): Promise<ImportView | null> {
    // Never the file itself: progress is polled (the imports page refreshes itself), and a file is megabytes.
    const stored = await db.leadImport.findUnique({ where: { id: importId }, omit: { content: true } });
    if (!stored) return null;
    if (stored.status === 'RUNNING' && live) {
      try {
        const live = await temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
          temporal.workflow.getHandle(leadImportIdFor(importId)).query(importProgressQuery));
        // The workflow may have finished between the two reads.
        const latest = live.status === 'COMPLETED' ? await db.leadImport.findUniqueOrThrow({ where: { id: importId }, omit: { content: true } }) : stored;
        return view(latest, { ok: live.ok, rejected: live.rejected, duplicates: live.duplicates, doneRows: live.doneRows });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) log.warn({ err: error, importId }, 'import progress from stored rows');
      }
    }
    const counts = await countImportRows(db, importId);
    return view(stored, { ...counts, doneRows: counts.ok + counts.rejected + counts.duplicates });
  }

  return {
    start,

    /**
     * Stores a file for an event and starts importing it. Throws ImportFileRejected when
     * the file cannot be read as leads. The same file for the same event is one import.
     */
    async receive(input: { content: string; format: ImportFormat; event: ImportEvent; fileName?: string; createdBy?: string }) {
      const file = parseImportFile(input.content, input.format);
      const contentHash = createHash('sha256')
        .update(JSON.stringify([input.event.source, input.event.name, input.event.date, input.event.place ?? null]))
        .update(input.content)
        .digest('hex');
      let stored: LeadImportRecord;
      let replayed = false;
      try {
        stored = await db.leadImport.create({
          data: {
            contentHash, source: input.event.source, eventName: input.event.name, eventDate: new Date(`${input.event.date}T00:00:00Z`),
            place: input.event.place, format: input.format, fileName: input.fileName, content: input.content,
            totalRows: file.rows.length, createdBy: input.createdBy,
          },
          omit: { content: true },
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        stored = await db.leadImport.findUniqueOrThrow({ where: { contentHash }, omit: { content: true } });
        replayed = true;
      }
      const startedNow = stored.status === 'RECEIVED' && (await start(stored));
      const started = stored.status !== 'RECEIVED' || startedNow;
      // An import started a moment ago has done nothing yet: no need to ask its workflow.
      return { import: (await progress(stored.id, { live: !startedNow }))!, ignoredColumns: file.ignoredColumns, replayed, started };
    },

    progress,

    /** Imports stored but never started (Temporal was down): the relay starts them. */
    startStranded: (minAgeMs: number, now = new Date()) =>
      startStrandedFiles(minAgeMs, now, (where, take) => db.leadImport.findMany({ where, take, select: { id: true, totalRows: true } }), start),
  };
}

export type LeadImports = ReturnType<typeof createLeadImports>;
