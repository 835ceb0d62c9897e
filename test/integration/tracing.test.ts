// One lead's trace, from the HTTP request through signal-with-start into the journey and its
// activities, exported by OTLP over HTTP to a real receiver (a plain HTTP server here).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { createDb } from '../../platform/db.js';
import { clientTracing, startTracing, workerTracing, type Tracing } from '../../platform/tracing.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { createWorkers } from '../../workers/journey-worker.js';
import { createTestKey, eventually, person, silentLog } from '../support/system.js';

interface ExportedSpan { traceId: string; spanId: string; parentSpanId?: string; name: string }
const received: ExportedSpan[] = [];
const body = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let text = '';
  req.on('data', (chunk: Buffer) => (text += chunk.toString()));
  req.on('end', () => resolve(text));
});
const receiver = createServer(async (req, res) => {
  const payload = JSON.parse(await body(req)) as { resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[] };
  for (const r of payload.resourceSpans) for (const s of r.scopeSpans) received.push(...s.spans);
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});

let tracing: Tracing;
let stop: () => Promise<void>;
let call: (traceparent: string) => Promise<{ journeyId: string }>;
let temporal: Client;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  // The standard variables, as an operator sets them.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
  tracing = startTracing('lead-to-loyalty-test')!;

  const db = createDb(inject('databaseUrl'));
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  temporal = new Client({ connection, interceptors: clientTracing(tracing) });
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const taskQueue = `journeys-tracing-${randomUUID()}`;
  const intake = createLeadIntake({ db, temporal, taskQueue, defaultCountry: 'DE', log: silentLog });
  const worker = await createWorkers(native, { db, intake, temporal, taskQueue }, { taskQueue, ...workerTracing(tracing), kinds: ['journeys'] });
  const running = worker.run();
  const app = await buildApp({ db, temporal, log: silentLog, taskQueue, tracing: true });
  const key = await createTestKey(db, 'OEM');
  call = async (traceparent) => {
    const res = await app.inject({
      method: 'POST', url: '/v1/leads', headers: { authorization: `Bearer ${key}`, traceparent },
      payload: { source: 'WEB_FORM', contact: { email: person().email, postalCode: '10115' } },
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json();
  };
  stop = async () => {
    await app.close();
    worker.shutdown();
    await running;
    await Promise.all([db.$disconnect(), connection.close(), native.close(), tracing.shutdown()]);
  };
});
afterAll(async () => {
  await stop?.();
  receiver.close();
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete process.env.OTEL_BSP_SCHEDULE_DELAY;
});

describe('traces', () => {
  it("one lead's spans share the caller's trace id: the request, signal-with-start, the journey and its activities", async () => {
    const traceId = randomBytes(16).toString('hex');
    const { journeyId } = await call(`00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    await eventually(async () => ((await temporal.workflow.getHandle(journeyId).query(journeyStateQuery)).stage === 'QUALIFYING' ? true : undefined));

    const names = await eventually(async () => {
      await tracing.flush();
      const mine = received.filter((s) => s.traceId === traceId).map((s) => s.name);
      // (The journey's own RunWorkflow span ends only when the journey does, years later.)
      const complete = ['POST /v1/leads', 'SignalWithStartWorkflow:journey', 'HandleSignal:leadCaptured', 'StartActivity:recordTransitions'].every((n) => mine.includes(n))
        && mine.some((n) => n.startsWith('RunActivity:'));
      return complete ? mine : undefined;
    }, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; spans received: ${JSON.stringify(received.map((s) => [s.traceId === traceId, s.name]))}`);
    });
    expect(names).toEqual(expect.arrayContaining(['POST /v1/leads', 'SignalWithStartWorkflow:journey', 'HandleSignal:leadCaptured', 'RunActivity:recordTransitions']));
    // The server span continues the caller's: it has the caller's span as parent, the rest hang below it.
    const server = received.find((s) => s.traceId === traceId && s.name === 'POST /v1/leads')!;
    const client = received.find((s) => s.traceId === traceId && s.name === 'SignalWithStartWorkflow:journey')!;
    expect(client.parentSpanId).toBe(server.spanId);
    // An activity's span hangs below the workflow's call that scheduled it.
    const started = new Set(received.filter((s) => s.traceId === traceId && s.name === 'StartActivity:recordTransitions').map((s) => s.spanId));
    expect(received.some((s) => s.traceId === traceId && s.name === 'RunActivity:recordTransitions' && started.has(s.parentSpanId ?? ''))).toBe(true);
  });
});
