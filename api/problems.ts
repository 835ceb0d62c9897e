import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IntakeRejected } from '../intake/lead-intake.js';
import { isDatabaseUnavailable } from '../platform/db.js';
import { isTemporalUnavailable } from '../platform/temporal-errors.js';
import { simplePage } from './pages/page.js';

/** RFC 9457 problem details: one error format across the API, never a stack trace. */
export const Problem = z
  .object({
    type: z.string().describe('Stable identifier of the kind of problem'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

const PROBLEM_BASE = 'https://lead-to-loyalty.dev/problems/';

export function sendProblem(reply: FastifyReply, problem: Omit<Problem, 'type'> & { type: string }) {
  return reply
    .status(problem.status)
    .type('application/problem+json')
    .send({ ...problem, type: PROBLEM_BASE + problem.type });
}

/** Seconds a client waits before retrying when a dependency is down. */
export const RETRY_AFTER_SECONDS = 5;

/** The database or Temporal is down: nothing was changed half-way, the same request can be sent again. */
export function sendUnavailable(reply: FastifyReply, what: 'database' | 'Temporal') {
  reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  // A workspace page says so as a page (a plain one: the layout's form token needs the session, which needs the database).
  if (reply.request.routeOptions.config.page) {
    // Nor is its session saved: saving it (on the way out) may be what just failed.
    (reply.request as { session?: unknown }).session = undefined;
    return reply.status(503).type('text/html; charset=utf-8')
      .send(simplePage('Please try again in a moment', `The workspace cannot reach the ${what} right now; nothing was changed.`));
  }
  return sendProblem(reply, {
    type: 'service-unavailable', title: 'A service the API depends on is unavailable', status: 503,
    detail: `the ${what} could not be reached; retry the same request after ${RETRY_AFTER_SECONDS} s (with the same Idempotency-Key where the route takes one)`,
  });
}

/** 400 naming the one field that is wrong and why (the shape schema validation gives too). */
export function sendInvalid(reply: FastifyReply, field: string, message: string) {
  return sendProblem(reply, { type: 'validation', title: 'The request is invalid', status: 400, detail: `${field}: ${message}`, errors: [{ field, message }] });
}

/** One answer for "does not exist" and "not yours", so existence never leaks. */
export function sendNotFound(reply: FastifyReply, thing: string, id: string) {
  return sendProblem(reply, { type: 'not-found', title: 'Not found', status: 404, detail: `no ${thing} ${id}` });
}

/** Registered once: every error leaving the API becomes a problem document. */
export function registerProblemHandler(app: FastifyInstance) {
  // The refusals every route of a kind can give, documented once: 400 where anything is
  // validated, 413/415 where a body is read, 503 everywhere (the database or Temporal down).
  const routes: { pattern: RegExp; method: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ pattern: routePattern(route.url ?? route.path), method });
    const schema = route.schema as { response?: Record<string, unknown>; params?: unknown; querystring?: unknown; body?: unknown; headers?: unknown } | undefined;
    if (!schema || (route.url ?? '').startsWith('/docs')) return;
    schema.response = {
      ...(schema.params || schema.querystring || schema.body || schema.headers ? { 400: Problem } : {}),
      ...(schema.body ? { 413: Problem, 415: Problem } : {}),
      503: Problem.describe(`The database or Temporal is unavailable; retry after Retry-After (${RETRY_AFTER_SECONDS} s)`),
      ...schema.response,
    };
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Unrouted requests can fail before the not-found handler runs (QUERY without a content type).
    if (request.is404) return answerUnrouted(request, reply);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const errors = error.validation.map((issue) => ({
        field: fieldName(where, issue.instancePath),
        message: issue.message ?? 'is invalid',
      }));
      return sendProblem(reply, {
        type: 'validation',
        title: 'The request is invalid',
        status: 400,
        detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      });
    }
    if (error instanceof IntakeRejected) {
      return sendProblem(reply, {
        type: error.status === 422 ? 'idempotency-key-reused' : 'validation',
        title: error.status === 422 ? 'Idempotency-Key reused' : 'The request is invalid',
        status: error.status,
        detail: `${error.field}: ${error.message}`,
        errors: [{ field: error.field, message: error.message }],
      });
    }
    if (error.statusCode === 429) {
      return sendProblem(reply, { type: 'rate-limited', title: 'Too many requests', status: 429, detail: error.message });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendProblem(reply, { type: 'payload-too-large', title: 'The body is too large', status: 413, detail: error.message });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendProblem(reply, { type: 'unsupported-media-type', title: 'Unsupported content type', status: 415, detail: error.message });
    }
    if (isDatabaseUnavailable(error)) return sendUnavailable(reply, 'database');
    if (isTemporalUnavailable(error)) return sendUnavailable(reply, 'Temporal');
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, {
      type: status === 500 ? 'internal' : (error.code ?? 'bad-request').toLowerCase(),
      title: status === 500 ? 'Internal error' : error.message,
      status,
      ...(status === 500 ? {} : { detail: error.message }),
    });
  });
  /** No route for this method and path: 405 naming the methods when we serve the path, else 404. */
  function answerUnrouted(request: FastifyRequest, reply: FastifyReply) {
    const path = request.url.split('?')[0]!;
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, { type: 'method-not-allowed', title: 'Method not allowed', status: 405, detail: `${request.method} is not served on ${path}; use ${allowed.join(', ')}` });
    }
    return sendProblem(reply, { type: 'not-found', title: 'Not found', status: 404, detail: `${request.method} ${request.url} does not exist` });
  }
  app.setNotFoundHandler(answerUnrouted);
}

/** A route's URL (`/v1/journeys/:id`, `/docs/*`) as a pattern a request path can be matched against. */
function routePattern(url: string): RegExp {
  const source = url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}/?$`);
}

/** "/contact/email" in the body → "contact.email"; the whole body → "body". */
function fieldName(where: string, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (!path) return where;
  return where === 'body' ? path : `${where}.${path}`;
}
