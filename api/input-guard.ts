// Refuses control characters in any string a request carries (body, path, query) before
// a route sees it: PostgreSQL refuses U+0000 in text, and no name, note or id needs them.
// Schemas state the rule field by field (platform/validation.ts); this catches every
// value no schema names, such as free template variables, record keys and raw files.
import type { FastifyInstance } from 'fastify';
import { findControlCharacter } from '../platform/validation.js';
import { sendInvalid } from './problems.js';

export function registerInputGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (request, reply) => {
    const field =
      findControlCharacter(request.params, 'params') ?? findControlCharacter(request.query, 'querystring') ?? findControlCharacter(request.body, 'body');
    if (!field) return;
    const message = 'must not contain control characters';
    return sendInvalid(reply, field, message);
  });
}
