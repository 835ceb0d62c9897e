import { z } from 'zod';
import { trustProxyOf } from './client-address.js';
import { TASK_QUEUE_KINDS } from './task-queues.js';

/** BULK_LEADS_PER_SECOND's default (see there). */
export const DEFAULT_BULK_LEADS_PER_SECOND = 20;

/**
 * Process configuration from the environment. Defaults are the local dev stack
 * that `npm run dev` brings up; point at an existing Temporal cluster or
 * PostgreSQL by setting the variables (see README, "Bring your own infrastructure").
 */
/** Only for the dev stack and tests; production must set its own CONSENT_LINK_SECRET. */
export const DEV_CONSENT_LINK_SECRET = 'dev-only-consent-link-secret-not-for-production';
/** Only for the dev stack and tests; production must set its own SESSION_SECRET. */
export const DEV_SESSION_SECRET = 'dev-only-workspace-session-secret-not-for-production';

const ConfigSchema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://l2l:l2l@127.0.0.1:5432/l2l'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('journeys'),
  /**
   * Temporal Cloud or any TLS cluster (README, "Bring your own infrastructure"): an API key
   * (TLS on), or a client certificate and key (mTLS, files in PEM), with the CA when the
   * server's certificate is not publicly trusted; TEMPORAL_TLS=true for TLS with neither.
   */
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().positive().default(3000),
  /** The API's Prometheus metrics (`GET /metrics`), on a port of their own; 0 turns them off. */
  API_METRICS_HOST: z.string().default('127.0.0.1'),
  API_METRICS_PORT: z.coerce.number().int().min(0).default(9464),
  /** The worker's metrics: the Temporal SDK's own and the journeys' (Prometheus, `/metrics`); empty turns them off. */
  WORKER_METRICS_ADDRESS: z.string().default('127.0.0.1:9465'),
  /** Country used to read national phone numbers that carry no +prefix. */
  DEFAULT_COUNTRY: z.string().length(2).default('DE'),
  /** Requests per API key (or per address without one) per minute. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** Outbound messages: e-mail over SMTP_URL (smtp://host:port) and others to CONTACT_WEBHOOK_URL; the log when unset. */
  SMTP_URL: z.string().optional(),
  CONTACT_WEBHOOK_URL: z.string().url().optional(),
  CONTACT_FROM_ADDRESS: z.string().email().default('no-reply@lead-to-loyalty.dev'),
  // Who messages are from when no brand is set up (docs/customer-care.md: brands).
  CONTACT_FROM_NAME: z.string().default('Lead-to-loyalty'),
  /** Links in the journey's own surveys (the message id is appended) and service reminders. */
  CONTACT_SERVICE_BOOKING_URL: z.string().url().default('https://service.lead-to-loyalty.dev/book'),
  /** Where dealers reach the API: the accept and decline links in hand-off notices. */
  PUBLIC_API_URL: z.string().url().default('http://127.0.0.1:3000'),
  /**
   * Signs the double opt-in and unsubscribe links in e-mails (HS256); the API and the worker
   * need the same one. The default is for the dev stack only and refused in production.
   */
  CONSENT_LINK_SECRET: z.string().min(32, 'at least 32 characters').default(DEV_CONSENT_LINK_SECRET),
  /** Signs the workspace's session cookies. The default is for the dev stack only and refused in production. */
  SESSION_SECRET: z.string().min(32, 'at least 32 characters').default(DEV_SESSION_SECRET),
  /** Workspace cookies only over HTTPS: on unless set, or in development (the dev stack's plain HTTP). */
  SESSION_COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  NODE_ENV: z.string().optional(),
  /**
   * Behind a TLS-terminating proxy: the proxies' addresses or networks (comma-separated), or how
   * many proxies stand in front; then the client's address (limits, consent proof) and protocol
   * (Secure cookies) come from X-Forwarded-*. Unset: none trusted. Never "true".
   */
  TRUST_PROXY: z.string().optional(),
  /**
   * The dev stack and the tests, said explicitly (never inferred from NODE_ENV): the published
   * dev secrets, cookies without Secure, webhooks to this machine, web forms without a captcha.
   * Anything else fails closed: the API and worker refuse to start without real secrets.
   */
  L2L_DEVELOPMENT: z.enum(['true', 'false']).optional(),
  /** Web-form submissions per address per minute. CAPTCHA_VERIFY_URL and CAPTCHA_SECRET turn the captcha check on. */
  WEB_FORM_SUBMISSIONS_PER_MINUTE: z.coerce.number().int().positive().default(20),
  CAPTCHA_VERIFY_URL: z.string().url().optional(),
  CAPTCHA_SECRET: z.string().optional(),
  /**
   * Journeys a worker keeps in memory between their tasks (Temporal's sticky cache); unset, the
   * SDK sizes it from the heap. Each cached journey costs memory (bench/journey-memory.ts);
   * an evicted one is replayed from its history when it next has work.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  /**
   * The kinds of work this worker process takes (platform/task-queues.ts), e.g.
   * "journeys" for processes that only run journeys and "bulk,deliveries" for others; all by default.
   */
  WORKER_KINDS: z
    .string()
    .default(TASK_QUEUE_KINDS.join(','))
    .transform((text) => text.split(',').map((kind) => kind.trim()).filter(Boolean))
    .pipe(z.array(z.enum(TASK_QUEUE_KINDS)).min(1).refine((kinds) => new Set(kinds).size === kinds.length, 'each kind once')),
  /**
   * Journeys a second this worker process's bulk work reaches (fair imports' and onboarding's leads,
   * campaigns' messages: one budget, platform/bulk-pace.ts); 0: as
   * fast as it goes. Each imported lead is a new journey on the journeys' workers: at 20 a second a
   * 2-core machine running everything still answers a dealer's accept as fast as when idle
   * (bench:actions:during-import; 30 a second: 2.5× slower, 50: 14×). Raise it with the journeys' workers.
   */
  BULK_LEADS_PER_SECOND: z.coerce.number().int().min(0).default(DEFAULT_BULK_LEADS_PER_SECOND),
  /** The journeys' workflow tasks, activities and local activities one worker runs at once (unset: the SDK's defaults). */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof ConfigSchema> & {
  /** L2L_DEVELOPMENT=true: the dev stack or the tests. */
  development: boolean;
  /** TRUST_PROXY as Fastify takes it. */
  trustProxy: string | number | false;
};

/**
 * What the process is: the API and the worker serve customers and dealers and need real
 * secrets outside development; tools (the key CLI, the seed script) only reach the database.
 */
export type ProcessKind = 'api' | 'worker' | 'tool';

export function loadConfig(env: NodeJS.ProcessEnv, kind: ProcessKind): Config {
  const parsed = ConfigSchema.parse(env);
  const config = { ...parsed, development: parsed.L2L_DEVELOPMENT === 'true', trustProxy: trustProxyOf(parsed.TRUST_PROXY) };
  if (!config.TEMPORAL_TLS_CERT !== !config.TEMPORAL_TLS_KEY) {
    throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (a client certificate and its key)');
  }
  if (kind !== 'tool' && !config.development) {
    const problems = productionProblems(config, kind);
    if (problems.length > 0) {
      throw new Error(`refusing to start outside development (L2L_DEVELOPMENT=true is for the dev stack and tests only):\n- ${problems.join('\n- ')}`);
    }
  }
  return config;
}

/** What a serving process lacks to run anywhere but the dev stack. */
function productionProblems(config: Config, kind: ProcessKind): string[] {
  const problems: string[] = [];
  if (config.CONSENT_LINK_SECRET === DEV_CONSENT_LINK_SECRET) problems.push('CONSENT_LINK_SECRET must be set (anyone could forge consent and unsubscribe links with the published default)');
  if (kind === 'api' && config.SESSION_SECRET === DEV_SESSION_SECRET) problems.push('SESSION_SECRET must be set (anyone could forge workspace sessions with the published default)');
  if (kind === 'api' && config.SESSION_COOKIE_SECURE === 'false') problems.push('SESSION_COOKIE_SECURE=false sends session cookies over plain HTTP (serve the workspace over HTTPS)');
  if (kind === 'api' && !(config.CAPTCHA_VERIFY_URL && config.CAPTCHA_SECRET)) problems.push('CAPTCHA_VERIFY_URL and CAPTCHA_SECRET must be set (public web forms without a captcha)');
  return problems;
}
