// Access control, decided in one place. Every route declares `config.access` (a route
// without one fails at startup); the hooks here authenticate the key, check the role,
// and for routes about one customer or dealer, check that a dealer key may reach it
// given how it stands with that customer now (domain/access.ts has the table).
// Workspace pages (`config.page`) are the same routes to these rules: their caller is the
// person logged in to the browser session instead of a key, and a refusal is a page.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import {
  dealerStanding, decideCustomerAccess, decideDealerRecordAccess, decideRouteAccess,
  type AccessDecision, type CustomerUse, type DealerStanding, type Principal, type RouteAccess,
} from '../domain/access.js';
import { customerIdOfJourney } from '../domain/journey.js';
import type { ApiKeyStore } from '../platform/api-keys.js';
import type { UserStore } from '../platform/users.js';
import type { JourneyReadModel } from '../read-model/journeys.js';
import { Problem, sendNotFound, sendProblem } from './problems.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** A workspace page: the caller is the session's person (never a key), refusals are pages. */
    page?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** For a dealer key on a route about one customer: how the dealer stands with that customer. */
    dealerStanding: DealerStanding | null;
  }
}

/** A limiter of @fastify/rate-limit's createRateLimit: counts (or with increment false, reads) the request's bucket. */
type Limiter = (request: FastifyRequest, options?: { increment?: boolean }) => Promise<{ isAllowed: true } | { isAllowed: false; isExceeded: boolean; max: number; ttlInSeconds: number }>;

export interface AccessDeps {
  journeys: JourneyReadModel;
  keys: ApiKeyStore;
  users: UserStore;
  /** Per verified key or person; per client address while no valid credentials are shown. */
  limits: { perPrincipal: Limiter; anonymous: Limiter };
}

/** A page's refusal, thrown for the workspace's error handler to show as a page. */
export class PageAccessDenied extends Error {
  constructor(readonly status: 401 | 403 | 404 | 409, readonly reason: string) {
    super(reason);
  }
}

/** The key from `Authorization: Bearer …` or `X-Api-Key: …`. */
export function presentedKey(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : null;
}

function deny(reply: FastifyReply, decision: Exclude<AccessDecision, { allow: true }>, notFound = { thing: 'resource', id: '' }) {
  if (reply.request.routeOptions.config.page) throw new PageAccessDenied(decision.status, decision.reason);
  if (decision.status === 401) {
    reply.header('www-authenticate', 'Bearer realm="lead-to-loyalty"');
    return sendProblem(reply, { type: 'unauthenticated', title: 'API key missing or invalid', status: 401, detail: decision.reason });
  }
  if (decision.status === 403) return sendProblem(reply, { type: 'forbidden', title: 'Not allowed for this key', status: 403, detail: decision.reason });
  if (decision.status === 409) return sendProblem(reply, { type: 'offer-closed', title: 'The hand-off is closed for you', status: 409, detail: decision.reason });
  return sendNotFound(reply, notFound.thing, notFound.id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const USE_DOC: Record<CustomerUse, string> = {
  'view-journey': 'Dealer keys: the dealer the hand-off is offered to, or the customer\'s current dealer; others 404.',
  'answer-offer': 'Dealer keys: the dealer the hand-off is offered to (a repeated accept by the accepting dealer is harmless); a dealer whose offer is over 409; others 404.',
  'read-customer': "Dealer keys: the customer's current dealer only; the dealer an offer waits on 403 until it accepts; others 404.",
  act: "Dealer keys: the customer's current dealer only (IN_SALES or DEALER_OWNED with it); the dealer an offer waits on 403; others 404.",
  'own-history': 'Dealer keys: any dealer that was offered or assigned the customer, now or before; others 404.',
};

/** OpenAPI: every protected route says which roles it serves and how it can be refused. */
function documentAccess(route: RouteOptions, access: RouteAccess) {
  if ('public' in access || !route.schema || (route.config as { page?: boolean } | undefined)?.page) return;
  const schema = route.schema as Record<string, unknown> & { response?: Record<string, unknown> };
  const scope = access.customer && access.roles.includes('DEALER') ? ` ${USE_DOC[access.customer.use]}` : '';
  schema.description = [schema.description, `**Roles:** ${access.roles.join(', ')}.${scope}`].filter(Boolean).join('\n\n');
  schema.security = [{ apiKey: [] }];
  const notFound = access.customer || access.dealerParam ? { 404: Problem } : {};
  const offerClosed = access.customer?.use === 'answer-offer' ? { 409: Problem } : {};
  schema.response = { ...notFound, ...offerClosed, ...schema.response, 401: Problem, 403: Problem, 429: Problem };
}

/** 429 with Retry-After: a problem document for the API, the same text on a page. */
function tooMany(reply: FastifyReply, limit: { max: number; ttlInSeconds: number }, whose: string) {
  reply.header('retry-after', String(Math.max(1, limit.ttlInSeconds)));
  if (reply.request.routeOptions.config.page) {
    return reply.status(429).type('text/plain; charset=utf-8').send(`Too many requests: try again in ${Math.max(1, limit.ttlInSeconds)} seconds.`);
  }
  return sendProblem(reply, { type: 'rate-limited', title: 'Too many requests', status: 429, detail: `more than ${limit.max} requests ${whose} in this window; retry after the Retry-After header` });
}

const exceeded = (r: Awaited<ReturnType<Limiter>>): r is Extract<Awaited<ReturnType<Limiter>>, { isAllowed: false }> => !r.isAllowed && r.isExceeded;

export function registerAccessControl(app: FastifyInstance, { journeys, keys, users, limits }: AccessDeps) {
  app.decorateRequest('principal', null);
  app.decorateRequest('dealerStanding', null);

  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    // The docs, and CORS preflights (browsers send them without credentials, by the standard).
    if (url.startsWith('/docs') || route.method === 'OPTIONS') {
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
    // An address that keeps showing no or made-up credentials is refused before any look-up;
    // a key that was good lately, or a signed-in session, is not held to that budget.
    const page = request.routeOptions.config.page;
    const presented = page ? null : presentedKey(request);
    const vouched = page ? Boolean(request.session?.get('userId')) : presented !== null && keys.wasRecentlyValid(presented);
    if (!vouched) {
      const budget = await limits.anonymous(request, { increment: false });
      if (exceeded(budget)) return tooMany(reply, budget, 'without valid credentials from your address');
    }
    if (page) {
      const userId = request.session?.get('userId');
      request.principal = userId ? await users.principalOf(userId, request.session?.get('loggedInAt')) : null;
    } else {
      request.principal = presented ? await keys.authenticate(presented) : null;
    }
    const counted = request.principal ? await limits.perPrincipal(request) : await limits.anonymous(request);
    if (exceeded(counted)) return tooMany(reply, counted, request.principal ? 'for this key' : 'without valid credentials from your address');
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
      const customerId = access.customer.kind === 'journeyId' ? customerIdOfJourney(value) : value;
      if (principal.role === 'DEALER') {
        const facts = UUID.test(customerId)
          ? await journeys.standingFacts(customerId, principal.dealerId!)
          : { journey: null, dealerWasInvolved: false };
        request.dealerStanding = dealerStanding(facts, principal.dealerId!);
      }
      const decision = decideCustomerAccess(principal, access.customer.use, request.dealerStanding ?? 'NONE');
      if (!decision.allow) return deny(reply, decision, { thing: access.customer.kind === 'journeyId' ? 'journey' : 'customer', id: value });
    }
    if (access.dealerParam) {
      const dealerId = params[access.dealerParam]!;
      const decision = decideDealerRecordAccess(principal, dealerId);
      if (!decision.allow) return deny(reply, decision, { thing: 'dealer', id: dealerId });
    }
  });
}
