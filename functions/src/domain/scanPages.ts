// The minimal HTML pages a scan can open. Every value is escaped: names, codes and URLs come
// from users.
import type { RedirectDecision } from './redirectHosts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;
}

/** An error for a person holding a phone: one line that says what happened. */
export function messagePage(message: string): string {
  return page(message, `<h1>${escapeHtml(message)}</h1>`);
}

export function itemPage(name: string, id: string): string {
  return page(name, `<h1>${escapeHtml(name)}</h1><p>Asset id: <code>${escapeHtml(id)}</code></p>`);
}

export function unassignedTagPage(code: string): string {
  return page(
    `Tag ${code}`,
    `<h1>This tag is not linked to an item yet</h1><p>Tag code: <code>${escapeHtml(code)}</code></p>`,
  );
}

/**
 * The stop before a destination the organisation has not allowed: the host in large type (a
 * look-alike host is easier to spot alone), the full URL below it, and a link the person must
 * choose to follow. No automatic redirect.
 */
export function interstitialPage(decision: RedirectDecision): string {
  const host = escapeHtml(decision.host || decision.destination);
  const link = /^https?:\/\//i.test(decision.destination)
    ? `<p><a href="${escapeHtml(decision.destination)}" rel="noopener noreferrer">Continue to ${host}</a></p>`
    : '';
  return page(
    `Leaving for ${decision.host || 'another site'}`,
    `<p>This code opens a page on another site:</p>` +
      `<h1>${host}</h1>` +
      `<p>Full address: <code>${escapeHtml(decision.destination)}</code></p>` +
      `<p>Continue only if you know and trust this site.</p>` +
      link,
  );
}

/** The organisation's business QR when it names no businessUrl: who the code belongs to. */
export function businessPage(name: string): string {
  return page(name, `<h1>${escapeHtml(name)}</h1>`);
}
