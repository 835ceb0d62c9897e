// The system under test, wired from real parts: Prisma on the test database,
// a Temporal client and worker on the test server, and the Fastify app.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { inject } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../api/app.js';
import type { DealerDeliveryDeps } from '../../activities/dealer-delivery.js';
import type { MessageTransports } from '../../communications/transports.js';
import type { Role } from '../../domain/access.js';
import { DEFAULT_POLICY, type JourneyPolicy } from '../../domain/policy.js';
import { createMarketStore } from '../../platform/markets.js';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { createApiKeyStore } from '../../platform/api-keys.js';
import { createDb, type PrismaClient } from '../../platform/db.js';
import type { TaskQueueKind } from '../../platform/task-queues.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { createFreshDatabase } from './infra.js';
import { createWorkers, type Workers } from '../../workers/journey-worker.js';

export interface System {
  db: PrismaClient;
  /** The database `db` is on (the run's shared one, or the file's own). */
  databaseUrl: string;
  temporal: Client;
  worker: Workers;
  taskQueue: string;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** An OEM key, and inject() calling the app with it (or with the key given). */
  oemKey: string;
  api: ApiCaller;
  stop(): Promise<void>;
}

type App = Awaited<ReturnType<typeof buildApp>>;
export type ApiCaller = (options: InjectOptions, key?: string | null) => Promise<LightMyRequestResponse>;

/** A real API key in the test database (the same store the API checks). */
export async function createTestKey(db: PrismaClient, role: Role = 'OEM', dealerId: string | null = null, name = `test ${role}`): Promise<string> {
  return (await createApiKeyStore(db).create({ name, role, dealerId })).key;
}

/** inject() with `Authorization: Bearer <key>`; null sends no key at all. */
export function apiCaller(app: App, defaultKey: string): ApiCaller {
  return (options, key = defaultKey) =>
    app.inject({ ...options, headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...options.headers } });
}

export const silentLog = pino({ level: 'silent' });

// Only the SDK's warnings and errors in test output.
Runtime.install({ logger: new DefaultLogger('WARN') });

/** Deliveries to dealers in tests: the production schedule's shape (doubling), in seconds instead of a day. */
export const TEST_DELIVERY_SCHEDULE = { initialIntervalMs: 200, maximumIntervalMs: 1_000, giveUpAfterMs: 20_000 };

/**
 * The default policy without quiet hours, for tests that run in real time: a message the
 * test expects ALLOWED would be DEFERRED when the suite runs at night in Berlin (CI did).
 */
export const ANY_HOUR_POLICY: JourneyPolicy = { ...DEFAULT_POLICY, quietHoursStartMinute: 0, quietHoursEndMinute: 0 };

/** A database of the test's own (a copy of the run's migrated template), for files that must not share one. */
export const freshTestDatabase = (prefix: string) => createFreshDatabase(prefix, inject('databaseTemplate'));

/** The workflows as bundled once for the run (test/support/global-setup.ts). */
export const sharedWorkflowBundle = () => ({ codePath: inject('workflowBundle') });

/** As the dev stack: dealers' test receivers listen on this machine. */
export const DEV_TARGETS = { allowLoopback: true } as const;

/** Each test file gets its own task queue so its worker only sees its own journeys. */
export async function startSystem(options: {
  journeyPolicy?: JourneyPolicy; transports?: MessageTransports; delivery?: DealerDeliveryDeps['delivery'];
  /** The database to use; by default one of the file's own, dropped at stop(). */
  databaseUrl?: string;
  /** The kinds of work its worker takes: all by default; a file that starts no bulk work nor deliveries saves two workers' start. */
  kinds?: readonly TaskQueueKind[];
} = {}): Promise<System> {
  // A database per file: files run in parallel, and what one writes (rows it counts before and after,
  // the outbox its relay empties, login pauses per address, the journey policy) is no other's business.
  const own = options.databaseUrl ? null : await freshTestDatabase('l2l_file');
  const databaseUrl = own?.databaseUrl ?? options.databaseUrl!;
  const db = createDb(databaseUrl);
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const temporal = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const taskQueue = `journeys-test-${randomUUID()}`;
  const intake = createLeadIntake({ db, temporal, taskQueue, defaultCountry: 'DE', log: silentLog, journeyPolicy: options.journeyPolicy, markets: createMarketStore(db) });
  const worker = await createWorkers(nativeConnection, {
    db, intake, transports: options.transports, temporal, taskQueue, delivery: { schedule: TEST_DELIVERY_SCHEDULE, targets: DEV_TARGETS, ...options.delivery },
  }, { taskQueue, workflowBundle: sharedWorkflowBundle(), kinds: options.kinds });
  const running = worker.run();
  const app = await buildApp({ db, temporal, log: silentLog, taskQueue, journeyPolicy: options.journeyPolicy, deliverySchedule: TEST_DELIVERY_SCHEDULE, webhookTargets: DEV_TARGETS });
  const oemKey = await createTestKey(db, 'OEM');
  return {
    db, databaseUrl, temporal, worker, taskQueue, app, oemKey, api: apiCaller(app, oemKey),
    async stop() {
      await app.close();
      worker.shutdown();
      await running;
      await Promise.all([db.$disconnect(), connection.close(), nativeConnection.close()]);
      await own?.drop();
    },
  };
}

/**
 * Polls until `check` returns a value (not undefined) or the time is up: soon at first, then less
 * often (50 ms growing to 500 ms), so a long wait does not keep the server busy answering — a poll
 * is often a workflow query, which the worker answers in its sandbox.
 */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let pauseMs = 50;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(500, Math.round(pauseMs * 1.25));
  }
}

/** A distinct person per test, so tests never share customers. */
export function person(tag = randomUUID().slice(0, 8)) {
  return { email: `driver.${tag}@example.com`, phone: `+4930${Math.floor(1_000_000 + Math.random() * 8_999_999)}` };
}

/**
 * Everything a refused call about one customer must leave as it was: the journey's own
 * state and every row about the customer (journey row, customer, hand-offs, ledger, sales,
 * messages, tasks).
 */
export async function customerSnapshot(sys: Pick<System, 'db' | 'temporal'>, journeyId: string, customerId: string) {
  const [state, journeyRow, customer, handoffs, owners, sales, messages, tasks] = await Promise.all([
    sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery),
    sys.db.journey.findUnique({ where: { id: journeyId } }),
    sys.db.customer.findUnique({ where: { id: customerId } }),
    sys.db.handoffEvent.count({ where: { journeyId } }),
    sys.db.ownershipChange.count({ where: { customerId } }),
    sys.db.sale.count({ where: { customerId } }),
    sys.db.communication.count({ where: { customerId } }),
    sys.db.journeyTask.count({ where: { journeyId } }),
  ]);
  return { state, journeyRow, customer, handoffs, owners, sales, messages, tasks };
}
