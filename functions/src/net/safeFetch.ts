// Fetches a URL that a user typed, without letting it reach anything but the public internet
// (server-side request forgery). For every hop, the first and each redirect, fetchTarget.ts
// decides where it may go (scheme, credentials, every resolved address, the port); then:
// - the connection goes to the address that was checked (it is passed as the socket's host), so
//   a DNS answer that changes between check and connect (rebinding) cannot switch it; the Host
//   header and, for https, the TLS server name and certificate check keep the URL's host name;
// - a connect timeout per hop and one overall timeout for the whole fetch, body included;
// - at most `maxRedirects` redirects; the body is read as a stream and cut off past `maxBytes`.
// One flow, kept whole here: the hop loop, one request, reading the body.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { isIpLiteral, type HostPort } from '../domain/addresses';
import { FetchError, megabytes, networkError, seconds, statusError } from './fetchErrors';
import {
  bareHost,
  parseTarget,
  pickAddress,
  portOf,
  type ResolvedAddress,
  type Resolver,
} from './fetchTarget';

export { FetchError, type FetchFailure } from './fetchErrors';
export { systemResolver, type ResolvedAddress, type Resolver } from './fetchTarget';

export interface FetchLimits {
  connectTimeoutMs: number;
  /** For the whole fetch: DNS, connects, redirects and body. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  allowedHosts: readonly HostPort[];
}

export interface FetchOptions {
  /** Plays DNS (tests); without it, the system's, or in the local stack none (fetchTarget.ts). */
  resolve?: Resolver;
  /** CA certificates to trust instead of Node's built-in ones (tests with their own CA). */
  ca?: string | Buffer;
  /** A request other than the image GET (a webhook's POST): its method, headers and body. */
  send?: { method: 'POST'; headers: Record<string, string>; body: Buffer };
  /**
   * Resolve with whatever status answers (the first hop: no redirect is followed) instead of
   * rejecting a non-2xx, without reading the body. For webhook deliveries.
   */
  anyStatus?: boolean;
}

export interface Fetched {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  /** The Content-Type header as sent (never trusted for the type). */
  contentType?: string;
  body: Buffer;
  redirects: number;
  /** The response headers (a webhook reads Retry-After). */
  headers: http.IncomingHttpHeaders;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'qr-asset-backend-image-import/1.0';

/** One request to one checked address; resolves when the response headers arrive. */
function requestHop(
  url: URL,
  target: ResolvedAddress,
  limits: FetchLimits,
  options: FetchOptions,
  register: (req: http.ClientRequest) => void,
): Promise<http.IncomingMessage> {
  const isHttps = url.protocol === 'https:';
  const host = bareHost(url);
  const requestOptions: https.RequestOptions = {
    // The checked address itself: no DNS happens at connect time.
    host: target.address,
    family: target.family,
    port: portOf(url),
    path: `${url.pathname}${url.search}`,
    method: options.send?.method ?? 'GET',
    agent: false,
    headers: options.send
      ? {
          ...options.send.headers,
          host: url.host,
          'content-length': String(options.send.body.length),
          'accept-encoding': 'identity',
        }
      : {
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
    req.end(options.send?.body);
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
      const target = await pickAddress(url, limits, options.resolve, redirects > 0);
      if (timedOut) throw new FetchError('timeout', 'timed out', true);
      const response = await requestHop(url, target, limits, options, (req) => {
        current = req;
      });
      const status = response.statusCode ?? 0;
      if (options.anyStatus) {
        // The status is the answer; the body is not read (a large one must not fail a delivery).
        response.resume();
        return {
          url: url.href,
          status,
          body: Buffer.alloc(0),
          redirects,
          headers: response.headers,
        };
      }
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
      return { url: url.href, status, contentType, body, redirects, headers: response.headers };
    }
  };

  try {
    return await Promise.race([run(), overall]);
  } finally {
    clearTimeout(timer);
    current?.destroy();
  }
}
