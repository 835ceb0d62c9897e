// How the processes reach Temporal: plain on the dev stack; TLS with an API key (Temporal Cloud);
// mTLS with a client certificate, optionally a private CA and the name to check; and the
// configuration refuses half a certificate pair. Also which kinds of work (task queues) a worker takes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { temporalConnectionOptions } from '../../platform/temporal.js';

const dir = mkdtempSync(join(tmpdir(), 'l2l-tls-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
const options = (env: Record<string, string>) => temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', ...env }, 'tool'));

describe('temporalConnectionOptions', () => {
  it('is plain without any TLS setting (the dev stack)', () => {
    expect(options({})).toEqual({ address: 'ns.acct.tmprl.cloud:7233' });
  });

  it('turns TLS on with an API key, for the client and the worker alike', () => {
    expect(options({ TEMPORAL_API_KEY: 'secret-key' })).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'secret-key' });
  });

  it('reads a client certificate pair, a CA and the server name for mTLS', () => {
    const o = options({ TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    const tls = o.tls as { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate: Buffer; serverNameOverride: string };
    expect(tls.clientCertPair.crt.toString()).toContain('client');
    expect(tls.clientCertPair.key.toString()).toContain('PRIVATE KEY');
    expect(tls.serverRootCACertificate.toString()).toContain('ca');
    expect(tls.serverNameOverride).toBe('temporal.internal');
    expect(o.apiKey).toBeUndefined();
  });

  it('TEMPORAL_TLS=true alone: TLS against a publicly trusted server', () => {
    expect(options({ TEMPORAL_TLS: 'true' })).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {} });
  });

  it('refuses a certificate without its key (and the other way round)', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: cert }, 'tool')).toThrow(/go together/);
    expect(() => loadConfig({ TEMPORAL_TLS_KEY: key }, 'tool')).toThrow(/go together/);
  });
});

describe('WORKER_KINDS', () => {
  const dev = { L2L_DEVELOPMENT: 'true' };
  it('every kind by default; a list names fewer; an unknown kind or a repeat is refused by name', () => {
    expect(loadConfig(dev, 'worker').WORKER_KINDS).toEqual(['journeys', 'bulk', 'deliveries']);
    expect(loadConfig({ ...dev, WORKER_KINDS: 'bulk, deliveries' }, 'worker').WORKER_KINDS).toEqual(['bulk', 'deliveries']);
    expect(() => loadConfig({ ...dev, WORKER_KINDS: 'journeys,imports' }, 'worker')).toThrow(/WORKER_KINDS/);
    expect(() => loadConfig({ ...dev, WORKER_KINDS: 'bulk,bulk' }, 'worker')).toThrow(/WORKER_KINDS[\s\S]*each kind once/);
    expect(() => loadConfig({ ...dev, WORKER_KINDS: '' }, 'worker')).toThrow(/WORKER_KINDS/);
  });
});
