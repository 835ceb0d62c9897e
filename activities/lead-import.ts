import { Context } from '@temporalio/activity';
import type { BulkPace } from '../platform/bulk-pace.js';
import { sqlPoolOf, type PrismaClient } from '../platform/db.js';
import type { LeadSource } from '../domain/lead.js';
import { columnOf, duplicateRows, leadFromRow, parseImportFile, type ImportFile, type ImportFormat } from '../intake/import-file.js';
import { countImportRows } from '../intake/lead-imports.js';
import type { IncomingLead, LeadIntake } from '../intake/lead-intake.js';
import type { ImportCounts } from '../domain/lead-import.js';

export interface LeadImportDeps {
  db: PrismaClient;
  /** Needed by the import activities only; the journey activities run without it. */
  intake?: LeadIntake;
  defaultCountry?: string;
  /**
   * Journeys a second this process's bulk work reaches (a file's rows become journeys at this
   * pace, whatever the file's size; onboarding and campaigns share it), so the journeys' workers
   * keep room for dealers' and customers' work; unset: as fast as the intake goes.
   */
  bulkLeadsPerSecond?: number;
  /** The one pace made from it (activities/index.ts), shared by every kind of bulk work. */
  bulkPace?: BulkPace;
}

/** Parsed files kept per worker, so 40 chunks of one file are parsed once. */
const PARSED_FILES_KEPT = 4;

interface ParsedImport {
  file: ImportFile;
  duplicates: Map<number, number>;
  source: LeadSource;
  eventName: string;
}

/**
 * The work of a leadImport workflow: a chunk of rows becomes leads through the same
 * intake as the API. Each row's lead carries the key `import:<import id>:<row>`, so a
 * retried chunk (worker killed halfway) finds the leads it made and makes no new ones.
 */
export function createLeadImportActivities({ db, intake, defaultCountry = 'DE', bulkPace: pace }: LeadImportDeps) {
  const parsed = new Map<string, ParsedImport>();

  async function load(importId: string): Promise<ParsedImport> {
    const cached = parsed.get(importId);
    if (cached) return cached;
    const stored = await db.leadImport.findUniqueOrThrow({ where: { id: importId } });
    const file = parseImportFile(stored.content, stored.format as ImportFormat);
    const entry = { file, duplicates: duplicateRows(file.rows, defaultCountry), source: stored.source, eventName: stored.eventName };
    if (parsed.size >= PARSED_FILES_KEPT) parsed.delete(parsed.keys().next().value!);
    parsed.set(importId, entry);
    return entry;
  }

  return {
    async importLeadRows({ importId, fromRow, toRow }: { importId: string; fromRow: number; toRow: number }): Promise<ImportCounts> {
      if (!intake) throw new Error('this worker was started without the lead intake; it cannot import files');
      const { file, duplicates, source, eventName } = await load(importId);
      type Outcome = { row: number; outcome: 'OK' | 'REJECTED' | 'DUPLICATE'; field?: string; reason?: string; leadId?: string };
      const outcomes: Outcome[] = [];
      const batch: { row: number; lead: IncomingLead; idempotencyKey: string }[] = [];
      for (const row of file.rows.slice(fromRow - 1, toRow)) {
        const earlier = duplicates.get(row.row);
        if (earlier !== undefined) { outcomes.push({ row: row.row, outcome: 'DUPLICATE', reason: `same person as row ${earlier}` }); continue; }
        const mapped = leadFromRow(row, { source, name: eventName });
        if ('field' in mapped) { outcomes.push({ row: row.row, outcome: 'REJECTED', field: mapped.field, reason: mapped.reason }); continue; }
        batch.push({ row: row.row, lead: mapped.lead, idempotencyKey: `import:${importId}:${row.row}` });
      }
      // The chunk's people and leads in one transaction, then to their journeys in parallel;
      // an infrastructure fault fails the chunk, which is retried and finds its leads by key.
      const activity = Context.current();
      const heartbeat = setInterval(() => activity.heartbeat(fromRow), 5_000);
      try {
        const accepted = await intake.acceptMany(batch, { pace });
        accepted.forEach((result, i) => {
          const { row } = batch[i]!;
          outcomes.push('rejected' in result
            ? { row, outcome: 'REJECTED', field: columnOf(result.rejected.field), reason: result.rejected.message }
            : { row, outcome: 'OK', leadId: result.leadId });
        });
      } finally {
        clearInterval(heartbeat);
      }
      // The outcomes, and the import's counts of them in the same statement; a row already written (the
      // chunk retried after a kill, or run twice at once) keeps its first outcome and is not counted again.
      await sqlPoolOf(db).query({
        name: 'l2l-import-row-outcomes',
        text: `WITH done AS (
                 INSERT INTO lead_import_row (import_id, row, outcome, lead_id, field, reason)
                 SELECT $1, u.row, u.outcome, u.lead_id, u.field, u.reason
                 FROM unnest($2::int[], $3::text[], $4::uuid[], $5::text[], $6::text[]) AS u(row, outcome, lead_id, field, reason)
                 ON CONFLICT (import_id, row) DO NOTHING
                 RETURNING outcome)
               UPDATE lead_import i SET done_rows = i.done_rows + c.done, ok_rows = i.ok_rows + c.ok,
                 rejected_rows = i.rejected_rows + c.rejected, duplicate_rows = i.duplicate_rows + c.duplicates
               FROM (SELECT count(*) AS done, count(*) FILTER (WHERE outcome = 'OK') AS ok, count(*) FILTER (WHERE outcome = 'REJECTED') AS rejected,
                            count(*) FILTER (WHERE outcome = 'DUPLICATE') AS duplicates FROM done) c
               WHERE i.id = $1`,
        values: [importId, outcomes.map((o) => o.row), outcomes.map((o) => o.outcome), outcomes.map((o) => o.leadId ?? null),
          outcomes.map((o) => o.field ?? null), outcomes.map((o) => o.reason ?? null)],
      });
      return {
        ok: outcomes.filter((o) => o.outcome === 'OK').length,
        rejected: outcomes.filter((o) => o.outcome === 'REJECTED').length,
        duplicates: outcomes.filter((o) => o.outcome === 'DUPLICATE').length,
      };
    },

    /** Marks the import done; the counts are those kept with the row outcomes. */
    async finishLeadImport({ importId }: { importId: string }): Promise<ImportCounts> {
      await db.leadImport.update({ where: { id: importId }, data: { status: 'COMPLETED', completedAt: new Date() } });
      parsed.delete(importId);
      return countImportRows(db, importId);
    },
  };
}
