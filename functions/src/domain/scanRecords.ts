// One scan as it is recorded: what kind of agent, which device family, OS and browser, where it
// came from and in which language, and a visitor id that is the same for one person within one
// day and nothing else. Pure: the secret, the clock and the request's headers are given.
//
// Privacy: the client address and the full user agent are inputs only. The visitor id is
// HMAC-SHA256(secret, day | address | user agent) cut to 64 bits: without the secret nobody can
// test a guessed address against it, and with the day inside it the same person on two days
// has two unrelated ids, so no record links to another day nor back to an address.
import { createHmac } from 'node:crypto';
import { UAParser } from 'ua-parser-js';
import { classifyAgent, type BotKind } from './botDetect';

export type ScanSubjectKind =
  'code' | 'item' | 'tag' | 'unit' | 'master' | 'business' | 'stockItem';

export interface ScanSubject {
  kind: ScanSubjectKind;
  id: string;
}

/** What happened to the scan: where it landed, or why it was refused. */
export type ScanOutcome =
  'redirect' | 'interstitial' | 'page' | 'expired' | 'notYetValid' | 'limitReached';

export interface Device {
  /** mobile, tablet, desktop, console, smarttv, wearable, embedded or bot. */
  family: string;
  os: string | null;
  browser: string | null;
}

export interface ScanRecord {
  at: Date;
  subject: ScanSubject;
  /** `{kind}:{id}`: one equality to page a subject's records by. */
  subjectKey: string;
  outcome: ScanOutcome;
  bot: boolean;
  botKind: BotKind | null;
  device: Device;
  referrerHost: string | null;
  language: string | null;
  country: string | null;
  /** Per-day pseudonymous visitor id (16 hex characters); null when no secret is set. */
  visitor: string | null;
}

/** What a scan request brings, before anything is derived from it. */
export interface ScanRequestFacts {
  userAgent: string | undefined;
  address: string | undefined;
  referer: string | undefined;
  acceptLanguage: string | undefined;
  /** The trusted country header's value, when the deployment names one. */
  country: string | undefined;
}

const MAX_TEXT = 64;
const clip = (text: string): string => text.slice(0, MAX_TEXT);

export const subjectKey = (subject: ScanSubject): string => `${subject.kind}:${subject.id}`;

export function deviceOf(userAgent: string | undefined, bot: boolean): Device {
  const parsed = new UAParser(userAgent ?? '').getResult();
  const type = parsed.device.type;
  const family = bot ? 'bot' : (type ?? 'desktop');
  return {
    family,
    os: parsed.os.name ? clip(parsed.os.name) : null,
    browser: parsed.browser.name ? clip(parsed.browser.name) : null,
  };
}

/** The host of an http(s) Referer, lower case; nothing of its path or query is kept. */
export function referrerHostOf(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    const url = new URL(referer);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.hostname ? clip(url.hostname.toLowerCase()) : null;
  } catch {
    return null;
  }
}

/** The first language tag of Accept-Language (`de-CH,de;q=0.9` gives `de-CH`), or null. */
export function firstLanguage(acceptLanguage: string | undefined): string | null {
  const first = (acceptLanguage ?? '').split(',')[0]?.split(';')[0]?.trim() ?? '';
  return /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(first) && first !== '*' ? clip(first) : null;
}

/** An ISO 3166 alpha-2 country from the platform's header, upper case; anything else is null. */
export function countryOf(header: string | undefined): string | null {
  const value = (header ?? '').trim().toUpperCase();
  return /^[A-Z]{2}$/.test(value) && value !== 'XX' && value !== 'ZZ' ? value : null;
}

/** 64 bits of HMAC-SHA256(secret, day, address, agent): one person within one day. */
export function visitorId(
  secret: string,
  day: string,
  address: string | undefined,
  userAgent: string | undefined,
): string {
  return createHmac('sha256', secret)
    .update(`${day}\n${address ?? ''}\n${userAgent ?? ''}`)
    .digest('hex')
    .slice(0, 16);
}

export function buildScanRecord(options: {
  at: Date;
  day: string;
  subject: ScanSubject;
  outcome: ScanOutcome;
  facts: ScanRequestFacts;
  secret: string | undefined;
}): ScanRecord {
  const { at, day, subject, outcome, facts, secret } = options;
  const verdict = classifyAgent(facts.userAgent);
  return {
    at,
    subject,
    subjectKey: subjectKey(subject),
    outcome,
    bot: verdict.bot,
    botKind: verdict.botKind,
    device: deviceOf(facts.userAgent, verdict.bot),
    referrerHost: referrerHostOf(facts.referer),
    language: firstLanguage(facts.acceptLanguage),
    country: countryOf(facts.country),
    visitor: secret ? visitorId(secret, day, facts.address, facts.userAgent) : null,
  };
}
