// Where a dealer's webhook may point. A webhook makes our worker send requests to an address a
// dealer chose, so it must not reach our own network (SSRF): private, link-local (cloud metadata
// at 169.254.169.254) and unique-local addresses are refused — checked on the literal address
// when the URL is set, and on what the name resolves to before every delivery. Plain http and
// loopback only for a listener on this machine named as such (localhost, 127.0.0.1, [::1]).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export const LOCAL_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

const INTERNAL = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) INTERNAL.addSubnet(net, prefix, 'ipv6');

/** An address inside our own or a private network. */
export function isInternalAddress(address: string): boolean {
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  const bare = address.replace(/^\[|\]$/g, '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const family = isIP(bare);
  return family === 4 ? INTERNAL.check(bare, 'ipv4') : family === 6 ? INTERNAL.check(bare, 'ipv6') : false;
}

/** Why a delivery to this URL must not be made now, or null when it may. */
export async function refusedTarget(url: URL): Promise<string | null> {
  if (LOCAL_HOSTS.has(url.hostname)) return null;
  if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) return isInternalAddress(url.hostname) ? `${url.hostname} is an internal address` : null;
  try {
    const addresses = await lookup(url.hostname, { all: true });
    const internal = addresses.find((a) => isInternalAddress(a.address));
    return internal ? `${url.hostname} resolves to an internal address (${internal.address})` : null;
  } catch {
    return null; // unresolvable: fetch reports it as the attempt's error
  }
}
