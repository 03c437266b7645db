// GET /s/{token}: what a scanned QR code opens. Public, rate-limited per client address. One data
// function finds the landing and counts the scan (no address is stored); one domain function
// turns it into the reply: a redirect, the interstitial before a destination the organisation
// has not allowed, the item's or tag's page, or an error (a page for a person, JSON otherwise).
import { Router, type Request } from 'express';
import { landingDecision, scanReply, type ReplyFormat } from '../domain/scanLanding';
import { scanCountryHeader } from '../config';
import type { ScanRequestFacts } from '../domain/scanRecords';
import { landScan } from '../data/scanLanding';
import { scanRedirectHeld } from '../logs';
import { publicRawEndpoint } from './declare';
import { limitScanner } from './rateLimits';
import { errorReplySchema, json, media } from './schemas/replies';
import { interstitialSchema } from './schemas/scans';

export const scansRouter = Router();

/**
 * What the scan's record is made from. `req.ip` is the client address as TRUSTED_PROXY_HOPS
 * reads X-Forwarded-For; it goes into the visitor hash only, never into a document.
 */
export function scanFactsOf(req: Request): ScanRequestFacts {
  const countryHeader = scanCountryHeader();
  return {
    userAgent: req.get('user-agent'),
    address: req.ip,
    referer: req.get('referer'),
    acceptLanguage: req.get('accept-language'),
    country: countryHeader ? req.get(countryHeader) : undefined,
  };
}

/** A person scanning with a phone gets pages; a script (JSON or anything else) gets JSON. */
const formatOf = (req: Request): ReplyFormat =>
  req.accepts(['json', 'html']) === 'html' ? 'html' : 'json';

publicRawEndpoint(
  scansRouter,
  {
    method: 'get',
    path: '/s/:token',
    summary: 'Scan a code: redirect to where it lands, or a page about the item or tag',
    description:
      'What a printed QR code opens. A caller whose Accept prefers HTML (a phone’s browser) ' +
      'gets pages; any other gets JSON for the interstitial and the errors. Any token that is ' +
      'not a known code is a 404, and the query string is ignored. Cache-Control: no-store; ' +
      'rate-limited per client address (429).',
    tags: ['scans'],
    replies: {
      200: json(
        'The item’s or unassigned tag’s page (HTML, whatever Accept says), or the interstitial ' +
          'that names a destination outside the organisation’s redirectAllowedHosts and asks ' +
          'to continue: a page, or for a script this JSON',
        interstitialSchema,
        'text/html',
      ),
      302: media(
        'Redirect (Location) to the code’s URL, or the organisation’s asset URL template',
        'text/plain',
        'text/html',
      ),
      404: json(
        'Not a known code: a page for a person, the error otherwise',
        errorReplySchema,
        'text/html',
      ),
      403: json(
        'The code is not active yet (reason not_yet_valid, with validFrom) or has used up its ' +
          'maxScans (reason scan_limit_reached): a page in plain words for a person, the error ' +
          'otherwise',
        errorReplySchema,
        'text/html',
      ),
      410: json(
        'The code has expired (expiresAt or validUntil; reason expired, with until): a page for ' +
          'a person, the error otherwise',
        errorReplySchema,
        'text/html',
      ),
    },
  },
  async (req, res) => {
    limitScanner(req);
    res.set('Cache-Control', 'no-store');
    const landing = await landScan(req.params.token as string, new Date(), scanFactsOf(req));
    const reply = scanReply(landing, formatOf(req));
    if (landing.kind === 'redirect' && reply.kind !== 'redirect') {
      const { orgId, kind, id } = landing.target;
      scanRedirectHeld({ orgId, kind, id, host: landingDecision(landing).host });
    }
    switch (reply.kind) {
      case 'redirect':
        res.redirect(302, reply.location);
        return;
      case 'error':
        throw reply.error;
      case 'html':
        res.status(reply.status).set(reply.headers).type('html').send(reply.html);
        return;
      case 'json':
        res.status(reply.status).set(reply.headers).json(reply.body);
        return;
    }
  },
);
