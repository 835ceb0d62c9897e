// Files sent from the lead desk's imports page (issue 32): an onboarding file of the OEM's existing
// customers, streamed from the browser's upload into the same import as POST /v1/customer-imports
// (memory stays flat whatever the size). @fastify/multipart reads the form; its fields come before
// the file, so the CSRF token is checked, as every form's is, before a byte of the file is read.
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CustomerFileRejected, type CustomerFileFormat } from '../../onboarding/customer-file.js';
import { DEFAULT_SPREAD_DAYS, type CustomerImports } from '../../onboarding/customer-imports.js';
import { message, withDone } from './page.js';

/** Far above any CRM export; the import itself stops at its row limit. */
const MAX_FILE_BYTES = 4 * 1024 ** 3;
const JSON_LINES = /\.(jsonl|ndjson)$/i;

export const uploadPages = ({ customerImports }: { customerImports: CustomerImports }): FastifyPluginAsyncZod => async (app) => {
  await app.register(multipart, { limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 10, fieldSize: 1_000 } });

  /** The form's CSRF token, checked by the plugin's own check (it reads `body._csrf`); false when refused (its answer is sent). */
  function csrfAccepted(request: FastifyRequest, reply: FastifyReply, token: string | undefined): boolean {
    request.body = { _csrf: token };
    let accepted = false;
    app.csrfProtection(request, reply, () => { accepted = true; });
    return accepted;
  }

  app.post('/workspace/customer-imports', { config: { access: { roles: ['OEM'] }, page: true } }, async (request, reply) => {
    if (!request.isMultipart()) return message(reply, 'Please choose a file', 'file: send the form with its file', 400);
    const upload = await request.file();
    if (!upload) return message(reply, 'Please choose a file', 'file: choose the customer file to send', 400);
    const field = (name: string) => {
      const f = upload.fields[name];
      return f && !Array.isArray(f) && f.type === 'field' ? String(f.value) : undefined;
    };
    if (!csrfAccepted(request, reply, field('_csrf'))) {
      upload.file.resume();
      return reply;
    }
    const source = (field('source') ?? '').trim();
    const spread = (field('spreadDays') ?? '').trim();
    const spreadDays = spread === '' ? DEFAULT_SPREAD_DAYS : Number(spread);
    const problem = !source || source.length > 100 ? 'source: the system the file comes from (e.g. CRM), at most 100 characters'
      : !Number.isInteger(spreadDays) || spreadDays < 0 || spreadDays > 365 ? 'spreadDays: a whole number of days, 0 to 365'
        : upload.filename === '' ? 'file: choose the customer file to send' : null;
    if (problem) {
      upload.file.resume();
      return message(reply, 'Please check the form', problem, 400);
    }
    const format: CustomerFileFormat = JSON_LINES.test(upload.filename) || upload.mimetype.includes('ndjson') ? 'JSONL' : 'CSV';
    try {
      const received = await customerImports.receive(upload.file, {
        source, format, dryRun: field('dryRun') === 'true', spreadDays, fileName: upload.filename.slice(0, 255), createdBy: request.principal!.name,
      });
      const said = received.replayed ? 'This file was sent before with these settings: its import is shown.' : `${upload.filename} received: ${received.import.totalRows} rows.`;
      return reply.redirect(withDone(`/workspace/customer-imports/${received.import.importId}`, said), 303);
    } catch (error) {
      if (error instanceof CustomerFileRejected) return message(reply, 'The file cannot be imported', `file: ${error.message}`, 400);
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') return message(reply, 'The file is too large', `file: at most ${MAX_FILE_BYTES / 1024 ** 3} GiB`, 413);
      throw error;
    }
  });
};
