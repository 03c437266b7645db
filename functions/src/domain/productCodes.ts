// Product codes a consumer scans: the URL a unit or master case code encodes, and the page (or
// JSON) its scan opens. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { digitalLinkUrl } from './gs1';
import { crockford } from './manufacturing/codes';
import { escapeHtml } from './scanPages';

/** `{base}/u/{code}`, or with the order's GTIN the GS1 Digital Link URI on the same host. */
export function productCodeUrl(base: string, code: string, gtin: string | null): string {
  return gtin ? digitalLinkUrl(base, gtin, code) : `${base}/u/${encodeURIComponent(code)}`;
}

export const UNKNOWN_CODE_WARNING = 'not a code of this manufacturer';

export interface ProductView {
  genuine: true;
  kind: 'unit' | 'master';
  code: string;
  product: { name: string | null; sku: string | null; gtin: string | null };
  order: { name: string };
  status: string | null;
  firstScannedAt: string | null;
  redeemedAt: string | null;
  /** Set when the code looks copied: scanned by more distinct visitors than expected. */
  warning: string | null;
}

export interface UnknownProductView {
  genuine: false;
  warning: string;
}

/** The warning for a code seen by `visitors` distinct visitors (visitor-days), or null. */
export function copyWarning(visitors: number, limit: number): string | null {
  return visitors > limit
    ? `This code has been scanned by ${visitors} different people: the label may have been copied`
    : null;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;
}

export function productPage(view: ProductView): string {
  const name = view.product.name ?? view.order.name;
  const rows: [string, string | null][] = [
    ['Product', view.product.name],
    ['SKU', view.product.sku],
    ['GTIN', view.product.gtin],
    ['Order', view.order.name],
    ['Code', view.code],
    ['First scanned', view.firstScannedAt],
    ['Redeemed', view.redeemedAt],
  ];
  const list = rows
    .filter((r): r is [string, string] => r[1] !== null)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('');
  const warning = view.warning
    ? `<p role="alert"><strong>${escapeHtml(view.warning)}</strong></p>`
    : '';
  const what =
    view.kind === 'master' ? 'case of this manufacturer' : 'product of this manufacturer';
  return page(
    name,
    `<h1>${escapeHtml(name)}</h1><p>Genuine: this is a ${what}.</p>${warning}<dl>${list}</dl>`,
  );
}

export function unknownProductPage(): string {
  return page(
    'Unknown code',
    `<h1>This is not a code of this manufacturer</h1><p>The label may be a copy. Check where the product came from.</p>`,
  );
}

/**
 * The redemption secret printed under a unit's scratch-off: 10 Crockford characters (50 bits)
 * of HMAC-SHA256(order key, code). Only who holds the order key (the server) can make one, and
 * the outer code alone does not give it.
 */
export function redemptionSecretOf(orderKey: string, code: string): string {
  const mac = createHmac('sha256', Buffer.from(orderKey, 'base64url')).update(code).digest();
  return crockford(mac, 10);
}

/** Compares a typed secret (any case, spaces and dashes ignored) in constant time. */
export function redemptionSecretMatches(expected: string, given: string): boolean {
  const typed = given.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  const a = Buffer.from(expected);
  const b = Buffer.from(typed);
  return a.length === b.length && timingSafeEqual(a, b);
}
