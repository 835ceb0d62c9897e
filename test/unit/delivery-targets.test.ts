// Webhook targets (issue 29, finding 2): never into our own network, checked where the connection
// is made. The agent tests connect to a real HTTP server on this machine through the guarded agent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInternalAddress, mayConnectTo, REFUSED_TARGET, refusedUrl, webhookAgent, type Resolve } from '../../delivery/targets.js';
import { postWebhook } from '../../delivery/webhooks.js';

const PRODUCTION = { allowLoopback: false };
const DEVELOPMENT = { allowLoopback: true };

describe('webhook targets: never into our own network', () => {
  it.each([
    ['10.0.0.5', true], ['172.16.4.1', true], ['172.31.255.255', true], ['192.168.1.10', true], ['169.254.169.254', true],
    ['127.0.0.1', true], ['100.64.0.1', true], ['0.0.0.0', true], ['::1', true], ['[::1]', true], ['fd12:3456::1', true], ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    // The ranges the review named: NAT64, IPv4-compatible IPv6, benchmarking, reserved; and multicast.
    ['64:ff9b::a00:1', true], ['64:ff9b::7f00:1', true], ['::a00:1', true], ['::7f00:1', true], ['198.18.0.1', true], ['198.19.255.254', true],
    ['240.0.0.1', true], ['255.255.255.255', true], ['224.0.0.251', true],
    ['172.32.0.1', false], ['93.184.216.34', false], ['2606:2800:220:1::1', false], ['198.20.0.1', false], ['crm.autohaus.example', false],
  ])('%s internal: %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });

  it('loopback only in development; nothing else internal even then', () => {
    for (const a of ['127.0.0.1', '127.8.8.8', '::1']) {
      expect(mayConnectTo(a, PRODUCTION)).toBe(false);
      expect(mayConnectTo(a, DEVELOPMENT)).toBe(true);
    }
    for (const a of ['10.0.0.1', '169.254.169.254', '64:ff9b::a9fe:a9fe']) expect(mayConnectTo(a, DEVELOPMENT)).toBe(false);
  });

  it('a URL: https to a public address; loopback names and http only in development', () => {
    expect(refusedUrl(new URL('https://169.254.169.254/latest/meta-data'), PRODUCTION)).toBe('not an address inside a private network');
    expect(refusedUrl(new URL('https://[fd00::1]/hook'), DEVELOPMENT)).toBe('not an address inside a private network');
    expect(refusedUrl(new URL('https://[64:ff9b::a00:1]/hook'), PRODUCTION)).toBe('not an address inside a private network');
    expect(refusedUrl(new URL('https://198.18.0.7/hook'), PRODUCTION)).toBe('not an address inside a private network');
    expect(refusedUrl(new URL('https://93.184.216.34/hook'), PRODUCTION)).toBeNull();
    expect(refusedUrl(new URL('https://crm.autohaus.example/hook'), PRODUCTION)).toBeNull();
    expect(refusedUrl(new URL('http://crm.autohaus.example/hook'), PRODUCTION)).toMatch(/https/);
    for (const local of ['http://localhost:4000/hook', 'http://127.0.0.1:4000/hook', 'http://[::1]:4000/hook', 'https://127.0.0.2/hook']) {
      expect(refusedUrl(new URL(local), PRODUCTION)).toBe('not an address on this machine');
      expect(refusedUrl(new URL(local), DEVELOPMENT)).toBeNull();
    }
  });
});

describe('the guarded agent connects only where its own look-up allowed (DNS rebinding)', () => {
  let receiver: Server;
  let port = 0;
  let received = 0;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      received++;
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  // A name whose first answer was public (when the URL was set) and now points here.
  const rebinding: Resolve = (_name, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]);

  it('refuses a name that resolves to an internal address at connect time, and says only that to the dealer', async () => {
    const before = received;
    const url = `https://hooks.autohaus.example:${port}/l2l`;
    expect(refusedUrl(new URL(url), PRODUCTION)).toBeNull(); // the URL itself looks fine
    const answer = await postWebhook(url, 'evt_1', '{}', ['whsec_' + Buffer.from('x'.repeat(24)).toString('base64')], 2_000, { policy: PRODUCTION, agent: webhookAgent(PRODUCTION, rebinding) });
    expect(answer).toMatchObject({ statusCode: null, error: REFUSED_TARGET });
    expect(answer.refusedBecause).toMatch(/127\.0\.0\.1/);
    expect(received).toBe(before);
  });

  it('the same agent in development reaches the listener through that look-up (it is the connection\'s)', async () => {
    const before = received;
    const answer = await postWebhook(`http://localhost:${port}/l2l`, 'evt_2', '{}', ['whsec_' + Buffer.from('y'.repeat(24)).toString('base64')], 2_000, { policy: DEVELOPMENT, agent: webhookAgent(DEVELOPMENT, rebinding) });
    expect(answer).toEqual({ statusCode: 200, error: null });
    expect(received).toBe(before + 1);
  });

  it('loopback literals are refused before any connection outside development', async () => {
    const before = received;
    const answer = await postWebhook(`http://127.0.0.1:${port}/l2l`, 'evt_3', '{}', ['whsec_' + Buffer.from('z'.repeat(24)).toString('base64')], 2_000, { policy: PRODUCTION, agent: webhookAgent(PRODUCTION) });
    expect(answer).toMatchObject({ statusCode: null, error: REFUSED_TARGET });
    expect(received).toBe(before);
  });
});
