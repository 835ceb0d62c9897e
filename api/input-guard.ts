// Refuses control characters in any string a request carries (body, path, query) before
// a route sees it: PostgreSQL refuses U+0000 in text, and no name, note or id needs them.
// Schemas state the rule field by field (platform/validation.ts); this catches every
// value no schema names, such as free template variables, record keys and raw files.
import type { FastifyInstance } from 'fastify';
import { findControlCharacter } from '../platform/validation.js';
import { sendInvalid } from './problems.js';

export function registerInputGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (request, reply) => {
    // A file read as a stream (customer imports) is checked row by row as it is read.
    const body = isStream(request.body) ? undefined : request.body;
    const field =
      findControlCharacter(request.params, 'params') ?? findControlCharacter(request.query, 'querystring') ?? findControlCharacter(body, 'body');
    if (!field) return;
    const message = 'must not contain control characters';
    return sendInvalid(reply, field, message);
  });
}

const isStream = (body: unknown): boolean => typeof (body as { pipe?: unknown } | null)?.pipe === 'function';
