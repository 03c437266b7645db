// Where one hop of a fetch may go: the URL's form, its address and its port, all decided before
// any connection is made.
// - http or https only, no user:password in the URL;
// - the host name is resolved here (all addresses) and every address is checked by
//   domain/addresses.ts; one refused address refuses the hop;
// - the port is 80 or 443: a user's URL has no business with a database, a mail server or an
//   admin console on some other port of a public host;
// - `allowedHosts` lets exact host:port pairs through both checks (a test's image server on
//   loopback); every other port of that host is still checked.
// In the local stack (the functions host sets FUNCTIONS_EMULATOR=true) no public name is
// resolved, so that no test ever looks one up or reaches the internet: names are refused with a
// clear error unless the caller gives a resolver (the tests do) or the host is allowed.
import { lookup as dnsLookup } from 'node:dns/promises';
import {
  checkAddress,
  describeRange,
  isAllowedHost,
  isIpLiteral,
  type HostPort,
} from '../domain/addresses';
import { FetchError } from './fetchErrors';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address; tests give their own to play DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

/** The ports a user's URL may use, whatever its scheme. */
export const WEB_PORTS: readonly number[] = [80, 443];

/** True under the local stack's functions host (and the Firebase emulator's). */
export const inLocalStack = (): boolean => process.env.FUNCTIONS_EMULATOR === 'true';

/** The local stack's resolver: `localhost` is this machine, every other name is refused. */
export const localStackResolver: Resolver = async (hostname) => {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    return [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
  }
  throw new FetchError(
    'dns',
    `The host name ${hostname} is not resolved in the local stack: there, images are fetched ` +
      'only from IP addresses and the hosts in IMAGE_IMPORT_ALLOWED_HOSTS, so that tests never ' +
      'leave the machine.',
    false,
  );
};

/** Checks the URL's form: scheme, credentials, host. `from`: the URL that redirected here. */
export function parseTarget(text: string, from?: string): URL {
  let url: URL;
  try {
    url = from ? new URL(text, from) : new URL(text);
  } catch {
    throw new FetchError(
      'invalid_url',
      from
        ? `The server redirected to "${text}", which is not a valid URL.`
        : 'The image URL is not a valid URL.',
      false,
    );
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') {
    throw new FetchError(
      'invalid_url',
      from
        ? `The server redirected to a ${scheme} URL; only http and https are fetched.`
        : `The image URL uses ${scheme}; only http and https URLs are fetched.`,
      false,
    );
  }
  if (url.username || url.password) {
    throw new FetchError(
      'credentials',
      'The image URL contains a user name or password; such URLs are not fetched. Use a URL that needs no sign-in.',
      false,
    );
  }
  if (!url.hostname) throw new FetchError('invalid_url', 'The image URL has no host.', false);
  return url;
}

export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** The URL's host without the brackets of an IPv6 literal. */
export function bareHost(url: URL): string {
  const host = url.hostname;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

async function resolveHost(host: string, resolve: Resolver): Promise<ResolvedAddress[]> {
  if (isIpLiteral(host)) return [{ address: host, family: host.includes(':') ? 6 : 4 }];
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    if (err instanceof FetchError) throw err;
    const code = (err as { code?: string }).code ?? 'error';
    // EAI_AGAIN is a temporary DNS failure; ENOTFOUND means the name does not exist.
    const missing = code === 'ENOTFOUND' || code === 'ENODATA';
    throw new FetchError(
      'dns',
      missing
        ? `The host name ${host} does not exist (DNS found no address for it).`
        : `The host name ${host} could not be resolved right now (DNS ${code}).`,
      !missing,
    );
  }
  if (addresses.length === 0) {
    throw new FetchError('dns', `The host name ${host} has no address.`, false);
  }
  return addresses;
}

/**
 * The address to connect to for one hop, after every check passed. `resolve`: the caller's
 * resolver, if any; `redirected`: this hop follows a redirect (for the words of an error).
 */
export async function pickAddress(
  url: URL,
  limits: { allowedHosts: readonly HostPort[] },
  resolve: Resolver | undefined,
  redirected: boolean,
): Promise<ResolvedAddress> {
  const host = bareHost(url);
  const port = portOf(url);
  const allowed = isAllowedHost(limits.allowedHosts, url.hostname, port);
  // An allowed name is one the operator wrote down on purpose: it is resolved even locally.
  const resolver = resolve ?? (inLocalStack() && !allowed ? localStackResolver : systemResolver);
  const addresses = await resolveHost(host, resolver);
  if (allowed) return addresses[0];
  // Every address must pass, not just the first: a name that resolves to a public and a
  // private address would otherwise reach the private one on a later try or a retry.
  for (const { address } of addresses) {
    const verdict = checkAddress(address);
    if (!verdict.allowed) {
      const which = host === verdict.address ? host : `${host} (${verdict.address})`;
      throw new FetchError(
        'refused_address',
        `The image URL points to ${which}, ${describeRange(verdict.range)}. Images are fetched only from public internet addresses.`,
        false,
      );
    }
  }
  if (!WEB_PORTS.includes(port)) {
    throw new FetchError(
      'refused_port',
      `${redirected ? 'The server redirected to' : 'The image URL uses'} port ${port} of ${host}. ` +
        'Images are fetched only from the web ports 80 (http) and 443 (https).',
      false,
    );
  }
  return addresses[0];
}
