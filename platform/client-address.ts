// Who is asking, for per-address limits: an IPv4 address as it is, an IPv6 address by its /64
// (one subscriber's network: otherwise every request could come from a fresh address of it).
import { isIPv6 } from 'node:net';

/** The limit key of a client address: IPv4 as is (also when written as IPv6), IPv6 as its /64. */
export function clientAddressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, zero-padded, "::" filled in. */
function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  return groups.map((g) => g.toLowerCase().padStart(4, '0'));
}

/**
 * Fastify's trustProxy from the TRUST_PROXY setting: the proxies' addresses or networks
 * (comma-separated), or how many proxies stand in front (a hop count). Never "trust
 * everything": then any client could name its own address in X-Forwarded-For.
 */
export function trustProxyOf(setting: string | undefined): string | number | false {
  const value = setting?.trim();
  if (!value) return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) throw new Error('TRUST_PROXY: a hop count from 1 to 10, or the proxies\' addresses');
    return hops;
  }
  if (/^(true|\*|all)$/i.test(value)) throw new Error('TRUST_PROXY: name the proxies\' addresses or a hop count; trusting every address would let clients choose their own');
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  const address = /^[0-9a-f:.]+(\/\d{1,3})?$/i;
  const bad = entries.find((e) => !address.test(e) && !['loopback', 'linklocal', 'uniquelocal'].includes(e));
  if (bad) throw new Error(`TRUST_PROXY: "${bad}" is not an address, a network (CIDR) or loopback/linklocal/uniquelocal`);
  return entries.join(',');
}
