// Access control, decided in one place. Every route declares `config.access` (a route
// without one fails at startup); the hooks here authenticate the key, check the role,
// and for routes about one customer or dealer, check that a dealer key may see it.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { customerIdFrom, decideResourceAccess, decideRouteAccess, type AccessDecision, type Principal, type RouteAccess } from '../domain/access.js';
import { journeyIdFor } from '../domain/journey.js';
import type { ApiKeyStore } from '../platform/api-keys.js';
import type { PrismaClient } from '../platform/db.js';
import { Problem, sendNotFound, sendProblem } from './problems.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AccessDeps {
  db: PrismaClient;
  keys: ApiKeyStore;
}

/** The key from `Authorization: Bearer …` or `X-Api-Key: …`. */
export function presentedKey(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : null;
}

function deny(reply: FastifyReply, decision: Exclude<AccessDecision, { allow: true }>, notFound = { thing: 'resource', id: '' }) {
  if (decision.status === 401) {
    reply.header('www-authenticate', 'Bearer realm="lead-to-loyalty"');
    return sendProblem(reply, { type: 'unauthenticated', title: 'API key missing or invalid', status: 401, detail: decision.reason });
  }
  if (decision.status === 403) return sendProblem(reply, { type: 'forbidden', title: 'Not allowed for this key', status: 403, detail: decision.reason });
  return sendNotFound(reply, notFound.thing, notFound.id);
}

/** Has this dealer been offered or assigned this customer, now or before? */
async function dealerRelatedToCustomer(db: PrismaClient, dealerId: string, customerId: string): Promise<boolean> {
  const [row] = await db.$queryRaw<{ related: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM journey WHERE customer_id = ${customerId}::uuid AND (dealer_id = ${dealerId} OR offered_dealer_id = ${dealerId}))
        OR EXISTS (SELECT 1 FROM handoff_event WHERE journey_id = ${journeyIdFor(customerId)} AND dealer_id = ${dealerId})
        OR EXISTS (SELECT 1 FROM ownership_change WHERE customer_id = ${customerId}::uuid AND to_dealer_id = ${dealerId}) AS related`;
  return row?.related === true;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** OpenAPI: every protected route says which roles it serves and how it can be refused. */
function documentAccess(route: RouteOptions, access: RouteAccess) {
  if ('public' in access || !route.schema) return;
  const schema = route.schema as Record<string, unknown> & { response?: Record<string, unknown> };
  const scope = access.customer ? ' Dealer keys reach only customers they were offered or assigned (others answer 404).' : '';
  schema.description = [schema.description, `**Roles:** ${access.roles.join(', ')}.${scope}`].filter(Boolean).join('\n\n');
  schema.security = [{ apiKey: [] }];
  schema.response = { ...schema.response, 401: Problem, 403: Problem, 429: Problem };
}

export function registerAccessControl(app: FastifyInstance, { db, keys }: AccessDeps) {
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    if (url.startsWith('/docs')) {
      route.config = { ...route.config, access: { public: true } };
      return;
    }
    const access = (route.config as { access?: RouteAccess } | undefined)?.access;
    if (!access) throw new Error(`route ${route.method} ${url} declares no access rule`);
    documentAccess(route, access);
  });

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (!access || 'public' in access) return; // unknown routes fall through to the 404 handler
    const key = presentedKey(request);
    request.principal = key ? await keys.authenticate(key) : null;
    const decision = decideRouteAccess(request.principal, access);
    if (!decision.allow) return deny(reply, decision);
  });

  // After validation, so the parameters are well-formed before they reach the database.
  app.addHook('preHandler', async (request, reply) => {
    const access = request.routeOptions.config.access;
    const principal = request.principal;
    if (!access || 'public' in access || !principal) return;
    const params = request.params as Record<string, string>;
    if (access.customer) {
      const value = params[access.customer.param]!;
      const customerId = customerIdFrom(value, access.customer.kind);
      const dealerRelated = principal.role === 'DEALER' && UUID.test(customerId) && (await dealerRelatedToCustomer(db, principal.dealerId!, customerId));
      const decision = decideResourceAccess(principal, { kind: 'customer', dealerRelated });
      if (!decision.allow) return deny(reply, decision, { thing: access.customer.kind === 'journeyId' ? 'journey' : 'customer', id: value });
    }
    if (access.dealerParam) {
      const dealerId = params[access.dealerParam]!;
      const decision = decideResourceAccess(principal, { kind: 'dealer', dealerId });
      if (!decision.allow) return deny(reply, decision, { thing: 'dealer', id: dealerId });
    }
  });
}
