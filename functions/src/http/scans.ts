// GET /s/{token}: what a scanned QR code opens. Public, rate-limited per client address. Counts
// the scan for the day in the organisation's time zone (no address is stored), then sends the
// scanner on: a tracked code to its url, an equipment item to the organisation's
// assetUrlTemplate, or, without one, to a minimal page with the item's name and id. A tag
// assigned to an item is that item; an unassigned tag opens a page that says so.
import { Router, type Request, type Response } from 'express';
import { AppError } from '../domain/errors';
import { isExpired } from '../domain/qrCodes';
import { isScanToken } from '../domain/scanTokens';
import { unassignedTagUrl } from '../domain/tags';
import { dayKey } from '../domain/timeline';
import { recordScan } from '../data/scans';
import { loadScanTarget, resolveScanToken } from '../data/scanTokens';
import { statusOf } from './errors';
import { limitScanner } from './rateLimits';

export const scansRouter = Router();

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;
}

/** A person scanning with a phone gets a page; a script asking for JSON gets the JSON error. */
function fail(req: Request, res: Response, error: AppError): void {
  if (req.accepts(['json', 'html']) === 'html') {
    res
      .status(statusOf(error.code))
      .type('html')
      .send(page(error.message, `<h1>${escapeHtml(error.message)}</h1>`));
    return;
  }
  throw error;
}

/** A blank tag nobody has linked yet: the organisation's app (to offer linking) or our page. */
function unassignedTag(res: Response, code: string, org: FirebaseFirestore.DocumentData): void {
  const url =
    typeof org.assetUrlTemplate === 'string'
      ? unassignedTagUrl(org.assetUrlTemplate, code)
      : undefined;
  if (url) {
    res.redirect(302, url);
    return;
  }
  res
    .type('html')
    .send(
      page(
        `Tag ${code}`,
        `<h1>This tag is not linked to an item yet</h1><p>Tag code: <code>${escapeHtml(code)}</code></p>`,
      ),
    );
}

scansRouter.get('/s/:token', async (req, res) => {
  limitScanner(req);
  res.set('Cache-Control', 'no-store');
  const token = req.params.token;
  let target = isScanToken(token) ? await resolveScanToken(token) : undefined;
  const loaded = target ? await loadScanTarget(target) : { item: undefined, org: undefined };
  const org = loaded.org;
  let item = loaded.item;
  if (!target || !item || !org) {
    fail(req, res, new AppError('not_found', 'This code is not known here'));
    return;
  }
  if (target.kind === 'tag') {
    // An assigned tag is its item from here on: the scan counts for the item and lands where
    // the item's scans land. An unassigned one (or one whose item was deleted) says so.
    const assetId = typeof item.assetId === 'string' ? item.assetId : undefined;
    const itemTarget = assetId
      ? ({ orgId: target.orgId, kind: 'equipment', id: assetId } as const)
      : undefined;
    const assigned = itemTarget ? await loadScanTarget(itemTarget) : undefined;
    if (!itemTarget || !assigned?.item) {
      unassignedTag(res, String(item.code), org);
      return;
    }
    [target, item] = [itemTarget, assigned.item];
  }
  if (target.kind === 'qrCode') {
    const expiresAt = item.expiresAt?.toDate?.() as Date | undefined;
    if (isExpired(expiresAt ?? null)) {
      fail(req, res, new AppError('gone', 'This code has expired'));
      return;
    }
  }
  const timeZone = typeof org.timeZone === 'string' ? org.timeZone : 'UTC';
  await recordScan(target, dayKey(new Date(), timeZone));
  if (target.kind === 'qrCode' && typeof item.url === 'string') {
    res.redirect(302, item.url);
    return;
  }
  if (target.kind === 'equipment' && typeof org.assetUrlTemplate === 'string') {
    res.redirect(302, org.assetUrlTemplate.replaceAll('{assetId}', encodeURIComponent(target.id)));
    return;
  }
  const name = typeof item.name === 'string' ? item.name : target.id;
  res
    .type('html')
    .send(
      page(
        name,
        `<h1>${escapeHtml(name)}</h1><p>Asset id: <code>${escapeHtml(target.id)}</code></p>`,
      ),
    );
});
