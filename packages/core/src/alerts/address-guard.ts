import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DomainError } from '../errors/domain-error.ts';

// Addresses a webhook must not reach unless an operator allowed it: the gateway's own host,
// its network, and the cloud metadata endpoint (169.254.169.254) are what SSRF goes after.
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

/** An IPv6 address as eight 16-bit groups (`::` expanded, a dotted IPv4 tail turned into two groups). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(0, fill)).fill('0'), ...right].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * The IPv4 address an IPv6 address carries and would reach: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d) and 6to4 (2002:AABB:CCDD::).
 */
function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6]!, g[7]!);
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(g[6]!, g[7]!);
  // ::/96 except :: and ::1 themselves (checked as IPv6 below).
  if (zeros(0, 6) && g[6] !== 0) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return undefined;
}

/**
 * Why an IP address is not a public one (loopback, private, link-local, CGNAT, unique-local,
 * multicast, unspecified, or one of those inside IPv6), or undefined when it is public.
 */
export function privateAddressReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return privateAddressReason(v4);
    return PRIVATE.check(address, 'ipv6') ? 'a loopback, link-local or private IPv6 address' : undefined;
  }
  return PRIVATE.check(address, 'ipv4')
    ? 'a loopback, private, link-local or reserved IPv4 address'
    : undefined;
}

export type Lookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

/** The system resolver, bounded: getaddrinfo has no timeout of its own, and a hung lookup would stall delivery. */
export const systemLookup: Lookup = (host) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })),
      5000,
    );
  });
  return Promise.race([dnsLookup(host, { all: true, verbatim: true }), timeout]).finally(() =>
    clearTimeout(timer),
  );
};

export interface AddressPolicy {
  /** The subscription was created with allowPrivate by an operator. */
  allowPrivate: boolean;
  /** Host names or IPs the server's configuration allows whatever they resolve to. */
  allowHosts?: readonly string[] | undefined;
  lookup?: Lookup | undefined;
}

/** A URL checked for delivery, and the one address the request must connect to. */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

const refused = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('ALERT_URL_REFUSED', message, { details });

/** The URL as the WHATWG parser normalises it (decimal, octal and hex IPv4 hosts become dotted). */
export function parseAlertUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw refused('The webhook URL is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refused(`The webhook URL must be http or https, not ${url.protocol.replace(/:$/, '')}`);
  if (url.username || url.password)
    throw refused('The webhook URL must not carry a user name or password; sign with the secret instead');
  if (url.hostname === '') throw refused('The webhook URL has no host');
  return url;
}

/**
 * Resolves the URL's host (every address) and refuses it when any address is not public,
 * unless the policy allows private ones. Called when a subscription is created and again
 * before every delivery; the delivery then connects to the returned address only, so a DNS
 * answer that changes in between (rebinding) cannot move it onto a private one.
 */
export async function checkAlertTarget(raw: string, policy: AddressPolicy): Promise<CheckedTarget> {
  const url = parseAlertUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const allowed =
    policy.allowPrivate || (policy.allowHosts ?? []).some((h) => h.toLowerCase() === host.toLowerCase());
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await (policy.lookup ?? systemLookup)(host);
    } catch (error) {
      throw refused(
        `The webhook host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`,
        {
          host,
        },
      );
    }
    if (addresses.length === 0) throw refused(`The webhook host ${host} does not resolve`, { host });
  }
  if (!allowed) {
    for (const { address } of addresses) {
      const reason = privateAddressReason(address);
      if (reason)
        throw refused(
          `The webhook host ${host} resolves to ${address}, ${reason}: refused (an operator can allow it: "ocr-ops alerts add … --allow-private", allowPrivate over the API, or the host in ALERT_ALLOW_PRIVATE_HOSTS)`,
          { host, address },
        );
    }
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
