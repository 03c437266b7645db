// Which network addresses our servers may fetch a user's URL from. Pure: no I/O, no DNS. The
// fetcher (net/safeFetch.ts) resolves a host name itself, asks `checkAddress` about every address
// and connects only to an address that passed, so a URL typed by a user cannot reach the cloud
// metadata server, a private network or the local stack.
//
// The rule is an allow list: an IPv4 address must be ordinary public unicast, an IPv6 address
// must be public unicast inside 2000::/3 (the only block IANA hands out for the internet).
// ipaddr.js names every special-purpose range (loopback, RFC 1918, CGNAT, link-local, multicast,
// documentation, benchmarking, 6to4, Teredo, NAT64 ...); anything it does not call "unicast" is
// refused. IPv6 forms that carry an IPv4 address are refused outright (6to4, Teredo, NAT64,
// IPv4-compatible) or judged by the IPv4 address they carry (IPv4-mapped ::ffff:a.b.c.d).
import ipaddr from 'ipaddr.js';

export interface AddressVerdict {
  allowed: boolean;
  /** The address in canonical form (an IPv4-mapped IPv6 address as its IPv4 address). */
  address: string;
  /** ipaddr.js's name of the range, or our own for what it calls unicast but we refuse. */
  range: string;
}

/** Words for a person, by range name: "... is a loopback address". */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'an unspecified address (0.0.0.0 or ::)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (this includes the cloud metadata server 169.254.169.254)',
  loopback: 'a loopback address (this machine)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private network address (RFC 1918)',
  uniqueLocal: 'a unique-local IPv6 address (a private network, fc00::/7)',
  reserved: 'a reserved or documentation address',
  ipv4Mapped: 'an IPv4-mapped IPv6 address',
  rfc6145: 'an IPv4-translated IPv6 address',
  rfc6052: 'a NAT64 address (64:ff9b::/96)',
  '6to4': 'a 6to4 address (2002::/16) that tunnels to an IPv4 address',
  teredo: 'a Teredo address (2001::/32) that tunnels to an IPv4 address',
  discard: 'a discard-only address (100::/64)',
  benchmarking: 'a benchmarking address',
  amt: 'an AMT tunnelling address',
  as112: 'an AS112 address',
  as112v6: 'an AS112 address',
  deprecated: 'a deprecated address',
  orchid2: 'an ORCHIDv2 address',
  droneRemoteIdProtocolEntityTags: 'a drone remote ID address',
  notGlobalUnicast: 'an IPv6 address outside the global unicast block 2000::/3',
};

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** True when `text` is an IPv4 or IPv6 address in any form ipaddr.js reads (no brackets). */
export function isIpLiteral(text: string): boolean {
  return ipaddr.isValid(text);
}

/**
 * Whether a connection to `address` (an IP address as text, IPv6 without brackets) may be made.
 * Throws a RangeError when the text is not an IP address.
 */
export function checkAddress(address: string): AddressVerdict {
  if (!ipaddr.isValid(address)) throw new RangeError(`not an IP address: ${address}`);
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // ::ffff:127.0.0.1 reaches 127.0.0.1: judge the IPv4 address it carries.
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
  }
  const canonical = parsed.toString();
  const range = parsed.range();
  if (range !== 'unicast') return { allowed: false, address: canonical, range };
  if (parsed.kind() === 'ipv6' && !(parsed as ipaddr.IPv6).match(GLOBAL_UNICAST_V6)) {
    // Includes the deprecated IPv4-compatible form ::a.b.c.d, which ipaddr.js calls unicast.
    return { allowed: false, address: canonical, range: 'notGlobalUnicast' };
  }
  return { allowed: true, address: canonical, range };
}

/** "a loopback address (this machine)", for error messages. */
export function describeRange(range: string): string {
  return RANGE_WORDS[range] ?? `a special-purpose address (${range})`;
}

/** One `host:port` pair of IMAGE_IMPORT_ALLOWED_HOSTS. */
export interface HostPort {
  /** Lower-case host name, or an IP address in canonical form (IPv6 without brackets). */
  host: string;
  port: number;
}

/** A host as a URL's `hostname` gives it, made comparable: lower case, IPs canonical, no []. */
export function normalizeHost(hostname: string): string {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return ipaddr.isValid(bare) ? ipaddr.parse(bare).toString() : bare;
}

/**
 * Parses `host:port` pairs separated by commas or spaces (`127.0.0.1:9390, [::1]:8080,
 * images.internal:443`). Entries without a port between 1 and 65535 are returned in `invalid`.
 */
export function parseHostPortList(text: string): { entries: HostPort[]; invalid: string[] } {
  const entries: HostPort[] = [];
  const invalid: string[] = [];
  for (const item of text.split(/[\s,]+/).filter(Boolean)) {
    const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(item);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      invalid.push(item);
      continue;
    }
    entries.push({ host: normalizeHost(match[1]), port });
  }
  return { entries, invalid };
}

/** True when exactly this host (as written in the URL) and port are in the list. */
export function isAllowedHost(list: readonly HostPort[], hostname: string, port: number): boolean {
  const host = normalizeHost(hostname);
  return list.some((entry) => entry.host === host && entry.port === port);
}
