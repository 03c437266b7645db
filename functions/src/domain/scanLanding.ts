// What a scan of `/s/{token}` lands on, and the reply that makes of it. The data layer
// (data/scanLanding.ts) finds the landing and counts the scan; this turns it into a redirect, a
// page or JSON. Pure: the same landing always gets the same reply.
import { AppError } from './errors';
import { redirectDecision, type RedirectDecision, type RedirectPolicy } from './redirectHosts';
import type { ScanTarget } from './scanTokens';
import {
  businessPage,
  interstitialPage,
  itemPage,
  messagePage,
  unassignedTagPage,
} from './scanPages';
import { expiredMessage, limitReachedMessage, notYetValidMessage } from './scanWindows';
import { stockItemPage } from './stockScanPage';

export type Landing =
  | { kind: 'unknown' }
  /** `until` (validUntil or expiresAt, the earlier) and the zone it is told in. */
  | { kind: 'expired'; until?: Date; timeZone?: string }
  | { kind: 'notYetValid'; validFrom: Date; timeZone: string }
  /** The code's maxScans human scans are used up. */
  | { kind: 'limitReached'; maxScans: number }
  /**
   * `source` says who chose the URL: a tracked code's url (any editor) is checked against the
   * organisation's allow list; the organisation's assetUrlTemplate (its admins) is not.
   */
  | {
      kind: 'redirect';
      url: string;
      /** businessUrl: the organisation's own code, set by its admins like the template. */
      source: 'trackedCode' | 'assetUrlTemplate' | 'businessUrl';
      target: ScanTarget;
      policy: RedirectPolicy;
    }
  | { kind: 'itemPage'; name: string; id: string }
  | { kind: 'tagPage'; code: string }
  /** The organisation's business QR without a businessUrl: a page with its name. */
  | { kind: 'businessPage'; name: string }
  | { kind: 'stockPage'; name: string; sku: string; unit: string; onHand: number };

/** A browser (it prefers HTML) gets pages; anything else gets JSON. */
export type ReplyFormat = 'html' | 'json';

export type ScanReply =
  | { kind: 'redirect'; location: string }
  | { kind: 'html'; status: number; html: string; headers: Record<string, string> }
  | { kind: 'json'; status: number; body: InterstitialJson; headers: Record<string, string> }
  /** The JSON error shape, through the app's error handler. */
  | { kind: 'error'; error: AppError };

export interface InterstitialJson extends RedirectDecision {
  interstitial: true;
}

/** The interstitial must not leak the scan URL to the destination, nor be framed by it. */
const INTERSTITIAL_HEADERS = {
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

function failure(error: AppError, format: ReplyFormat, status: number): ScanReply {
  if (format === 'html')
    return { kind: 'html', status, html: messagePage(error.message), headers: {} };
  return { kind: 'error', error };
}

/** The decision for a redirect landing: the admins' own template is always allowed. */
export function landingDecision(landing: Extract<Landing, { kind: 'redirect' }>): RedirectDecision {
  const policy: RedirectPolicy =
    landing.source === 'trackedCode' ? landing.policy : { kind: 'any' };
  return redirectDecision(landing.url, policy);
}

export function scanReply(landing: Landing, format: ReplyFormat): ScanReply {
  switch (landing.kind) {
    case 'unknown':
      return failure(new AppError('not_found', 'This code is not known here'), format, 404);
    case 'expired': {
      const { until, timeZone } = landing;
      const message = until ? expiredMessage(until, timeZone ?? 'UTC') : 'This code has expired';
      const details = { reason: 'expired', ...(until ? { until: until.toISOString() } : {}) };
      return failure(new AppError('gone', message, details), format, 410);
    }
    case 'notYetValid': {
      const message = notYetValidMessage(landing.validFrom, landing.timeZone);
      const details = { reason: 'not_yet_valid', validFrom: landing.validFrom.toISOString() };
      return failure(new AppError('permission_denied', message, details), format, 403);
    }
    case 'limitReached': {
      const details = { reason: 'scan_limit_reached', maxScans: landing.maxScans };
      const error = new AppError(
        'permission_denied',
        limitReachedMessage(landing.maxScans),
        details,
      );
      return failure(error, format, 403);
    }
    case 'itemPage':
      return { kind: 'html', status: 200, html: itemPage(landing.name, landing.id), headers: {} };
    case 'tagPage':
      return { kind: 'html', status: 200, html: unassignedTagPage(landing.code), headers: {} };
    case 'businessPage':
      return { kind: 'html', status: 200, html: businessPage(landing.name), headers: {} };
    case 'stockPage':
      return { kind: 'html', status: 200, html: stockItemPage(landing), headers: {} };
    case 'redirect': {
      const decision = landingDecision(landing);
      if (decision.allowed) return { kind: 'redirect', location: landing.url };
      if (format === 'html') {
        return {
          kind: 'html',
          status: 200,
          html: interstitialPage(decision),
          headers: INTERSTITIAL_HEADERS,
        };
      }
      return {
        kind: 'json',
        status: 200,
        body: { ...decision, interstitial: true },
        headers: INTERSTITIAL_HEADERS,
      };
    }
  }
}
