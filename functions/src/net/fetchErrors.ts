// Why a fetch of a user's URL failed, in words for a person, and whether trying again later may
// help: what the importer writes onto the item and what decides its retries.

export type FetchFailure =
  | 'invalid_url'
  | 'credentials'
  | 'refused_address'
  | 'refused_port'
  | 'dns'
  | 'connect_timeout'
  | 'timeout'
  | 'network'
  | 'tls'
  | 'http_status'
  | 'too_many_redirects'
  | 'too_large';

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

export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** A socket or TLS error of one hop, classified. */
export function networkError(err: Error & { code?: string }, host: string): FetchError {
  const code = err.code ?? '';
  // Node's own TLS codes (ERR_TLS_CERT_ALTNAME_INVALID ...) and OpenSSL's verify results
  // (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE ...): a retry will not fix a certificate.
  const tls =
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
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

/** A final answer that is neither 2xx nor a redirect. */
export function statusError(status: number, statusText: string | undefined): FetchError {
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
