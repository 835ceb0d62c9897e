// Onboarding the OEM's customer base: a file of owners and prospects (CSV or JSON lines) streams
// into its rows and a customerOnboarding workflow makes each a journey that starts where the
// customer is. OEM keys send files and read their reports (a dealer key could otherwise claim any
// customer); ops read progress; each dealer reads its own summaries.
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IMPORT_PLACEMENTS } from '../../domain/onboarding.js';
import { CUSTOMER_TEMPLATE, CustomerFileRejected, MAX_CUSTOMER_ROWS, type CustomerFileFormat } from '../../onboarding/customer-file.js';
import { customerImportReportCsv, DEFAULT_SPREAD_DAYS, type CustomerImports } from '../../onboarding/customer-imports.js';
import { text } from '../../platform/validation.js';
import { Problem, sendNotFound, sendProblem } from '../problems.js';

const CSV_TYPES = ['text/csv', 'application/csv'];
const JSON_LINES_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/json-lines'];

const ImportQuery = z.strictObject({
  source: text(100).describe('The system the file comes from, as the OEM names it (e.g. "CRM", "DMS export"); on every imported journey\'s ledger entry'),
  dryRun: z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe('true: report what would happen (rows per resulting stage, conflicts), write no customer, lead or journey'),
  spreadDays: z.coerce.number().int().min(0).max(365).default(DEFAULT_SPREAD_DAYS)
    .describe('Hand-offs (customers back in market, prospects) and overdue service reminders the import causes are spread over this many days'),
  fileName: text(255).optional(),
});

const Counts = {
  imported: z.number().int().describe('Rows that became a new journey'),
  merged: z.number().int().describe("Rows for a customer who has a journey (or an earlier row): what is new was added, nothing overwritten"),
  rejected: z.number().int().describe('Rows refused, with the column and reason in the report'),
  withConflicts: z.number().int().describe('Rows taken with a conflict or a note (a VIN another customer owns, another last name, a consent without proof): in the report'),
  byPlacement: z.object(Object.fromEntries(IMPORT_PLACEMENTS.map((p) => [p, z.number().int()])) as Record<(typeof IMPORT_PLACEMENTS)[number], z.ZodNumber>)
    .describe('New journeys by where they start: DEALER_OWNED, BACK_IN_MARKET (offered to their dealer at their place in the spread), QUALIFYING (prospects), ESCALATED (dealer unknown: the lead desk)'),
};

const CustomerImportView = z
  .object({
    importId: z.uuid(),
    status: z.enum(['RECEIVED', 'RUNNING', 'COMPLETED']).describe('RECEIVED: stored, waiting for Temporal; the worker starts it'),
    source: z.string(), format: z.enum(['CSV', 'JSONL']), fileName: z.string().nullable(), dryRun: z.boolean(), spreadDays: z.number().int(),
    totalRows: z.number().int(), doneRows: z.number().int(), ...Counts,
    rowsPerSecond: z.number().nullable(), etaSeconds: z.number().int().nullable(),
    createdAt: z.string(), startedAt: z.string().nullable(), completedAt: z.string().nullable(),
  })
  .meta({ id: 'CustomerImport' });

const DealerSummary = z.object({
  importId: z.uuid(), dealerId: z.string(),
  owners: z.number().int().describe('Owners who arrived as the dealer\'s customers'),
  backInMarket: z.number().int().describe('Owners whose ownership cycle is over: offered to the dealer first, spread over the import\'s period'),
  prospects: z.number().int().describe('Prospects who named the dealer; qualified by the OEM first'),
  createdAt: z.string(),
});

const TEMPLATE_DOC = Object.entries(CUSTOMER_TEMPLATE).map(([field, aliases]) => `\`${field}\` (${aliases.join(', ')})`).join('; ');
const Params = z.object({ id: z.uuid() });

export const customerImportRoutes = (deps: { imports: CustomerImports }): FastifyPluginAsyncZod => async (app) => {
  // The body is read as a stream, row by row (no size limit but the rows': memory stays flat).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser([...CSV_TYPES, ...JSON_LINES_TYPES], (_request, payload, done) => done(null, payload));

  app.post('/v1/customer-imports', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['customer imports'],
      summary: "Import the OEM's existing customers (owners and prospects with their dealers), or try a file with dryRun",
      description:
        'Send the file as the body: `text/csv` (separator `,` `;` or tab, UTF-8, BOM and quoted fields fine) or `application/x-ndjson` ' +
        `(one JSON object a line, the same names). Up to ${MAX_CUSTOMER_ROWS.toLocaleString('en')} rows, streamed. Columns are matched by header name: ${TEMPLATE_DOC}. ` +
        'Each row becomes a journey that starts where the customer is: an owner with their dealer (ledger entry IMPORTED), an owner whose cycle is over ' +
        'back in market with their own dealer first, a prospect in qualification, a customer of a dealer we do not know with the lead desk; a row for a ' +
        'known customer adds what is new. Nothing is sent because of the import; each dealer gets one summary. The same file with the same settings is one import (200).',
      consumes: [...CSV_TYPES, ...JSON_LINES_TYPES],
      querystring: ImportQuery,
      response: {
        200: z.object({ import: CustomerImportView, ignoredColumns: z.array(z.string()), replayed: z.literal(true), started: z.boolean() }),
        202: z.object({ import: CustomerImportView, ignoredColumns: z.array(z.string()), replayed: z.literal(false), started: z.boolean() }),
        400: Problem, 415: Problem,
      },
    },
  }, async (request, reply) => {
    if (!request.body) {
      return sendProblem(reply, {
        type: 'validation', title: 'The file is missing', status: 400, detail: 'file: send the file as the body, as text/csv or application/x-ndjson',
        errors: [{ field: 'file', message: 'send the file as the body, as text/csv or application/x-ndjson' }],
      });
    }
    const contentType = request.headers['content-type'] ?? '';
    const format: CustomerFileFormat = JSON_LINES_TYPES.some((t) => contentType.includes(t)) ? 'JSONL' : 'CSV';
    const { source, dryRun, spreadDays, fileName } = request.query;
    try {
      const received = await deps.imports.receive(request.body as Readable, {
        source, format, dryRun, spreadDays, ...(fileName ? { fileName } : {}), createdBy: request.principal!.name,
      });
      if (received.replayed) return reply.status(200).send({ ...received, replayed: true as const });
      return reply.status(202).header('location', `/v1/customer-imports/${received.import.importId}`).send({ ...received, replayed: false as const });
    } catch (error) {
      if (!(error instanceof CustomerFileRejected)) throw error;
      return sendProblem(reply, { type: 'validation', title: 'The file cannot be imported', status: 400, detail: `file: ${error.message}`, errors: [{ field: 'file', message: error.message }] });
    }
  });

  app.get('/v1/customer-imports/:id', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['customer imports'], summary: 'Progress of a customer import: rows done, rows a second, time to go, what became of the rows',
      params: Params, response: { 200: CustomerImportView, 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const progress = await deps.imports.progress(request.params.id);
    return progress ? reply.send(progress) : sendNotFound(reply, 'customer import', request.params.id);
  });

  app.get('/v1/customer-imports/:id/report', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['customer imports'], summary: 'Rejected rows and rows with conflicts as CSV (row, externalId, outcome, column, reason, conflicts), to fix and send again',
      params: Params, produces: ['text/csv'], response: { 200: z.string(), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    if (!(await deps.imports.progress(request.params.id))) return sendNotFound(reply, 'customer import', request.params.id);
    const csv = customerImportReportCsv(await deps.imports.report(request.params.id));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="customer-import-${request.params.id}-report.csv"`).send(csv);
  });

  app.get('/v1/customer-import-summaries', {
    config: { access: { roles: ['OEM', 'DEALER'] } },
    schema: {
      tags: ['customer imports'],
      summary: "Each dealer's one notice per customer import: how many of its customers arrived, and how (a dealer key: its own only)",
      querystring: z.strictObject({ importId: z.uuid().optional() }),
      response: { 200: z.object({ summaries: z.array(DealerSummary) }), 400: Problem },
    },
  }, async (request, reply) => {
    const principal = request.principal!;
    const rows = await deps.imports.summaries({ ...(principal.role === 'DEALER' ? { dealerId: principal.dealerId! } : {}), ...(request.query.importId ? { importId: request.query.importId } : {}) });
    return reply.send({ summaries: rows.map((s) => ({ ...s, createdAt: s.createdAt.toISOString() })) });
  });
};
