// Fetches a URL that a user typed, without letting it reach anything but the public internet
// (server-side request forgery). For every hop, the first and each redirect:
// - http or https only, no user:password in the URL;
// - the host name is resolved here (all addresses) and every address is checked by
//   domain/addresses.ts; one refused address refuses the hop, before any connection;
// - the connection goes to the address that was checked (it is passed as the socket's host), so
//   a DNS answer that changes between check and connect (rebinding) cannot switch it; the Host
//   header and, for https, the TLS server name and certificate check keep the URL's host name;
// - a connect timeout per hop and one overall timeout for the whole fetch, body included;
// - at most `maxRedirects` redirects; the body is read as a stream and cut off past `maxBytes`.
// `allowedHosts` lets exact host:port pairs through without the address check (a test's image
// server on loopback); every other port of that host is still checked.
import { lookup as dnsLookup } from 'node:dns/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import {
  checkAddress,
  describeRange,
  isAllowedHost,
  isIpLiteral,
  type HostPort,
} from '../domain/addresses';

export interface FetchLimits {
  connectTimeoutMs: number;
  /** For the whole fetch: DNS, connects, redirects and body. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  allowedHosts: readonly HostPort[];
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address; tests replace it to play DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

export interface FetchOptions {
  resolve?: Resolver;
  /** CA certificates to trust instead of Node's built-in ones (tests with their own CA). */
  ca?: string | Buffer;
}

export interface Fetched {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  /** The Content-Type header as sent (never trusted for the type). */
  contentType?: string;
  body: Buffer;
  redirects: number;
}

export type FetchFailure =
  | 'invalid_url'
  | 'credentials'
  | 'refused_address'
  | 'dns'
  | 'connect_timeout'
  | 'timeout'
  | 'network'
  | 'tls'
  | 'http_status'
  | 'too_many_redirects'
  | 'too_large';

/** Why a fetch failed, in words for a person, and whether trying again later may help. */
export class FetchError extends Error {
  constructor(
    readonly kind: FetchFailure,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'qr-asset-backend-image-import/1.0';

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** Checks the URL's form: scheme, credentials, host. */
function parseTarget(text: string, from?: string): URL {
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
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError(
      'invalid_url',
      from
        ? `The server redirected to a ${url.protocol.replace(':', '')} URL; only http and https are fetched.`
        : `The image URL uses ${url.protocol.replace(':', '')}; only http and https URLs are fetched.`,
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

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** The address to connect to, after resolving and checking every address of the host. */
async function pickAddress(
  url: URL,
  limits: FetchLimits,
  resolve: Resolver,
): Promise<ResolvedAddress> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const allowed = isAllowedHost(limits.allowedHosts, url.hostname, portOf(url));
  let addresses: ResolvedAddress[];
  if (isIpLiteral(host)) {
    addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      // EAI_AGAIN is a temporary DNS failure; ENOTFOUND means the name does not exist.
      throw new FetchError(
        'dns',
        code === 'ENOTFOUND' || code === 'ENODATA'
          ? `The host name ${host} does not exist (DNS found no address for it).`
          : `The host name ${host} could not be resolved right now (DNS ${code}).`,
        code !== 'ENOTFOUND' && code !== 'ENODATA',
      );
    }
    if (addresses.length === 0) {
      throw new FetchError('dns', `The host name ${host} has no address.`, false);
    }
  }
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
  return addresses[0];
}

function networkError(err: Error & { code?: string }, host: string): FetchError {
  const code = err.code ?? '';
  // Node's own TLS codes (ERR_TLS_CERT_ALTNAME_INVALID ...) and OpenSSL's verify results
  // (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE ...): a retry will not fix a certificate.
  const tls =
    /^ERR_(TLS|SSL)_/.test(code) ||
    code.includes('CERT') ||
    code.includes('SIGNATURE') ||
    code === 'EPROTO';
  if (tls) {
    return new FetchError('tls', `The secure connection to ${host} failed: ${err.message}.`, false);
  }
  // llhttp's parse errors (HPE_...): the server does not speak HTTP, and will not on a retry.
  if (code.startsWith('HPE_')) {
    return new FetchError(
      'network',
      `The server ${host} did not answer with valid HTTP (${code}).`,
      false,
    );
  }
  const words: Record<string, string> = {
    ECONNREFUSED: 'refused the connection',
    ECONNRESET: 'reset the connection',
    EPIPE: 'closed the connection',
    ETIMEDOUT: 'did not answer in time',
    EHOSTUNREACH: 'cannot be reached',
    ENETUNREACH: 'cannot be reached',
  };
  const what = words[code] ?? `could not be reached (${code || err.message})`;
  return new FetchError('network', `The server ${host} ${what}.`, true);
}

function statusError(status: number, statusText: string | undefined): FetchError {
  const text = `${status}${statusText ? ` ${statusText}` : ''}`;
  if (status >= 500) {
    return new FetchError(
      'http_status',
      `The image server had an error (HTTP ${text}).`,
      true,
      status,
    );
  }
  // 408 Request Timeout and 429 Too Many Requests say "try again later".
  const retryable = status === 408 || status === 429;
  return new FetchError(
    'http_status',
    status === 404 || status === 410
      ? `The image was not found at that URL (HTTP ${text}).`
      : `The image server refused the request (HTTP ${text}).`,
    retryable,
    status,
  );
}

/** One request to one checked address; resolves when the response headers arrive. */
function requestHop(
  url: URL,
  target: ResolvedAddress,
  limits: FetchLimits,
  options: FetchOptions,
  register: (req: http.ClientRequest) => void,
): Promise<http.IncomingMessage> {
  const isHttps = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const requestOptions: https.RequestOptions = {
    // The checked address itself: no DNS happens at connect time.
    host: target.address,
    family: target.family,
    port: portOf(url),
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    agent: false,
    headers: {
      host: url.host,
      'user-agent': USER_AGENT,
      accept: 'image/png,image/jpeg,image/webp,image/gif;q=0.9,*/*;q=0.1',
      'accept-encoding': 'identity',
    },
  };
  if (isHttps) {
    // SNI and the certificate check are for the name in the URL, not the address. SNI may not
    // carry an IP address; for an IP URL the certificate is checked against that IP.
    // Node checks the certificate against `servername`, or against `host` (the IP) when empty.
    requestOptions.servername = isIpLiteral(host) ? '' : host;
    if (options.ca) requestOptions.ca = options.ca;
  }
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = (isHttps ? https : http).request(requestOptions);
    register(req);
    const connectTimer = setTimeout(() => {
      req.destroy(
        new FetchError(
          'connect_timeout',
          `The server ${host} did not accept a connection within ${seconds(limits.connectTimeoutMs)}.`,
          true,
        ),
      );
    }, limits.connectTimeoutMs);
    req.on('socket', (socket: Socket) => {
      const connected = () => clearTimeout(connectTimer);
      if (!socket.connecting) connected();
      socket.once(isHttps ? 'secureConnect' : 'connect', connected);
    });
    req.on('response', (response) => {
      clearTimeout(connectTimer);
      resolve(response);
    });
    req.on('error', (err: Error & { code?: string }) => {
      clearTimeout(connectTimer);
      reject(err instanceof FetchError ? err : networkError(err, host));
    });
    req.end();
  });
}

/** Reads the body, refusing a declared or actual size over the limit. */
function readBody(response: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  const tooLarge = () =>
    new FetchError(
      'too_large',
      `The image is larger than ${megabytes(maxBytes)}, the most that is imported.`,
      false,
    );
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    return Promise.reject(tooLarge());
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: FetchError) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop reading at once: the rest is never downloaded.
        fail(tooLarge());
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
    response.on('error', (err: Error & { code?: string }) =>
      fail(err instanceof FetchError ? err : networkError(err, 'the image server')),
    );
    response.on('close', () =>
      fail(new FetchError('network', 'The image server closed the connection early.', true)),
    );
  });
}

/**
 * GETs `input` under `limits`; resolves with the final 2xx response and its whole body, or
 * rejects with a FetchError. Never connects to an address the check refuses.
 */
export async function safeFetch(
  input: string,
  limits: FetchLimits,
  options: FetchOptions = {},
): Promise<Fetched> {
  const resolve = options.resolve ?? systemResolver;
  let current: http.ClientRequest | undefined;
  let timedOut = false;
  let rejectTimeout: (err: FetchError) => void = () => undefined;
  const overall = new Promise<never>((_, reject) => (rejectTimeout = reject));
  const timer = setTimeout(() => {
    timedOut = true;
    const err = new FetchError(
      'timeout',
      `The download did not finish within ${seconds(limits.timeoutMs)}.`,
      true,
    );
    current?.destroy(err);
    rejectTimeout(err);
  }, limits.timeoutMs);
  overall.catch(() => undefined);

  const run = async (): Promise<Fetched> => {
    let url = parseTarget(input);
    for (let redirects = 0; ; redirects++) {
      const target = await pickAddress(url, limits, resolve);
      if (timedOut) throw new FetchError('timeout', 'timed out', true);
      const response = await requestHop(url, target, limits, options, (req) => {
        current = req;
      });
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        const location = response.headers.location;
        response.resume();
        response.destroy();
        if (!location) {
          throw new FetchError(
            'http_status',
            `The server answered ${status} without a Location.`,
            false,
            status,
          );
        }
        if (redirects >= limits.maxRedirects) {
          throw new FetchError(
            'too_many_redirects',
            `The URL redirected more than ${limits.maxRedirects} times.`,
            false,
          );
        }
        url = parseTarget(location, url.href);
        continue;
      }
      if (status < 200 || status > 299) {
        response.resume();
        response.destroy();
        throw statusError(status, response.statusMessage);
      }
      const body = await readBody(response, limits.maxBytes);
      const contentType = response.headers['content-type'];
      return { url: url.href, status, contentType, body, redirects };
    }
  };

  try {
    return await Promise.race([run(), overall]);
  } finally {
    clearTimeout(timer);
    current?.destroy();
  }
}
