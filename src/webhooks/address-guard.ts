import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach unless allowed: captured mail and config may come from
 * others, and a webhook that can POST to 127.0.0.1, the LAN or a cloud metadata service
 * (169.254.169.254) is a way into them (SSRF).
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv6');

/** An IPv4 address carried inside an IPv6 one (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96). */
const EMBEDDED_V4 =
  /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i;

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const embedded = EMBEDDED_V4.exec(address);
  if (embedded) {
    const v4 =
      embedded[1] ??
      [embedded[2]!, embedded[3]!]
        .flatMap((word) => {
          const n = parseInt(word, 16);
          return [n >> 8, n & 255];
        })
        .join('.');
    return PRIVATE.check(v4, 'ipv4');
  }
  return PRIVATE.check(address, 'ipv6');
}

function refusal(host: string, address: string): BlockedAddressError {
  return new BlockedAddressError(
    `${host} resolves to ${address}, a loopback, private or link-local address; allow it with allow_private: true or --webhook-allow-private`,
  );
}

/** Refuses a URL whose host is an IP literal (Node connects to those without a lookup). */
export function checkLiteralHost(host: string): void {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) && isPrivateAddress(bare)) throw refusal(host, bare);
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request: resolves the name, refuses it if any address is private,
 * and hands the connection exactly the addresses it checked. The check happens at connect
 * time, on the addresses connected to, so a name that changes its answer between a first
 * check and the connection (DNS rebinding) gains nothing.
 */
export function guardedLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { all: true, family: Number(options.family) || 0 }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) return callback(refusal(hostname, blocked.address), []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}
