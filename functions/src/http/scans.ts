// GET /s/{token}: what a scanned QR code opens. Public, rate-limited per client address. One data
// function finds the landing and counts the scan (no address is stored); one domain function
// turns it into the reply: a redirect, the interstitial before a destination the organisation
// has not allowed, the item's or tag's page, or an error (a page for a person, JSON otherwise).
import { Router, type Request } from 'express';
import { landingDecision, scanReply, type ReplyFormat } from '../domain/scanLanding';
import { landScan } from '../data/scanLanding';
import { scanRedirectHeld } from '../logs';
import { limitScanner } from './rateLimits';

export const scansRouter = Router();

/** A person scanning with a phone gets pages; a script (JSON or anything else) gets JSON. */
const formatOf = (req: Request): ReplyFormat =>
  req.accepts(['json', 'html']) === 'html' ? 'html' : 'json';

scansRouter.get('/s/:token', async (req, res) => {
  limitScanner(req);
  res.set('Cache-Control', 'no-store');
  const landing = await landScan(req.params.token, new Date());
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
});
