// Where a tracked code may send a scanner straight away. Scan URLs live on the operator's
// domain, so a free account could otherwise make `https://<brand>/s/...` land on any page it
// likes. A destination outside the organisation's `redirectAllowedHosts` gets an interstitial
// page that names it and asks the person to continue. Pure.
//
// Entries are host names: compared in lowercase, an IDN stored as punycode (what a URL's host
// is), no scheme, port, path or IP address. `*.example.com` matches every subdomain of
// example.com, at any depth, but not example.com itself (list both for both).
import type { FieldError } from './validation';

export const REDIRECT_HOSTS_MAX = 100;
const HOST_MAX = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * 'any' is the rule of an organisation created before allow lists existed that never set one;
 * every other organisation follows its list, and an empty list sends every scan to the page.
 */
export type RedirectPolicy = { kind: 'any' } | { kind: 'allowlist'; hosts: string[] };

/** Written on every new organisation: its empty list means none, not all. */
export const ALLOWLIST_POLICY = 'allowlist';

/** The rule an organisation document holds (fields `redirectPolicy`, `redirectAllowedHosts`). */
export function redirectPolicyOf(org: {
  redirectPolicy?: unknown;
  redirectAllowedHosts?: unknown;
}): RedirectPolicy {
  const hosts = Array.isArray(org.redirectAllowedHosts)
    ? org.redirectAllowedHosts.filter((h): h is string => typeof h === 'string')
    : [];
  if (org.redirectPolicy !== ALLOWLIST_POLICY && hosts.length === 0) return { kind: 'any' };
  return { kind: 'allowlist', hosts };
}

/** `Example.COM.` -> `example.com`; a URL's host in the form entries are compared in. */
function canonicalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** An entry in its stored form, or the problem with it in plain words. */
export function normalizeRedirectHost(raw: string): { host: string } | { problem: string } {
  const text = raw.trim();
  const wildcard = text.startsWith('*.');
  const name = wildcard ? text.slice(2) : text;
  if (name === '') return { problem: 'is empty' };
  if (/[\s/:@?#\\[\]%*]/.test(name)) {
    return {
      problem: `"${raw}" is not a host name: give only the host, like "example.com" or "*.example.com"`,
    };
  }
  let ascii: string;
  try {
    // The URL parser lowercases and turns an IDN into punycode, as it does for a destination.
    ascii = canonicalHost(new URL(`https://${name}/`).hostname);
  } catch {
    return { problem: `"${raw}" is not a valid host name` };
  }
  const labels = ascii.split('.');
  if (ascii.length > HOST_MAX || !labels.every((l) => LABEL.test(l))) {
    return { problem: `"${raw}" is not a valid host name` };
  }
  if (labels.length < 2) return { problem: `"${raw}" needs a dot, like "example.com"` };
  if (!/[a-z]/.test(labels[labels.length - 1])) {
    return { problem: `"${raw}" is an IP address; give a host name` };
  }
  return { host: wildcard ? `*.${ascii}` : ascii };
}

/**
 * `redirectAllowedHosts` of a PATCH: a list of at most 100 host names. Each bad entry is named
 * by its index; duplicates are dropped; the order given is kept.
 */
export function readRedirectHosts(value: unknown, errors: FieldError[]): string[] | undefined {
  const field = 'redirectAllowedHosts';
  if (!Array.isArray(value)) {
    errors.push({ field, message: 'must be a list of host names, like ["example.com"]' });
    return undefined;
  }
  if (value.length > REDIRECT_HOSTS_MAX) {
    errors.push({
      field,
      message: `has ${value.length} entries (at most ${REDIRECT_HOSTS_MAX}); use *.example.com for many subdomains`,
    });
    return undefined;
  }
  const hosts: string[] = [];
  let bad = false;
  value.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string') {
      errors.push({ field: `${field}[${i}]`, message: 'must be a string' });
      bad = true;
      return;
    }
    const normalized = normalizeRedirectHost(entry);
    if ('problem' in normalized) {
      errors.push({ field: `${field}[${i}]`, message: normalized.problem });
      bad = true;
    } else if (!hosts.includes(normalized.host)) hosts.push(normalized.host);
  });
  return bad ? undefined : hosts;
}

export function hostMatches(host: string, entries: readonly string[]): boolean {
  const h = canonicalHost(host);
  return entries.some((entry) =>
    entry.startsWith('*.') ? h.endsWith(entry.slice(1)) : h === entry,
  );
}

export interface RedirectDecision {
  /** The full URL the code points at. */
  destination: string;
  /** Its host as the browser will show it (punycode for an IDN). */
  host: string;
  /** True: the scan is redirected at once. False: the interstitial page comes first. */
  allowed: boolean;
}

export function redirectDecision(url: string, policy: RedirectPolicy): RedirectDecision {
  let host: string;
  try {
    host = canonicalHost(new URL(url).hostname);
  } catch {
    return { destination: url, host: '', allowed: false };
  }
  const allowed = policy.kind === 'any' || hostMatches(host, policy.hosts);
  return { destination: url, host, allowed };
}
