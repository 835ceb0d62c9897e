// Receiving the OEM's customer files: the file streams into its rows (one transaction: a file
// refused halfway leaves nothing), then its customerOnboarding workflow starts on the bulk task
// queue. The same file with the same settings is one import. A Temporal outage leaves the import
// RECEIVED; the worker's relay starts it later. Progress, the report of rejected rows and
// conflicts, and each dealer's summary are read from the rows, the durable truth.
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { IMPORT_PLACEMENTS, noPlacements, type ImportPlacement, type OnboardingCounts } from '../domain/onboarding.js';
import type { CustomerImport } from '../generated/prisma/client.js';
import { inTransaction, isUniqueViolation, sqlPoolOf, type PrismaClient } from '../platform/db.js';
import { taskQueuesOf } from '../platform/task-queues.js';
import { writeCsv } from '../platform/csv.js';
import { customerOnboardingIdFor, JOURNEY_TASK_QUEUE } from '../workflows/definitions.js';
import { readCustomerFile, type CustomerFileFormat } from './customer-file.js';
import { startFileWorkflow, startStrandedFiles } from '../intake/start-file-workflow.js';

/** Rows written per statement while the file streams in. */
const ROWS_PER_WRITE = 1_000;
/** The spread the OEM gets when it names none: a month. */
export const DEFAULT_SPREAD_DAYS = 30;

export interface CustomerImportSettings {
  /** The system the file came from, as the OEM names it (CRM, DMS export). */
  source: string;
  format: CustomerFileFormat;
  fileName?: string;
  /** Report what would happen; write no customer, lead or journey. */
  dryRun: boolean;
  /** Hand-offs and overdue reminders the import causes are spread over this many days. */
  spreadDays: number;
}

export type CustomerImportView = OnboardingCounts & {
  importId: string;
  status: 'RECEIVED' | 'RUNNING' | 'COMPLETED';
  source: string;
  format: CustomerFileFormat;
  fileName: string | null;
  dryRun: boolean;
  spreadDays: number;
  totalRows: number;
  doneRows: number;
  /** Rows a second since the import started (null before its first row is done). */
  rowsPerSecond: number | null;
  /** Seconds to go at that pace (null when unknown; 0 when done). */
  etaSeconds: number | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
};

export interface CustomerImportsDeps {
  db: PrismaClient;
  temporal: Client;
  taskQueue?: string;
  log: Logger;
}

/** The import's column counting the rows placed so (customer_import.placed_dealer_owned, …). */
export const placedColumnOf = (placement: ImportPlacement) => `placed_${placement.toLowerCase()}`;

/**
 * What became of an import's rows so far: the counts kept on the import as each chunk's outcomes
 * are written (activities/customer-onboarding.ts), one row read whatever the file's size.
 */
export async function countCustomerImportRows(db: PrismaClient, importId: string): Promise<OnboardingCounts & { doneRows: number }> {
  const [row] = await sqlPoolOf(db).query<Record<string, number>>({
    name: 'l2l-onboarding-counts',
    text: `SELECT done_rows, imported, merged, rejected, with_conflicts, ${IMPORT_PLACEMENTS.map(placedColumnOf).join(', ')}
           FROM customer_import WHERE id = $1`,
    values: [importId],
  }).then((r) => r.rows);
  const n = (key: string) => Number(row?.[key] ?? 0);
  const byPlacement = noPlacements();
  for (const p of IMPORT_PLACEMENTS) byPlacement[p] = n(placedColumnOf(p));
  return { doneRows: n('done_rows'), imported: n('imported'), merged: n('merged'), rejected: n('rejected'), withConflicts: n('with_conflicts'), byPlacement };
}

export function createCustomerImports({ db, temporal, taskQueue = JOURNEY_TASK_QUEUE, log }: CustomerImportsDeps) {
  const pool = sqlPoolOf(db);

  /** Starts the import's workflow (idempotent); false when Temporal cannot be reached now. */
  async function start(stored: Pick<CustomerImport, 'id' | 'totalRows'>): Promise<boolean> {
    const started = await startFileWorkflow(temporal, log, {
      workflowType: 'customerOnboarding', workflowId: customerOnboardingIdFor(stored.id), taskQueue: taskQueuesOf(taskQueue).bulk,
      args: [{ importId: stored.id, totalRows: stored.totalRows }],
    });
    if (!started) return false;
    await db.customerImport.updateMany({ where: { id: stored.id, status: 'RECEIVED' }, data: { status: 'RUNNING', startedAt: new Date() } });
    return true;
  }

  async function progress(importId: string): Promise<CustomerImportView | null> {
    const stored = await db.customerImport.findUnique({ where: { id: importId } });
    if (!stored) return null;
    const { doneRows, ...counts } = await countCustomerImportRows(db, importId);
    const elapsedS = stored.startedAt ? ((stored.completedAt ?? new Date()).getTime() - stored.startedAt.getTime()) / 1000 : 0;
    const rowsPerSecond = doneRows > 0 && elapsedS > 0 ? Math.round((doneRows / elapsedS) * 10) / 10 : null;
    const left = stored.totalRows - doneRows;
    return {
      importId: stored.id, status: stored.status as CustomerImportView['status'], source: stored.source, format: stored.format as CustomerFileFormat,
      fileName: stored.fileName, dryRun: stored.dryRun, spreadDays: stored.spreadDays, totalRows: stored.totalRows, doneRows, ...counts,
      rowsPerSecond, etaSeconds: left === 0 ? 0 : rowsPerSecond ? Math.ceil(left / rowsPerSecond) : null,
      createdAt: stored.createdAt.toISOString(), startedAt: stored.startedAt?.toISOString() ?? null, completedAt: stored.completedAt?.toISOString() ?? null,
    };
  }

  /**
   * Stores a file as it streams in and starts importing it. Throws CustomerFileRejected when the
   * file cannot be read as customers (nothing is kept then). The same file with the same settings
   * is the same import (`replayed`).
   */
  async function receive(body: Readable, settings: CustomerImportSettings & { createdBy?: string }) {
    const reader = readCustomerFile(body, settings.format);
    const hash = createHash('sha256').update(JSON.stringify([settings.source, settings.format, settings.dryRun, settings.spreadDays]));
    const id = randomUUID();
    let contentHash: string | undefined;
    let outcome: { stored: CustomerImport; replayed: boolean };
    try {
      await inTransaction(pool, async (sql) => {
        await sql.query(
          `INSERT INTO customer_import (id, content_hash, source, format, file_name, total_rows, dry_run, spread_days, created_by)
           VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8)`,
          [id, `receiving:${id}`, settings.source, settings.format, settings.fileName ?? null, settings.dryRun, settings.spreadDays, settings.createdBy ?? null],
        );
        let batch: { row: number; values: object; externalId: string | null }[] = [];
        let total = 0;
        const flush = async () => {
          if (batch.length === 0) return;
          await sql.query({
            name: 'l2l-onboarding-write-rows',
            text: `INSERT INTO customer_import_row (import_id, row, values, external_id)
                   SELECT $1, * FROM unnest($2::int[], $3::jsonb[], $4::text[])`,
            values: [id, batch.map((r) => r.row), batch.map((r) => JSON.stringify(r.values)), batch.map((r) => r.externalId)],
          });
          batch = [];
        };
        for await (const { row, values } of reader.rows) {
          hash.update(JSON.stringify(values)).update('\n');
          batch.push({ row, values, externalId: values.externalId ?? null });
          total = row;
          if (batch.length >= ROWS_PER_WRITE) await flush();
        }
        await flush();
        contentHash = hash.digest('hex');
        const earlier = await db.customerImport.findUnique({ where: { contentHash } });
        if (earlier) throw new SameFile(earlier);
        await sql.query('UPDATE customer_import SET content_hash = $2, total_rows = $3 WHERE id = $1', [id, contentHash, total]);
      });
      outcome = { stored: await db.customerImport.findUniqueOrThrow({ where: { id } }), replayed: false };
    } catch (error) {
      if (error instanceof SameFile) outcome = { stored: error.stored, replayed: true };
      else if (contentHash && isUniqueViolation(error)) {
        // The same file arrived twice at once: the other request's import is this one.
        outcome = { stored: await db.customerImport.findUniqueOrThrow({ where: { contentHash } }), replayed: true };
      } else throw error;
    }
    const { stored, replayed } = outcome;
    const started = stored.status !== 'RECEIVED' || (await start(stored));
    return { import: (await progress(stored.id))!, ignoredColumns: reader.ignoredColumns(), replayed, started };
  }

  return {
    receive,
    start,
    progress,

    /** Rows refused, and rows taken with a conflict or a note, for the OEM to fix and send again. */
    async report(importId: string) {
      return db.customerImportRow.findMany({
        where: { importId, OR: [{ outcome: 'REJECTED' }, { NOT: { conflicts: { isEmpty: true } } }] },
        orderBy: { row: 'asc' },
        select: { row: true, externalId: true, outcome: true, field: true, reason: true, conflicts: true },
      });
    },

    /** Each dealer's summary of what an import brought it; a dealer's own only, when `dealerId` is given. */
    async summaries({ dealerId, importId }: { dealerId?: string; importId?: string }) {
      return db.customerImportDealerSummary.findMany({
        where: { ...(dealerId ? { dealerId } : {}), ...(importId ? { importId } : {}) },
        orderBy: [{ createdAt: 'desc' }, { dealerId: 'asc' }],
        take: 500,
      });
    },

    /** The latest imports, newest first, with their progress (the lead desk's page). */
    async recent(limit = 10): Promise<CustomerImportView[]> {
      const latest = await db.customerImport.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: limit, select: { id: true } });
      return (await Promise.all(latest.map((i) => progress(i.id)))).filter((v): v is CustomerImportView => v !== null);
    },

    /** Imports stored but never started (Temporal was down): the relay starts them. */
    startStranded: (minAgeMs: number, now = new Date()) =>
      startStrandedFiles(minAgeMs, now, (where, take) => db.customerImport.findMany({ where, take, select: { id: true, totalRows: true } }), start),
  };
}

export type CustomerImports = ReturnType<typeof createCustomerImports>;

/** The report as CSV: one line per refused row or row with a conflict. */
export function customerImportReportCsv(rows: Awaited<ReturnType<CustomerImports['report']>>): string {
  return writeCsv(
    rows.map((r) => [r.row, r.externalId ?? '', r.outcome ?? '', r.field ?? '', r.reason ?? '', r.conflicts.join(' | ')]),
    ['row', 'externalId', 'outcome', 'column', 'reason', 'conflicts'],
  );
}

/** The file was imported before with the same settings: that import is the answer (the transaction is undone). */
class SameFile extends Error {
  constructor(readonly stored: CustomerImport) {
    super('the same file was imported before');
  }
}
