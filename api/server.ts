// The API process: wires real dependencies into buildApp and listens.
import { consentLinks } from '../consent/links.js';
import { policyFromEnv } from '../domain/policy.js';
import { captchaFromEnv } from '../webforms/captcha.js';
import { loadConfig } from '../platform/config.js';
import { createDb } from '../platform/db.js';
import { createJourneyPolicyStore } from '../platform/journey-policy.js';
import { createLogger } from '../platform/logger.js';
import { connectTemporal } from '../platform/temporal.js';
import { clientTracing, startTracing } from '../platform/tracing.js';
import { buildApp } from './app.js';
import { serveMetrics } from './metrics.js';

const config = loadConfig(process.env, 'api');
const log = createLogger('api', config.LOG_LEVEL);
// Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (README, "Traces").
const tracing = startTracing('lead-to-loyalty-api');
const db = createDb(config.DATABASE_URL);
const temporal = await connectTemporal(config, { interceptors: clientTracing(tracing) });
// The database owns the journey policy; JOURNEY_POLICY (the dev stack's knob) becomes a version of it.
if (process.env.JOURNEY_POLICY) await createJourneyPolicyStore(db).adopt(policyFromEnv(process.env), 'JOURNEY_POLICY');
const app = await buildApp({
  db, temporal, log, taskQueue: config.TEMPORAL_TASK_QUEUE, defaultCountry: config.DEFAULT_COUNTRY,
  rateLimit: { max: config.RATE_LIMIT_PER_MINUTE, windowMs: 60_000 },
  consentLinks: consentLinks({ secret: config.CONSENT_LINK_SECRET, publicApiUrl: config.PUBLIC_API_URL }),
  sessionSecret: config.SESSION_SECRET,
  // Secure cookies unless development says otherwise (the dev stack serves plain HTTP).
  sessionCookieSecure: (config.SESSION_COOKIE_SECURE ?? (config.development ? 'false' : 'true')) === 'true',
  webhookTargets: { allowLoopback: config.development },
  trustProxy: config.trustProxy,
  webForms: { captcha: captchaFromEnv(process.env), perAddressPerMinute: config.WEB_FORM_SUBMISSIONS_PER_MINUTE },
  tracing: tracing !== null,
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    log.info({ signal }, 'shutting down API');
    await app.close(); // stops accepting, finishes in-flight requests
    metricsServer?.close();
    await Promise.all([db.$disconnect(), temporal.connection.close(), tracing?.shutdown()]);
    process.exit(0);
  });
}

await app.listen({ host: config.API_HOST, port: config.API_PORT });
// Prometheus scrapes a port of its own (loopback unless API_METRICS_HOST says otherwise); 0 turns it off.
const metricsServer = config.API_METRICS_PORT > 0
  ? (await serveMetrics(app.metrics.registry, { host: config.API_METRICS_HOST, port: config.API_METRICS_PORT })).server
  : null;
log.info({ docs: `http://${config.API_HOST}:${config.API_PORT}/docs` }, 'API ready');
