// Faults delay work, they never lose a lead: with Temporal unreachable a lead is
// stored and answered 202, and the outbox relay hands it to its journey later.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { createDb } from '../../platform/db.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { createWorkers } from '../../workers/journey-worker.js';
import { createLeadOutboxRelay } from '../../workers/lead-outbox-relay.js';
import { inject } from 'vitest';
import { apiCaller, eventually, person, silentLog, startSystem, type System, sharedWorkflowBundle } from '../support/system.js';

let sys: System;
let unreachable: Client;
let appWithoutTemporal: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
  // Nothing listens on port 1: every call fails as it would during a Temporal outage.
  unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' }) });
  appWithoutTemporal = await buildApp({ db: sys.db, temporal: unreachable, log: silentLog, taskQueue: sys.taskQueue });
});
afterAll(async () => {
  await appWithoutTemporal?.close();
  await sys?.stop();
});

describe('GET /healthz', () => {
  it('reports API, Temporal and database reachable', async () => {
    const res = await sys.api({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', api: 'ok', temporal: 'ok', database: 'ok' });
  });

  it('reports 503 naming what is down', async () => {
    const res = await appWithoutTemporal.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'degraded', api: 'ok', temporal: 'unreachable', database: 'ok' });

    const deadDb = createDb('postgresql://l2l:l2l@127.0.0.1:1/nowhere');
    const app = await buildApp({ db: deadDb, temporal: sys.temporal, log: silentLog });
    const res2 = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res2.json()).toMatchObject({ temporal: 'ok', database: 'unreachable' });
    await app.close();
  });
});

describe('lead outbox', () => {
  it('keeps a lead taken during a Temporal outage and delivers it once Temporal is back', async () => {
    const { email } = person();
    const res = await apiCaller(appWithoutTemporal, sys.oemKey)({ method: 'POST', url: '/v1/leads', payload: { source: 'ADF', contact: { email } } });
    expect(res.statusCode).toBe(202);
    const { journeyId, leadId, delivered } = res.json();
    expect(delivered).toBe(false);
    expect((await sys.db.lead.findUniqueOrThrow({ where: { id: leadId } })).deliveredAt).toBeNull();

    const intake = createLeadIntake({ db: sys.db, temporal: sys.temporal, taskQueue: sys.taskQueue, defaultCountry: 'DE', log: silentLog });
    const relay = createLeadOutboxRelay({ db: sys.db, intake, log: silentLog, minAgeMs: 0 });
    expect(await relay.relayOnce()).toBeGreaterThanOrEqual(1);

    expect((await sys.db.lead.findUniqueOrThrow({ where: { id: leadId } })).deliveredAt).not.toBeNull();
    const state = await eventually(() => sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery));
    expect(state.leads.map((l) => l.leadId)).toEqual([leadId]);
    expect(await relay.relayOnce()).toBe(0); // nothing left behind
  });

  it('is harmless when a lead is delivered twice (relay racing the API)', async () => {
    const res = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email: person().email } } });
    const { journeyId, leadId } = res.json();
    const intake = createLeadIntake({ db: sys.db, temporal: sys.temporal, taskQueue: sys.taskQueue, defaultCountry: 'DE', log: silentLog });
    expect(await intake.deliver(leadId)).toBe(true);
    const handle = sys.temporal.workflow.getHandle(journeyId);
    await eventually(async () => ((await handle.query(journeyStateQuery)).stage === 'QUALIFYING' ? true : undefined));
    const state = await handle.query(journeyStateQuery);
    expect(state.leadCount).toBe(1);
  });

  it('leaves young undelivered leads to the request that stored them', async () => {
    const res = await apiCaller(appWithoutTemporal, sys.oemKey)({ method: 'POST', url: '/v1/leads', payload: { source: 'PHONE', contact: { email: person().email } } });
    const relay = createLeadOutboxRelay({ db: sys.db, intake: createLeadIntake({ db: sys.db, temporal: sys.temporal, taskQueue: sys.taskQueue, defaultCountry: 'DE', log: silentLog }), log: silentLog, minAgeMs: 60_000 });
    await relay.relayOnce();
    expect((await sys.db.lead.findUniqueOrThrow({ where: { id: res.json().leadId } })).deliveredAt).toBeNull();
  });
});

describe('worker down', () => {
  it('a lead taken while no worker runs is qualified once a worker comes back', async () => {
    const taskQueue = `journeys-no-worker-${randomUUID()}`;
    const app = await buildApp({ db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue });
    const res = await apiCaller(app, sys.oemKey)({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email: person().email } } });
    await app.close();
    expect(res.statusCode).toBe(202);
    const { journeyId } = res.json();
    expect(res.json().delivered).toBe(true); // durable in Temporal, waiting for a worker
    expect(await sys.db.journey.findUnique({ where: { id: journeyId } })).toBeNull();

    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await createWorkers(connection, { db: sys.db }, { taskQueue, workflowBundle: sharedWorkflowBundle(), kinds: ['journeys'] });
    await worker.runUntil(async () => {
      const row = await eventually(async () => (await sys.db.journey.findFirst({ where: { id: journeyId, stage: 'QUALIFYING' } })) ?? undefined);
      expect(row.owner).toBe('OEM');
    });
    await connection.close();
  });
});
