// A message being sent when the journey continues as new is sent once (issue 17): the
// run lets the send finish before it continues, and the next run does not send it again.
// Time-skipped journey, real worker and database, a real HTTP receiver (the SMS gateway
// webhook) that holds the send open while the ownership cycle ends.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { logTransport, webhookTransport } from '../../communications/transports.js';
import { DEFAULT_POLICY, HOUR, type JourneyPolicy } from '../../domain/policy.js';
import { acceptHandoffUpdate, recordSaleUpdate } from '../../workflows/definitions.js';
import { recordHistoryFixture } from '../support/histories.js';
import { apiCaller, createTestKey, eventually, silentLog, type ApiCaller } from '../support/system.js';
import { startHotJourney, startTimeSkippingSystem, stateOf, type TimeSkippingSystem } from '../support/time-skipping.js';

/** The SMS gateway: counts every delivery per message and answers only when released. */
class SlowGateway {
  readonly deliveries = new Map<string, number>();
  private held: ServerResponse[] = [];
  private server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk)).on('end', () => {
      const { communicationId } = JSON.parse(body) as { communicationId: string };
      this.deliveries.set(communicationId, (this.deliveries.get(communicationId) ?? 0) + 1);
      if (this.open) this.answer(res);
      else this.held.push(res);
    });
  });
  private open = false;

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sms`;
  }
  release() {
    this.open = true;
    for (const res of this.held.splice(0)) this.answer(res);
  }
  private answer(res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"gw-1"}');
  }
  stop() {
    this.release();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let sys: TimeSkippingSystem;
let gateway: SlowGateway;
let app: Awaited<ReturnType<typeof buildApp>>;
let api: ApiCaller;

beforeAll(async () => {
  gateway = new SlowGateway();
  const url = await gateway.start();
  sys = await startTimeSkippingSystem(undefined, { transports: { email: logTransport(silentLog), other: webhookTransport(url) } });
  app = await buildApp({ db: sys.db, temporal: sys.env.client, log: silentLog });
  api = apiCaller(app, await createTestKey(sys.db));
});
afterAll(async () => {
  await app?.close();
  await sys?.stop();
  await gateway?.stop();
});

describe('a send in flight when the journey continues as new', () => {
  it('reaches the receiver once, and the next run goes on from there', async () => {
    // The ownership cycle ends an hour after the sale, so the chapter (and the run) ends soon; no quiet hours.
    const policy: JourneyPolicy = { ...DEFAULT_POLICY, ownershipCycleMs: HOUR, quietHoursStartMinute: 0, quietHoursEndMinute: 0 };
    const journey = await startHotJourney({ ...sys, intake: sys.intakeWith(policy) }, 1, { phone: `+4930${Math.floor(1_000_000 + Math.random() * 8_999_999)}` });
    const { journeyId, customerId, handle, dealerId } = journey;
    await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === dealerId);
    await handle.executeUpdate(acceptHandoffUpdate, { args: [{ dealerId }] });
    await handle.executeUpdate(recordSaleUpdate, { args: [{ dealerId, vehicle: { vin: 'WVWZZZE1ZRP000777', model: 'ID.7', soldOn: '2026-11-22' } }] });
    const firstRun = (await handle.describe()).runId;

    // Five seconds before the cycle ends, an SMS goes out; the gateway holds it open.
    await sys.env.sleep(HOUR - 5_000);
    const asked = await api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: { purpose: 'TRANSACTIONAL', channel: 'SMS', templateId: 'appointment-confirmation', variables: { date: '3 December' } } });
    expect(asked.statusCode, asked.body).toBe(200);
    expect(asked.json()).toMatchObject({ decision: 'ALLOWED' });
    const { communicationId } = asked.json();
    await eventually(async () => (gateway.deliveries.get(communicationId) === 1 ? true : undefined));

    // The cycle ends while the send is in flight: back in market, a new chapter.
    await sys.env.sleep(10_000);
    await stateOf(sys, journeyId, (s) => s.stage === 'HANDED_OFF');
    // Time for a second run to send it again, were it carried along.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    gateway.release();

    await eventually(async () => ((await handle.describe()).runId !== firstRun ? true : undefined), 30_000);
    await recordHistoryFixture(sys.env.client.workflow.getHandle(journeyId, firstRun), 'journey-send-across-continue-as-new');
    await eventually(async () => ((await sys.db.communication.findUnique({ where: { id: communicationId } }))?.status === 'SENT' ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(gateway.deliveries.get(communicationId)).toBe(1);
    const attempts = await sys.db.communicationLog.findMany({ where: { communicationId, kind: 'SEND_ATTEMPT' } });
    expect(attempts.map((a) => a.outcome)).toEqual(['SENT']);
  });
});
