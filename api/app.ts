import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { JourneyPolicy } from '../domain/policy.js';
import { sqlPoolOf, type PrismaClient } from '../platform/db.js';
import { createLeadImports } from '../intake/lead-imports.js';
import { createLeadIntake } from '../intake/lead-intake.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { createJourneyPolicyStore } from '../platform/journey-policy.js';
import { createMarketStore } from '../platform/markets.js';
import { JOURNEY_TASK_QUEUE } from '../workflows/definitions.js';
import { createJourneyReadModel } from '../read-model/journeys.js';
import { registerAccessControl } from './access.js';
import { clientAddressKey } from '../platform/client-address.js';
import { registerInputGuard } from './input-guard.js';
import { registerProblemHandler, sendInvalid } from './problems.js';
import { adfRoutes } from './routes/adf.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { communicationRoutes } from './routes/communications.js';
import { importRoutes } from './routes/imports.js';
import { customerRoutes } from './routes/customers.js';
import { customerCareRoutes } from './routes/customer-care.js';
import { dealerTaskRoutes } from './routes/dealer-tasks.js';
import { brandRoutes } from './routes/brands.js';
import { captainRoutes } from './routes/captains.js';
import { processCaptains } from '../captains/captains.js';
import { digestSchedules } from '../captains/digest-schedules.js';
import { kpiTargets } from '../captains/targets.js';
import { dealerTasks } from '../care/dealer-tasks.js';
import { customerPageRoutes } from './customer-page/routes.js';
import { dealerWorkspaceRoutes } from './routes/dealer-workspace.js';
import { dealerRoutes } from './routes/dealers.js';
import { dealerDeliveryRoutes } from './routes/dealer-delivery.js';
import { salesReportRoutes } from './routes/sales-reports.js';
import { customerImportRoutes } from './routes/customer-imports.js';
import { taskQueuesOf } from '../platform/task-queues.js';
import { campaignRoutes } from './routes/campaigns.js';
import { createCampaigns } from '../campaigns/campaigns.js';
import { createSegments } from '../campaigns/segments.js';
import { createCustomerImports } from '../onboarding/customer-imports.js';
import { privacyRoutes } from './routes/privacy.js';
import { consentLinkRoutes } from './routes/consent-links.js';
import { formKeyRoutes } from './routes/form-keys.js';
import { webFormRoutes } from './routes/web-forms.js';
import { createFormKeyStore } from '../webforms/form-keys.js';
import type { CaptchaVerifier } from '../webforms/captcha.js';
import { consentLinks, type ConsentLinks } from '../consent/links.js';
import { DEV_CONSENT_LINK_SECRET, DEV_SESSION_SECRET } from '../platform/config.js';
import { createUserStore } from '../platform/users.js';
import { registerWorkspaceSessions } from './workspace/sessions.js';
import { workspaceRoutes } from './workspace/routes.js';
import { userRoutes } from './routes/users.js';
import { createSalesReports } from '../matchback/sales-reports.js';
import { deliveryStarter } from '../delivery/start.js';
import type { DeliverySchedule } from '../workflows/definitions.js';
import { healthRoutes } from './routes/health.js';
import type { TargetPolicy } from '../delivery/targets.js';
import { journeyPolicyRoutes } from './routes/journey-policy.js';
import { marketRoutes } from './routes/markets.js';
import { vehicleRoutes } from './routes/vehicles.js';
import { journeyRoutes } from './routes/journeys.js';
import { leadRoutes } from './routes/leads.js';
import { reportRoutes } from './routes/reports.js';
import { createApiMetrics, type ApiMetrics } from './metrics.js';
import { registerRequestTracing } from './tracing.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's Prometheus metrics; server.ts serves them on a port of their own. */
    metrics: ApiMetrics;
  }
}

export interface AppDeps {
  db: PrismaClient;
  temporal: Client;
  log: Logger;
  taskQueue?: string;
  defaultCountry?: string;
  /** Policy new journeys start with instead of the OEM's newest version (tests, benchmarks). */
  journeyPolicy?: JourneyPolicy;
  /** How long a redelivery keeps trying (the production schedule when not given). */
  deliverySchedule?: DeliverySchedule;
  /**
   * Requests per verified key or session in each window (`max`), and per client address for
   * requests without valid credentials (`anonymousMax`): counted before a key is looked up.
   */
  rateLimit?: { max: number; windowMs: number; anonymousMax?: number };
  /** Proxies in front whose X-Forwarded-For and -Proto are believed (platform/client-address.ts); none when not given. */
  trustProxy?: string | number | false;
  /** Reads the confirmation and unsubscribe links in e-mails (the dev secret when not given). */
  consentLinks?: ConsentLinks;
  /** Web forms: the captcha check when one is configured, and submissions per address per minute. */
  webForms?: { captcha?: CaptchaVerifier; perAddressPerMinute?: number };
  /** A server span per request (the process has a tracer provider: platform/tracing.ts). */
  tracing?: boolean;
  /** Signs the workspace's session cookies (SESSION_SECRET; the dev secret when not given). */
  sessionSecret?: string;
  /** Workspace cookies only over HTTPS (SESSION_COOKIE_SECURE; off when not given, as the dev stack serves HTTP). */
  sessionCookieSecure?: boolean;
  /** Which dealer webhook addresses are allowed: loopback only in development (closed when not given). */
  webhookTargets?: TargetPolicy;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,100}$/;

/** Error answers are RFC 9457 documents: say so in the OpenAPI document (the zod schemas cannot). */
function problemsAsProblemJson<T>(document: T): T {
  const paths = (document as { paths?: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const problem = Object.values(response.content ?? {}).find((c) => JSON.stringify(c).includes('Problem'));
        if (Number(status) >= 400 && problem) response.content = { 'application/problem+json': problem };
      }
    }
  }
  return document;
}

/** The HTTP API, configured and ready; server.ts only listens, tests call inject(). */
export async function buildApp(deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Behind a TLS proxy: the client's address and protocol from the named proxies only.
    trustProxy: typeof deps.trustProxy === 'number' ? ((_address: string, hop: number) => hop < (deps.trustProxy as number)) : deps.trustProxy ?? false,
    bodyLimit: 1024 * 1024, // routes lower it to what they need
    // A caller's X-Request-Id (when sane) follows the request through our logs; else a fresh one.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    // Long path parameters reach the route's schema (a 400 naming the parameter), not the router's 414.
    routerOptions: { maxParamLength: 2_000 },
    // The router's own refusals (a malformed URL, an over-long parameter) as problem documents too.
    frameworkErrors: (error, _request, reply) =>
      sendInvalid(reply, 'url', error.message),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // First, so every later hook and the route run inside the request's span.
  if (deps.tracing) registerRequestTracing(app);
  registerProblemHandler(app);
  registerInputGuard(app);
  // An action without a body (accept, no-show) may still be sent with a JSON content type.
  // Fastify's own parser otherwise (it refuses __proto__ and constructor poisoning).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body.toString(), done));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Limits: per verified key or session, and per client address (IPv6 by /64) while no valid
  // credentials are shown: the address's budget is checked before a key costs a look-up
  // (api/access.ts). Routes with their own `config.rateLimit` (web forms, login) add theirs.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `more than ${context.max} requests in ${context.after}; retry after the Retry-After header`,
    }),
  });
  const windowMs = deps.rateLimit?.windowMs ?? 60_000;
  const limits = {
    perPrincipal: app.createRateLimit({ max: deps.rateLimit?.max ?? 600, timeWindow: windowMs, keyGenerator: (request) => `principal:${request.principal?.keyId}` }),
    anonymous: app.createRateLimit({ max: deps.rateLimit?.anonymousMax ?? 60, timeWindow: windowMs, keyGenerator: (request) => `anonymous:${clientAddressKey(request.ip)}` }),
  };
  const keys = createApiKeyStore(deps.db);
  const users = createUserStore(deps.db);
  const journeys = createJourneyReadModel(deps.db);
  // Before access control: a workspace page's caller is the session's person.
  await registerWorkspaceSessions(app, { db: deps.db, secret: deps.sessionSecret ?? DEV_SESSION_SECRET, secure: deps.sessionCookieSecure ?? false });
  registerAccessControl(app, { journeys, keys, users, limits });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Lead-to-loyalty journeys',
        version: '1.0.0-rc.1',
        description:
          'One durable journey per customer: lead capture, qualification, dealer hand-off, sale, service. ' +
          'Every route but /healthz needs an API key (`Authorization: Bearer l2l_…`); each route names the roles it serves. ' +
          'Errors are RFC 9457 problem documents.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: l2l_<prefix>_<secret>' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => problemsAsProblemJson(jsonSchemaTransformObject(input)),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Security headers (helmet's defaults, merged); the docs page needs its own scripts and styles allowed.
  await app.register(helmet, (instance) => ({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'img-src': ["'self'", 'data:'],
        'script-src': ["'self'", ...(instance as unknown as { swaggerCSP: { script: string[] } }).swaggerCSP.script],
        'style-src': ["'self'", ...(instance as unknown as { swaggerCSP: { style: string[] } }).swaggerCSP.style],
      },
    },
  }));

  const policies = createJourneyPolicyStore(deps.db);
  const markets = createMarketStore(deps.db);
  const metrics = createApiMetrics({ db: deps.db });
  metrics.observeRequests(app);
  app.decorate('metrics', metrics);
  const intake = createLeadIntake({
    db: deps.db,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    defaultCountry: deps.defaultCountry ?? 'DE',
    log: deps.log,
    journeyPolicy: deps.journeyPolicy,
    policies,
    markets,
    onLead: metrics.countLead,
  });
  await app.register(leadRoutes(intake));
  await app.register(adfRoutes({ intake, db: deps.db }));
  await app.register(journeyRoutes({ temporal: deps.temporal, db: deps.db, defaultCountry: deps.defaultCountry ?? 'DE' }));
  await app.register(reportRoutes({ db: deps.db }));
  await app.register(communicationRoutes({ db: deps.db, temporal: deps.temporal }));
  await app.register(dealerRoutes(deps.db));
  const targets = deps.webhookTargets ?? { allowLoopback: false };
  await app.register(dealerDeliveryRoutes({ db: deps.db, startDelivery: deliveryStarter(deps.temporal, deps.taskQueue, deps.deliverySchedule), targets }));
  await app.register(dealerWorkspaceRoutes(journeys));
  await app.register(userRoutes({ users }));
  const segments = createSegments(deps.db);
  const captains = processCaptains({ db: deps.db, schedules: digestSchedules(deps.temporal, deps.taskQueue ?? JOURNEY_TASK_QUEUE) });
  const kpiTargetStore = kpiTargets({ db: deps.db });
  const campaigns = createCampaigns({ db: deps.db, temporal: deps.temporal, bulkTaskQueue: taskQueuesOf(deps.taskQueue ?? JOURNEY_TASK_QUEUE).bulk, log: deps.log });
  await app.register(workspaceRoutes({
    users, journeys, campaigns, segments, temporal: deps.temporal, db: deps.db, sql: sqlPoolOf(deps.db), targets, captains, kpiTargets: kpiTargetStore, defaultCountry: deps.defaultCountry,
    imports: createLeadImports({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, log: deps.log }),
    customerImports: createCustomerImports({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, log: deps.log }),
  }));
  await app.register(apiKeyRoutes({ db: deps.db, keys }));
  await app.register(importRoutes({ db: deps.db, imports: createLeadImports({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, log: deps.log }) }));
  await app.register(salesReportRoutes({ db: deps.db, reports: createSalesReports({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, log: deps.log }) }));
  await app.register(customerImportRoutes({ imports: createCustomerImports({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, log: deps.log }) }));
  await app.register(campaignRoutes({ segments, campaigns }));
  await app.register(privacyRoutes({ db: deps.db, temporal: deps.temporal }));
  const formKeys = createFormKeyStore(deps.db);
  await app.register(formKeyRoutes({ formKeys }));
  await app.register(webFormRoutes({ intake, formKeys, temporal: deps.temporal, log: deps.log, ...deps.webForms }));
  const links = deps.consentLinks ?? consentLinks({ secret: DEV_CONSENT_LINK_SECRET, publicApiUrl: 'http://127.0.0.1:3000' });
  await app.register(consentLinkRoutes({ db: deps.db, temporal: deps.temporal, links }));
  await app.register(customerPageRoutes({ db: deps.db, temporal: deps.temporal, links, defaultCountry: deps.defaultCountry ?? 'DE', log: deps.log, intake }));
  await app.register(customerRoutes({ db: deps.db, temporal: deps.temporal, defaultCountry: deps.defaultCountry ?? 'DE' }));
  await app.register(customerCareRoutes({ sql: sqlPoolOf(deps.db) }));
  await app.register(dealerTaskRoutes({ tasks: dealerTasks(deps.db) }));
  await app.register(brandRoutes({ db: deps.db }));
  await app.register(captainRoutes({ db: deps.db, captains, targets: kpiTargetStore }));
  await app.register(journeyPolicyRoutes({ policies, temporal: deps.temporal, taskQueue: deps.taskQueue ?? JOURNEY_TASK_QUEUE }));
  await app.register(vehicleRoutes({ db: deps.db, temporal: deps.temporal }));
  await app.register(marketRoutes({ markets, temporal: deps.temporal, taskQueue: deps.taskQueue ?? JOURNEY_TASK_QUEUE, defaultCountry: deps.defaultCountry ?? 'DE' }));
  await app.register(healthRoutes(deps));
  return app;
}
