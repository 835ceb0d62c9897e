// Fair and road-show files. The file is taken whole (text/csv or application/json),
// stored, and imported by a workflow; progress and a rejected-rows report follow.
import { writeCsv } from '../../platform/csv.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pastDay, text } from '../../platform/validation.js';
import { IMPORT_TEMPLATE, ImportFileRejected, type ImportFormat } from '../../intake/import-file.js';
import type { LeadImports } from '../../intake/lead-imports.js';
import type { PrismaClient } from '../../platform/db.js';
import { Problem, sendNotFound, sendProblem } from '../problems.js';

const MAX_FILE_BYTES = 20 * 1024 * 1024;
const OEM_ONLY = { access: { roles: ['OEM'] as const } };

const ImportQuery = z.strictObject({
  event: text(200).describe('Name of the fair or road show'),
  date: pastDay().describe('Day of the event, YYYY-MM-DD; not in the future, not before 2000'),
  place: text(200).optional(),
  source: z.enum(['FAIR', 'ROADSHOW']).default('FAIR'),
  fileName: text(255).optional(),
});

const ImportView = z
  .object({
    importId: z.uuid(),
    status: z.enum(['RECEIVED', 'RUNNING', 'COMPLETED']).describe('RECEIVED: stored, waiting for Temporal; the worker starts it'),
    totalRows: z.number().int(),
    doneRows: z.number().int(),
    ok: z.number().int().describe('Rows that became leads'),
    rejected: z.number().int().describe('Rows refused, with row number and reason in the report'),
    duplicates: z.number().int().describe('Rows repeating a person from an earlier row of the file'),
    event: z.object({ source: z.enum(['FAIR', 'ROADSHOW']), name: z.string(), date: z.string(), place: z.string().optional() }),
    format: z.enum(['CSV', 'JSON']),
    fileName: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .meta({ id: 'LeadImport' });

const TEMPLATE_DOC = Object.entries(IMPORT_TEMPLATE).map(([field, aliases]) => `\`${field}\` (${aliases.join(', ')})`).join('; ');

export const importRoutes = (deps: { imports: LeadImports; db: PrismaClient }): FastifyPluginAsyncZod => async (app) => {
  // The file is stored as sent, so both formats arrive as text.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['text/csv', 'application/csv', 'application/json'], { parseAs: 'string', bodyLimit: MAX_FILE_BYTES }, (_req, body, done) => done(null, body));

  app.post('/v1/imports', {
    config: OEM_ONLY,
    bodyLimit: MAX_FILE_BYTES,
    schema: {
      tags: ['imports'],
      summary: 'Import a fair or road-show file of leads (CSV or JSON), then follow its progress',
      description:
        'Send the file as the body: `text/csv` (separator `,` `;` or tab, UTF-8, BOM and quoted fields fine) or ' +
        '`application/json` (an array of objects with the same names). Columns are matched by header name: ' + TEMPLATE_DOC +
        '. Other columns are ignored and listed. Each row is checked on its own; a bad row never stops the import. ' +
        'The same file for the same event is one import (200 with the existing one).',
      consumes: ['text/csv', 'application/json'],
      querystring: ImportQuery,
      body: z.string().min(1, 'the file is empty'),
      response: {
        200: z.object({ import: ImportView, ignoredColumns: z.array(z.string()), replayed: z.literal(true), started: z.boolean() }),
        202: z.object({ import: ImportView, ignoredColumns: z.array(z.string()), replayed: z.literal(false), started: z.boolean() }),
        400: Problem, 413: Problem, 415: Problem,
      },
    },
  }, async (request, reply) => {
    const format: ImportFormat = request.headers['content-type']?.includes('json') ? 'JSON' : 'CSV';
    const { event, date, place, source, fileName } = request.query;
    try {
      const received = await deps.imports.receive({
        content: request.body, format, event: { source, name: event, date, ...(place ? { place } : {}) }, fileName, createdBy: request.principal!.name,
      });
      if (received.replayed) return reply.status(200).send({ ...received, replayed: true as const });
      return reply.status(202).header('location', `/v1/imports/${received.import.importId}`).send({ ...received, replayed: false as const });
    } catch (error) {
      if (!(error instanceof ImportFileRejected)) throw error;
      return sendProblem(reply, { type: 'validation', title: 'The file cannot be imported', status: 400, detail: `file: ${error.message}`, errors: [{ field: 'file', message: error.message }] });
    }
  });

  app.get('/v1/imports/:id', {
    config: OEM_ONLY,
    schema: { tags: ['imports'], summary: 'Progress of an import: rows done, leads made, rejected, duplicates', params: z.object({ id: z.uuid() }), response: { 200: ImportView, 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    const progress = await deps.imports.progress(request.params.id);
    return progress ? reply.send(progress) : sendNotFound(reply, 'import', request.params.id);
  });

  app.get('/v1/imports/:id/rejections', {
    config: OEM_ONLY,
    schema: {
      tags: ['imports'], summary: 'Rejected and duplicate rows as CSV (row, outcome, column, reason), to fix and send again',
      params: z.object({ id: z.uuid() }), produces: ['text/csv'], response: { 200: z.string(), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const found = await deps.db.leadImport.findUnique({ where: { id: request.params.id }, select: { id: true, fileName: true } });
    if (!found) return sendNotFound(reply, 'import', request.params.id);
    const rows = await deps.db.leadImportRow.findMany({ where: { importId: found.id, outcome: { not: 'OK' } }, orderBy: { row: 'asc' } });
    const csv = writeCsv(rows.map((r) => [r.row, r.outcome, r.field ?? '', r.reason ?? '']), ['row', 'outcome', 'column', 'reason']);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="import-${found.id}-rejections.csv"`)
      .send(csv);
  });
};
