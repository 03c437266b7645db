// The minimal page a scan of a bin label opens when the organisation has no {sku} template:
// what the bin holds and how much is on hand.
import { escapeHtml, page } from './scanPages';

export function stockItemPage(item: {
  name: string;
  sku: string;
  unit: string;
  onHand: number;
}): string {
  return page(
    item.name,
    `<h1>${escapeHtml(item.name)}</h1><p>SKU: <code>${escapeHtml(item.sku)}</code></p>` +
      `<p>On hand: <strong>${item.onHand}</strong> ${escapeHtml(item.unit)}</p>`,
  );
}
