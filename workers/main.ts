// The worker process: runs journeys, bulk work and deliveries (each from its own task queue, or the
// kinds WORKER_KINDS names), and relays stranded leads.
// Temporal's Runtime turns SIGINT/SIGTERM into a graceful shutdown: no new tasks
// are polled, running activities finish, then workers.run() resolves.
import { NativeConnection, Runtime } from '@temporalio/worker';
import { transportsFromEnv } from '../communications/transports.js';
import { consentLinks } from '../consent/links.js';
import { createLeadImports } from '../intake/lead-imports.js';
import { createCustomerImports } from '../onboarding/customer-imports.js';
import { createCampaigns } from '../campaigns/campaigns.js';
import { taskQueuesOf } from '../platform/task-queues.js';
import { createLeadIntake } from '../intake/lead-intake.js';
import { createSalesReports } from '../matchback/sales-reports.js';
import { loadConfig } from '../platform/config.js';
import { createDb } from '../platform/db.js';
import { createJourneyPolicyStore } from '../platform/journey-policy.js';
import { createLogger, temporalLoggerFor } from '../platform/logger.js';
import { connectTemporal, temporalConnectionOptions } from '../platform/temporal.js';
import { createMarketStore } from '../platform/markets.js';
import { clientTracing, startTracing, workerTracing } from '../platform/tracing.js';
import { createWorkers, prebuiltWorkflowBundle } from './journey-worker.js';
import { createLeadOutboxRelay } from './lead-outbox-relay.js';
import { ensureScorecardRollupSchedule } from '../reports/scorecard-rollup-schedule.js';
import { missingSearchAttributes } from './search-attributes-check.js';

const config = loadConfig(process.env, 'worker');
const log = createLogger('worker', config.LOG_LEVEL);
// The SDK's own metrics (workflow task latency and failures, polls, activities, …) and the
// journeys' (workflow and activity metric meters) on one Prometheus endpoint.
Runtime.install({
  logger: temporalLoggerFor(log),
  ...(config.WORKER_METRICS_ADDRESS
    ? { telemetryOptions: { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS, useSecondsForDurations: true } } } }
    : {}),
});

// Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (README, "Traces").
const tracing = startTracing('lead-to-loyalty-worker');
const db = createDb(config.DATABASE_URL);
const connection = await NativeConnection.connect(temporalConnectionOptions(config));
const temporal = await connectTemporal(config, { interceptors: clientTracing(tracing) });
const missing = await missingSearchAttributes(temporal);
if (missing === null) log.warn('could not list the namespace\'s search attributes; make sure the journey\'s are registered (README)');
else if (missing.length > 0) {
  log.fatal({ missing }, `register these search attributes before starting workers: ${missing.map((n) => `temporal operator search-attribute create --name ${n} --type Keyword`).join('; ')}`);
  process.exit(1);
}
const intake = createLeadIntake({
  db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, defaultCountry: config.DEFAULT_COUNTRY, log,
  // New journeys started by the outbox relay get the OEM's newest policy, like the API's.
  policies: createJourneyPolicyStore(db),
  markets: createMarketStore(db),
});
const transports = transportsFromEnv(process.env, log);
const traced = workerTracing(tracing);
const bundlePath = prebuiltWorkflowBundle(tracing !== null);
/** The journeys' worker tuning from the environment (README, "Bring your own infrastructure"); unset keeps the SDK's defaults. */
const tuning = {
  ...(config.WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS } : {}),
  ...(config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS !== undefined ? { maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS } : {}),
  ...(config.WORKER_MAX_CONCURRENT_ACTIVITIES !== undefined ? { maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES } : {}),
  ...(config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES !== undefined ? { maxConcurrentLocalActivityExecutions: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES } : {}),
};
const workers = await createWorkers(connection, {
  db, intake, defaultCountry: config.DEFAULT_COUNTRY, log,
  bulkLeadsPerSecond: config.BULK_LEADS_PER_SECOND || undefined,
  transports,
  // Hand-off notices to dealers: signed webhooks, and ADF e-mail over the same SMTP as customer e-mail.
  temporal, taskQueue: config.TEMPORAL_TASK_QUEUE,
  delivery: {
    publicApiUrl: config.PUBLIC_API_URL, oemName: config.CONTACT_FROM_NAME, fromAddress: config.CONTACT_FROM_ADDRESS, email: transports.email,
    // A developer's listener on this machine in development only (delivery/targets.ts).
    targets: { allowLoopback: config.development },
  },
  oemSender: { address: config.CONTACT_FROM_ADDRESS, name: config.CONTACT_FROM_NAME },
  journeyMessageLinks: { serviceBookingUrl: config.CONTACT_SERVICE_BOOKING_URL },
  consentLinks: consentLinks({ secret: config.CONSENT_LINK_SECRET, publicApiUrl: config.PUBLIC_API_URL }),
}, {
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  // Compiled (npm run build): the prebuilt bundle, the same code in every worker; from source the worker bundles.
  ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  kinds: config.WORKER_KINDS,
  slots: { journeys: tuning },
  ...(bundlePath ? { ...traced, interceptors: { ...traced.interceptors, workflowModules: [] } } : traced),
});
const relay = createLeadOutboxRelay({
  db,
  log,
  intake,
  imports: createLeadImports({ db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, log }),
  salesReports: createSalesReports({ db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, log }),
  customerImports: createCustomerImports({ db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, log }),
  campaigns: createCampaigns({ db, temporal, bulkTaskQueue: taskQueuesOf(config.TEMPORAL_TASK_QUEUE).bulk, log }),
});

// The scorecard's roll-ups run as bulk work: the processes that take it make sure their Schedule exists
// (without it the scorecard reads every figure from the records: slower, the same figures).
if (config.WORKER_KINDS.includes('bulk')) {
  await ensureScorecardRollupSchedule(temporal, config.TEMPORAL_TASK_QUEUE)
    .catch((error: unknown) => log.error({ err: error }, 'could not create the scorecard roll-ups\' schedule; the next start tries again'));
}
relay.start();
log.info({ taskQueues: workers.taskQueues, address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, workflowBundle: bundlePath ?? 'bundled at start', pid: process.pid }, 'worker started');
try {
  await workers.run();
} finally {
  await relay.stop();
  await Promise.all([db.$disconnect(), connection.close(), temporal.connection.close(), tracing?.shutdown()]);
  log.info('worker drained and stopped');
}
