import { describe, expect, it } from 'vitest';
import { isInternalAddress, refusedTarget } from '../../delivery/targets.js';

describe('webhook targets: never into our own network', () => {
  it.each([
    ['10.0.0.5', true], ['172.16.4.1', true], ['172.31.255.255', true], ['192.168.1.10', true], ['169.254.169.254', true],
    ['127.0.0.1', true], ['100.64.0.1', true], ['0.0.0.0', true], ['::1', true], ['[::1]', true], ['fd12:3456::1', true], ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['172.32.0.1', false], ['93.184.216.34', false], ['2606:2800:220:1::1', false], ['crm.autohaus.example', false],
  ])('%s internal: %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });

  it('refuses internal literals, takes public ones and this machine when named as such', async () => {
    expect(await refusedTarget(new URL('https://169.254.169.254/latest/meta-data'))).toBe('169.254.169.254 is an internal address');
    expect(await refusedTarget(new URL('https://[fd00::1]/hook'))).toBe('[fd00::1] is an internal address');
    expect(await refusedTarget(new URL('https://93.184.216.34/hook'))).toBeNull();
    expect(await refusedTarget(new URL('http://localhost:4000/hook'))).toBeNull();
    expect(await refusedTarget(new URL('http://127.0.0.1:4000/hook'))).toBeNull();
  });
});
