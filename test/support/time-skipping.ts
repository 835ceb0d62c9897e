// Journeys that span years, run in seconds: the Java time-skipping test server
// (from Maven Central, see scripts/ensure-tools.sh) with the real worker,
// real activities and the real test database.
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { JourneyState } from '../../domain/journey.js';
import type { MessageTransports } from '../../communications/transports.js';
import { DAY, type JourneyPolicy } from '../../domain/policy.js';
import { createLeadIntake, type IncomingLead, type LeadIntake } from '../../intake/lead-intake.js';
import { createDb, type PrismaClient } from '../../platform/db.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { JOURNEY_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { createWorkers, type Workers } from '../../workers/journey-worker.js';
import { eventually, sharedWorkflowBundle, silentLog } from './system.js';

export interface TimeSkippingSystem {
  env: TestWorkflowEnvironment;
  db: PrismaClient;
  worker: Workers;
  intake: LeadIntake;
  /** An intake whose new journeys run with another policy, on the same worker. */
  intakeWith(policy: JourneyPolicy): LeadIntake;
  stop(): Promise<void>;
}

export async function startTimeSkippingSystem(policy?: JourneyPolicy, options: { transports?: MessageTransports } = {}): Promise<TimeSkippingSystem> {
  const env = await createTimeSkippingEnvironment();
  // The test server accepts only registered search attributes, like a real cluster.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(JOURNEY_SEARCH_ATTRIBUTES.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  const db = createDb(inject('databaseUrl'));
  const taskQueue = `journeys-ts-${randomUUID()}`;
  const worker = await createWorkers(env.nativeConnection, { db, transports: options.transports }, { taskQueue, workflowBundle: sharedWorkflowBundle(), kinds: ['journeys'] });
  const running = worker.run();
  const intakeWith = (journeyPolicy?: JourneyPolicy) => createLeadIntake({
    db, temporal: env.client, taskQueue, defaultCountry: 'DE', log: silentLog, journeyPolicy,
    // Unlike a real cluster, the Java test server gives executions a 10-year timeout by default.
    journeyStartOptions: { workflowExecutionTimeout: 100 * 365 * DAY },
  });
  return {
    env, db, worker, intake: intakeWith(policy), intakeWith,
    async stop() {
      worker.shutdown();
      await running;
      await db.$disconnect();
      await env.teardown();
    },
  };
}

/** A fresh territory (postal-code prefix) per test, so tests never route to each other's dealers. */
export function freshTerritory(): string {
  return `9${Math.floor(1000 + Math.random() * 8999)}`;
}

export async function seedDealers(db: PrismaClient, territory: string, ids: string[]) {
  await db.dealer.createMany({ data: ids.map((id) => ({ id, name: `Autohaus ${id}`, territory: [territory], brands: ['VW'], capacity: 20 })) });
}

/** A lead hot enough for a hand-off under the default threshold. */
export function hotLead(territory: string): IncomingLead {
  return {
    source: 'WEB_FORM',
    interest: { model: 'ID.7', timeframe: 'NOW' },
    contact: { email: `buyer.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territory}1` },
  };
}

export async function stateOf(sys: TimeSkippingSystem, journeyId: string, until: (s: JourneyState) => boolean): Promise<JourneyState> {
  return eventually(async () => {
    const state = await sys.env.client.workflow.getHandle(journeyId).query(journeyStateQuery);
    return until(state) ? state : undefined;
  }, 30_000);
}

/** A new customer with a hot lead, in a territory of its own covered by `dealerCount` dealers. */
export async function startHotJourney(
  sys: TimeSkippingSystem,
  dealerCount = 1,
  contact: Partial<IncomingLead['contact']> = {},
  pickDealer?: (dealers: string[]) => string,
) {
  const territory = freshTerritory();
  const dealers = Array.from({ length: dealerCount }, (_, i) => `dlr-${territory}-${String.fromCharCode(97 + i)}`);
  await seedDealers(sys.db, territory, dealers);
  const lead = hotLead(territory);
  const preferred = pickDealer ? { preferredDealerId: pickDealer(dealers) } : {};
  const accepted = await sys.intake.accept({ ...lead, ...preferred, contact: { ...lead.contact, ...contact } });
  return { ...accepted, territory, dealers, dealerId: dealers[0]!, lead, handle: sys.env.client.workflow.getHandle(accepted.journeyId) };
}

/**
 * The SDK waits a fixed 5 s for the Java test server to listen; when the suite's files start
 * their servers at once on two cores, a JVM sometimes takes longer (seen twice in full runs).
 * A start that timed out is tried again, at most three times; any other failure is thrown.
 */
async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: inject('temporalTestServer') } },
      });
    } catch (error) {
      if (attempt >= 3 || !/did not start within/.test(String(error))) throw error;
    }
  }
}
