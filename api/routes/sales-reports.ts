// DMS sales match-back: the OEM sends sales data (its own sales system, or the dealers' DMS
// exports it collects); each row is matched to a customer and a sale the dealer never
// reported is recorded on the journey (actor DMS_MATCHBACK). OEM only: a dealer key could
// otherwise claim any customer by "reporting a sale" to them.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TableRejected, type TableFormat } from '../../intake/table.js';
import { MAX_SALES_ROWS, SALES_TEMPLATE } from '../../matchback/sales-file.js';
import type { SalesReports } from '../../matchback/sales-reports.js';
import type { PrismaClient } from '../../platform/db.js';
import { text } from '../../platform/validation.js';
import { Problem, sendNotFound, sendProblem } from '../problems.js';

const MAX_FILE_BYTES = 20 * 1024 * 1024;
const OUTCOMES = ['RECORDED', 'ALREADY_RECORDED', 'UNMATCHED', 'CONFLICT', 'REJECTED'] as const;

const SalesReportView = z
  .object({
    reportId: z.uuid(),
    status: z.enum(['RECEIVED', 'RUNNING', 'COMPLETED']).describe('RECEIVED: stored, waiting for Temporal; the worker starts it'),
    totalRows: z.number().int(), doneRows: z.number().int(),
    recorded: z.number().int().describe('Sales recorded on the customer\'s journey by this report'),
    alreadyRecorded: z.number().int().describe('Sales on record already (reported by the dealer, an earlier report, or a repeat in the file)'),
    unmatched: z.number().int().describe('No customer with the buyer\'s e-mail or phone: reported, not stored'),
    conflicts: z.number().int().describe('A customer matched but the row contradicts the record (another customer\'s e-mail and phone, name, VIN, an owned customer\'s other car): reported, not stored'),
    rejected: z.number().int().describe('Unreadable rows (the column at fault in the report)'),
    format: z.enum(['CSV', 'JSON']), fileName: z.string().nullable(), createdAt: z.string(), completedAt: z.string().nullable(),
  })
  .meta({ id: 'SalesReport' });

const TEMPLATE_DOC = Object.entries(SALES_TEMPLATE).map(([field, aliases]) => `\`${field}\` (${aliases.join(', ')})`).join('; ');
const ReportParams = z.object({ id: z.uuid() });

export const salesReportRoutes = (deps: { reports: SalesReports; db: PrismaClient }): FastifyPluginAsyncZod => async (app) => {
  // The file is stored as sent, so both formats arrive as text.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['text/csv', 'application/csv', 'application/json'], { parseAs: 'string', bodyLimit: MAX_FILE_BYTES }, (_req, body, done) => done(null, body));

  app.post('/v1/sales-reports', {
    config: { access: { roles: ['OEM'] } },
    bodyLimit: MAX_FILE_BYTES,
    schema: {
      tags: ['sales match-back'],
      summary: 'Send sales data (CSV or JSON): each sale is matched to a customer and recorded where the dealer never reported it',
      description:
        'One sold vehicle per row; columns by header name: ' + TEMPLATE_DOC + '. `vin`, `model`, `saleDate` (YYYY-MM-DD), `dealerId` (the selling dealer) ' +
        'and the buyer\'s `email` or `phone` are needed. A row is matched by the same identity rules as leads; a customer who is qualifying, ' +
        'offered, escalated or in sales becomes the selling dealer\'s customer (ledger actor DMS_MATCHBACK). The same file is one report (200).',
      consumes: ['text/csv', 'application/json'],
      querystring: z.strictObject({ fileName: text(255).optional() }),
      body: z.string().min(1, 'the file is empty'),
      response: {
        200: z.object({ report: SalesReportView, ignoredColumns: z.array(z.string()), replayed: z.literal(true), started: z.boolean() }),
        202: z.object({ report: SalesReportView, ignoredColumns: z.array(z.string()), replayed: z.literal(false), started: z.boolean() }),
        400: Problem, 413: Problem, 415: Problem,
      },
    },
  }, async (request, reply) => {
    const format: TableFormat = request.headers['content-type']?.includes('json') ? 'JSON' : 'CSV';
    try {
      const received = await deps.reports.receive({ content: request.body, format, fileName: request.query.fileName, createdBy: request.principal!.name });
      if (received.replayed) return reply.status(200).send({ ...received, replayed: true as const });
      return reply.status(202).header('location', `/v1/sales-reports/${received.report.reportId}`).send({ ...received, replayed: false as const });
    } catch (error) {
      if (!(error instanceof TableRejected)) throw error;
      return sendProblem(reply, { type: 'validation', title: 'The file cannot be matched', status: 400, detail: `file: ${error.message}`, errors: [{ field: 'file', message: error.message }] });
    }
  });

  app.get('/v1/sales-reports/:id', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: { tags: ['sales match-back'], summary: 'Progress of a sales report: rows done, recorded, already recorded, unmatched, conflicts, rejected', params: ReportParams, response: { 200: SalesReportView, 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    const progress = await deps.reports.progress(request.params.id);
    return progress ? reply.send(progress) : sendNotFound(reply, 'sales report', request.params.id);
  });

  app.get('/v1/sales-reports/:id/rows', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['sales match-back'], summary: 'What became of each row (no buyer data: row, outcome, customer, dealer, VIN, column and reason)',
      params: ReportParams,
      querystring: z.strictObject({ outcome: z.enum(OUTCOMES).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200), afterRow: z.coerce.number().int().min(0).max(MAX_SALES_ROWS).default(0) }),
      response: {
        200: z.object({
          items: z.array(z.object({
            row: z.number().int(), outcome: z.enum(OUTCOMES), customerId: z.string().nullable(), dealerId: z.string().nullable(), vin: z.string().nullable(),
            field: z.string().nullable(), reason: z.string().nullable(),
          })),
          nextAfterRow: z.number().int().nullable(),
        }),
        400: Problem, 404: Problem,
      },
    },
  }, async (request, reply) => {
    const { outcome, limit, afterRow } = request.query;
    const found = await deps.db.salesReport.findUnique({ where: { id: request.params.id }, select: { id: true } });
    if (!found) return sendNotFound(reply, 'sales report', request.params.id);
    const rows = await deps.db.salesReportRow.findMany({
      where: { reportId: found.id, row: { gt: afterRow }, ...(outcome ? { outcome } : {}) }, orderBy: { row: 'asc' }, take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return reply.send({
      items: page.map((r) => ({ row: r.row, outcome: r.outcome as (typeof OUTCOMES)[number], customerId: r.customerId, dealerId: r.dealerId, vin: r.vin, field: r.field, reason: r.reason })),
      nextAfterRow: rows.length > limit ? page.at(-1)!.row : null,
    });
  });
};
