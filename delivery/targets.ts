// Where a dealer's webhook may point. A webhook makes our worker send requests to an address a
// dealer chose, so it must not reach our own network (SSRF): loopback, private, link-local
// (cloud metadata at 169.254.169.254), carrier-grade NAT, benchmarking, reserved and
// unique-local addresses are refused, and so are the IPv6 forms that embed an IPv4 address
// (NAT64 64:ff9b::/96, IPv4-compatible ::/96, IPv4-mapped ::ffff:0:0/96 judged as the IPv4).
// The address is checked where the connection is made: the HTTP agent's own DNS look-up
// refuses internal answers, so a name that resolves to a public address when the URL is set
// and to an internal one when we connect (DNS rebinding) is refused too. Loopback (a
// developer's listener on this machine) only in development.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

export interface TargetPolicy {
  /** Development only: a listener on this machine (localhost, 127.0.0.0/8, [::1]), over plain http too. */
  allowLoopback: boolean;
}

export const LOCAL_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What a dealer is told of a refused target: that it was refused, never what we learnt about the address. */
export const REFUSED_TARGET = 'not delivered: the webhook address is not allowed';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::', 96], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv6');
}

/** "[::1]" → "::1"; an IPv4 address written as IPv6 (::ffff:10.0.0.1) → the IPv4 address it is. */
function bare(address: string): string {
  return address.replace(/^\[|\]$/g, '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

/** An address inside our own or a private network (loopback included). */
export function isInternalAddress(address: string): boolean {
  const a = bare(address);
  const family = isIP(a);
  return family === 4 ? INTERNAL.check(a, 'ipv4') : family === 6 ? INTERNAL.check(a, 'ipv6') : false;
}

/** May a connection go to this IP address under the policy? */
export function mayConnectTo(address: string, policy: TargetPolicy): boolean {
  const a = bare(address);
  const family = isIP(a);
  if (family === 0) return false;
  if (policy.allowLoopback && LOOPBACK.check(a, family === 4 ? 'ipv4' : 'ipv6')) return true;
  return !isInternalAddress(a);
}

/**
 * Why this URL may not be a webhook, or null when it may: https (http for loopback in
 * development), no credentials in it, and a literal address must be public. Names are
 * checked when connecting (guardedLookup).
 */
export function refusedUrl(url: URL, policy: TargetPolicy): string | null {
  const host = bare(url.hostname);
  const loopbackName = host === 'localhost' || (isIP(host) !== 0 && LOOPBACK.check(host, isIP(host) === 4 ? 'ipv4' : 'ipv6'));
  if (loopbackName) return policy.allowLoopback ? null : 'not an address on this machine';
  if (url.protocol !== 'https:') return 'https:// (http:// only for this machine, in development)';
  if (isIP(host) && !mayConnectTo(host, policy)) return 'not an address inside a private network';
  return null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** Resolves a name to all its addresses (the system's resolver; tests pass one that rebinds). */
export type Resolve = (hostname: string, options: { all: true; family: number }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/** The connection's own DNS look-up: every address a name resolves to must be allowed. */
export function guardedLookup(policy: TargetPolicy, resolve: Resolve = dnsLookup as Resolve) {
  return (hostname: string, options: { all?: boolean; family?: number } | undefined, callback: LookupCallback) => {
    const name = bare(hostname);
    if (name === 'localhost') {
      // Resolved here, not by the system: "localhost" means loopback whatever /etc/hosts says.
      if (!policy.allowLoopback) return callback(refusal(hostname, '127.0.0.1'), []);
      const local = [{ address: '127.0.0.1', family: 4 }];
      return options?.all ? callback(null, local) : callback(null, '127.0.0.1', 4);
    }
    resolve(name, { all: true, family: options?.family ?? 0 }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.find((a) => !mayConnectTo(a.address, policy));
      if (refused) return callback(refusal(hostname, refused.address), []);
      if (options?.all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

/** A look-up refused for an internal address: the code tells it apart from a name that does not resolve. */
export class TargetRefused extends Error {
  readonly code = 'ETARGETREFUSED';
  constructor(readonly hostname: string, readonly address: string) {
    super(`${hostname} resolves to an address that is not allowed (${address})`);
  }
}
const refusal = (hostname: string, address: string) => new TargetRefused(hostname, address) as unknown as NodeJS.ErrnoException;

/**
 * The HTTP agent webhooks are sent through: it connects only to addresses its look-up
 * allowed (literal addresses are checked by refusedUrl before a request is made).
 */
export function webhookAgent(policy: TargetPolicy, resolve?: Resolve): Agent {
  return new Agent({ connect: { lookup: guardedLookup(policy, resolve) as never }, connections: 64, keepAliveTimeout: 4_000 });
}
