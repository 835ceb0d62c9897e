// The webhook transport against a real local HTTP server (SMTP is exercised end to end
// in communications.test.ts).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookTransport, type OutboundMessage } from '../../communications/transports.js';

const received: { headers: IncomingMessage['headers']; body: unknown }[] = [];
let status = 202;
const server = createServer((req, res) => {
  let data = '';
  req.on('data', (chunk) => (data += chunk));
  req.on('end', () => {
    received.push({ headers: req.headers, body: JSON.parse(data) });
    res.writeHead(status, { 'x-message-id': 'gw-42' }).end();
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/messages`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const sms: OutboundMessage = { communicationId: 'c0ffee00-0000-4000-8000-000000000001', channel: 'SMS', to: '+4930123456', from: 'Autohaus <no-reply@example.com>', subject: 'Termin', text: 'Bis morgen, Zoë!' };

describe('webhookTransport', () => {
  it('POSTs the message as JSON with the communication id as idempotency key, and returns the gateway id', async () => {
    expect(await webhookTransport(url).send(sms)).toEqual({ providerId: 'gw-42' });
    expect(received.at(-1)).toMatchObject({ body: sms, headers: { 'content-type': 'application/json', 'idempotency-key': sms.communicationId } });
  });

  it('treats a non-2xx answer as a failed attempt (the activity retries it)', async () => {
    status = 503;
    await expect(webhookTransport(url).send(sms)).rejects.toThrow(/503/);
    status = 202;
  });
});
