// Each kind of work on a task queue of its own (platform/task-queues.ts, taskQueuesOf): with only the
// journeys' worker running, a lead is offered and the dealer's accept answered while an import and a
// hand-off's delivery wait on their own queues; they go on once their workers run.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { createDb, type PrismaClient } from '../../platform/db.js';
import { taskQueuesOf } from '../../platform/task-queues.js';
import { dealerDeliveryIdFor, leadImportIdFor } from '../../workflows/definitions.js';
import { createWorkers } from '../../workers/journey-worker.js';
import { fairCsv } from '../support/fair-file.js';
import { apiCaller, createTestKey, DEV_TARGETS, eventually, freshTestDatabase, sharedWorkflowBundle, silentLog, TEST_DELIVERY_SCHEDULE } from '../support/system.js';

let database: Awaited<ReturnType<typeof freshTestDatabase>>;
let db: PrismaClient;
let connection: Connection;
let native: NativeConnection;
let temporal: Client;
beforeAll(async () => {
  database = await freshTestDatabase('l2l_kinds');
  db = createDb(database.databaseUrl);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  temporal = new Client({ connection });
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await Promise.all([db?.$disconnect(), connection?.close(), native?.close()]);
  await database?.drop();
});

describe('task queues by kind', () => {
  it('the journeys go on while no bulk or deliveries worker runs; the import and the delivery wait on their queues, then finish', async () => {
    const taskQueue = `journeys-kinds-${randomUUID()}`;
    const queues = taskQueuesOf(taskQueue);
    const hooks: string[] = [];
    const receiver = createServer((req, res) => req.on('data', () => {}).on('end', () => {
      hooks.push(String(req.headers['webhook-id']));
      res.writeHead(204).end();
    }));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const intake = createLeadIntake({ db, temporal, taskQueue, defaultCountry: 'DE', log: silentLog });
    const deps = { db, intake, temporal, taskQueue, delivery: { schedule: TEST_DELIVERY_SCHEDULE, targets: DEV_TARGETS } };
    const app = await buildApp({ db, temporal, log: silentLog, taskQueue, deliverySchedule: TEST_DELIVERY_SCHEDULE, webhookTargets: DEV_TARGETS });
    const oem = apiCaller(app, await createTestKey(db, 'OEM'));
    try {
      const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
      // One dealer takes hand-offs in its CRM (a webhook), the other in the workspace or API.
      const [withCrm, withApi] = [`DLR-KINDS-${tag}-CRM`, `DLR-KINDS-${tag}-API`];
      for (const id of [withCrm, withApi]) {
        expect((await oem({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${id}`, territory: [`QK${tag}`], brands: ['VW'] } })).statusCode).toBe(201);
      }
      const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const hook = await oem({ method: 'PUT', url: `/v1/dealers/${withCrm}/delivery`, payload: { webhookUrl, adfEmail: null } });
      expect(hook.statusCode, hook.body).toBe(200);
      const dealer = apiCaller(app, await createTestKey(db, 'DEALER', withApi));
      const hotLead = (dealerId: string, name: string) => oem({ method: 'POST', url: '/v1/leads', payload: {
        source: 'WEB_FORM', preferredDealerId: dealerId, interest: { model: 'ID.7', timeframe: 'NOW' }, contact: { email: `${name}.${tag}@example.com` },
      } });

      const event = `Kinds fair ${tag}`;
      const upload = await oem({ method: 'POST', url: `/v1/imports?event=${encodeURIComponent(event)}&date=2026-09-09`, payload: fairCsv(20, tag), headers: { 'content-type': 'text/csv' } });
      expect(upload.statusCode, upload.body).toBe(202);
      const importId = upload.json().import.importId as string;

      const journeysOnly = await createWorkers(native, deps, { taskQueue, workflowBundle: sharedWorkflowBundle(), kinds: ['journeys'] });
      const deliveryId = await journeysOnly.runUntil(async () => {
        const [forCrm, forApi] = [await hotLead(withCrm, 'crm'), await hotLead(withApi, 'api')];
        expect([forCrm.statusCode, forApi.statusCode]).toEqual([202, 202]);
        const accepted = await eventually(async () => {
          const res = await dealer({ method: 'POST', url: `/v1/journeys/${forApi.json().journeyId}/accept` });
          return res.statusCode === 200 ? res : undefined;
        });
        expect(accepted.json()).toMatchObject({ stage: 'IN_SALES' });
        // The other offer's delivery is recorded and started, but on the deliveries' queue: nobody has taken it.
        const delivery = await eventually(async () => (await db.dealerDelivery.findFirst({ where: { dealerId: withCrm } })) ?? undefined);
        expect(delivery.status).toBe('PENDING');
        return delivery.id;
      });
      expect(hooks).toEqual([]);
      expect(await db.lead.count({ where: { event } })).toBe(0);
      expect((await temporal.workflow.getHandle(leadImportIdFor(importId)).describe()).taskQueue).toBe(queues.bulk);
      expect((await temporal.workflow.getHandle(dealerDeliveryIdFor(deliveryId)).describe()).taskQueue).toBe(queues.deliveries);

      const theRest = await createWorkers(native, deps, { taskQueue, workflowBundle: sharedWorkflowBundle(), kinds: ['bulk', 'deliveries'] });
      await theRest.runUntil(async () => {
        await eventually(async () => (hooks.length > 0 ? true : undefined));
        await eventually(async () => ((await db.lead.count({ where: { event, deliveredAt: { not: null } } })) === 20 ? true : undefined), 30_000);
      });
      expect((await db.dealerDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).status).toBe('DELIVERED');
    } finally {
      await app.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
