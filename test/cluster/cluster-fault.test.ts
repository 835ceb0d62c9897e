// The production topology (issue 16): the Temporal server on PostgreSQL (persistence and SQL
// visibility), two worker processes and two API processes, compiled JavaScript under node with
// the prebuilt workflow bundle (`npm run build`, which scripts/test.sh runs first). One worker is
// SIGKILLed while leads pour in through both APIs: every lead's journey still progresses, none
// is lost or doubled; then the README's story (offer, accept, sale) runs across the two APIs.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type PrismaClient } from '../../platform/db.js';
import { freePort, logTail, runCompiled, startTemporalCluster } from '../support/infra.js';
import { createTestKey, eventually, freshTestDatabase } from '../support/system.js';

const root = new URL('../../', import.meta.url).pathname;
const LEADS = 200;

let cluster: Awaited<ReturnType<typeof startTemporalCluster>>;
let database: Awaited<ReturnType<typeof freshTestDatabase>>;
let db: PrismaClient;
const processes: ChildProcess[] = [];
const apis: string[] = [];
let workers: ChildProcess[] = [];
let oemKey = '';

/** A compiled process on the cluster and this test's database. */
function run(entry: 'workers/main.js' | 'api/server.js', env: Record<string, string>): ChildProcess & { logFile: string } {
  const child = runCompiled(entry, { TEMPORAL_ADDRESS: cluster.address, DATABASE_URL: database.databaseUrl, LOG_LEVEL: 'warn', TEMPORAL_TASK_QUEUE: 'journeys-cluster-test', ...env });
  processes.push(child);
  return child;
}

/** Until the API answers healthy; fails at once, with the process's log, if it exits or stays unhealthy. */
async function healthy(api: string, child: ChildProcess & { logFile: string }) {
  let last = 'no answer';
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${api} exited (${child.exitCode ?? child.signalCode}):\n${logTail(child.logFile)}`);
    const res = await fetch(`${api}/healthz`).catch((error: unknown) => String(error));
    if (typeof res !== 'string' && res.ok) return;
    last = typeof res === 'string' ? res : `${res.status} ${await res.text()}`;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${api} not healthy in 60 s (last: ${last}):\n${logTail(child.logFile)}`);
}

const post = (api: string, path: string, body: object, key = oemKey) =>
  fetch(`${api}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  if (!existsSync(`${root}dist/workflow-bundle.js`)) throw new Error('dist/ is missing: npm run build (scripts/test.sh runs it before the tests)');
  // Ports: the frontend's and the next ten for the other services, 300 below for membership; all
  // under 32768 (the server's PostgreSQL schema keeps them as smallint).
  const base = 20_000 + Math.floor(Math.random() * 12_000);
  cluster = await startTemporalCluster(base);
  database = await freshTestDatabase('l2l_cluster_app');
  db = createDb(database.databaseUrl);
  oemKey = await createTestKey(db, 'OEM');
  workers = [run('workers/main.js', {}), run('workers/main.js', {})];
  const servers: (ChildProcess & { logFile: string })[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    servers.push(run('api/server.js', { API_PORT: String(port) }));
    apis.push(`http://127.0.0.1:${port}`);
  }
  await Promise.all(apis.map((api, i) => healthy(api, servers[i]!)));
}, 180_000);

afterAll(async () => {
  for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
  await Promise.all(processes.map((p) => (p.exitCode !== null || p.signalCode !== null ? null : new Promise((resolve) => p.once('exit', resolve)))));
  await db?.$disconnect();
  await cluster?.stop();
  await database?.drop();
}, 120_000);

describe('on the production Temporal server, two workers and two APIs', () => {
  it(`a worker SIGKILLed under load: all ${LEADS} leads' journeys progress, none lost or doubled`, async () => {
    const tag = randomUUID().slice(0, 8);
    const sent: string[] = [];
    let next = 0;
    // Ten clients at a time, alternating between the two APIs.
    await Promise.all(Array.from({ length: 10 }, async () => {
      for (let i = next++; i < LEADS; i = next++) {
        if (i === LEADS / 2) {
          workers[0]!.kill('SIGKILL'); // halfway: one worker dies without a word
          expect(await new Promise((resolve) => workers[0]!.once('exit', (_code, signal) => resolve(signal)))).toBe('SIGKILL');
        }
        const res = await post(apis[i % 2]!, '/v1/leads', { source: 'FAIR', event: `cluster ${tag}`, contact: { email: `c${i}.${tag}@example.com` } });
        expect(res.status).toBe(202);
        sent.push(((await res.json()) as { customerId: string }).customerId);
      }
    }));
    expect(new Set(sent).size).toBe(LEADS);

    // The surviving worker takes over the dead one's journeys and tasks.
    const progressed = await eventually(async () => {
      const rows = await db.journey.findMany({ where: { customerId: { in: sent } }, select: { stage: true, leadCount: true } });
      return rows.length === LEADS && rows.every((r) => r.stage === 'QUALIFYING') ? rows : undefined;
    }, 90_000);
    expect(progressed.every((r) => r.leadCount === 1)).toBe(true); // none doubled
    expect(await db.lead.count({ where: { customerId: { in: sent } } })).toBe(LEADS);
    expect(await db.lead.count({ where: { customerId: { in: sent }, deliveredAt: null } })).toBe(0);
  }, 180_000);

  it('the README story across the two APIs: a hot lead is offered to the dealer, accepted on one API, sold on the other', async () => {
    const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
    const dealerId = `DLR-CL-${tag}`;
    expect((await post(apis[0]!, '/v1/dealers', { id: dealerId, name: 'Autohaus Cluster', territory: [`CL${tag}`] })).status).toBe(201);
    const dealerKey = await createTestKey(db, 'DEALER', dealerId);
    const lead = await post(apis[1]!, '/v1/leads', { source: 'WEB_FORM', interest: { model: 'ID.4', timeframe: 'NOW' }, contact: { email: `hot.${tag.toLowerCase()}@example.com`, postalCode: `CL${tag}1` } });
    const { journeyId } = (await lead.json()) as { journeyId: string };
    await eventually(async () => {
      const res = await fetch(`${apis[0]}/v1/journeys/${journeyId}`, { headers: { authorization: `Bearer ${oemKey}` } });
      return ((await res.json()) as { handoff?: { dealerId: string } }).handoff?.dealerId === dealerId ? true : undefined;
    }, 30_000);
    expect((await post(apis[0]!, `/v1/journeys/${journeyId}/accept`, {}, dealerKey)).status).toBe(200);
    const sale = await post(apis[1]!, `/v1/journeys/${journeyId}/sale`, { vehicle: { vin: `WVWZZZE1ZP${tag}9`, model: 'ID.4', soldOn: '2026-11-20' } }, dealerKey);
    expect(sale.status).toBe(200);
    expect(await sale.json()).toMatchObject({ stage: 'DEALER_OWNED', dealerId });
  }, 120_000);
});
