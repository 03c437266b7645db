// Scan tokens: what a tracked code encodes, `{PUBLIC_BASE_URL}/s/{token}`. 128 random bits, so
// nobody can guess another organisation's codes; the printed URL never changes, and where a scan
// lands is decided when it is scanned.
import { randomBytes } from 'node:crypto';

export const SCAN_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newScanToken(): string {
  return randomBytes(16).toString('base64url');
}

export function isScanToken(value: string): boolean {
  return SCAN_TOKEN_PATTERN.test(value);
}

export function scanUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/s/${token}`;
}

/** Where a scan token points. A tag's scans are counted for the item it is assigned to. */
export type ScanTarget = {
  orgId: string;
  /** 'organization': the organisation's business QR, id = orgId; 'stockItem': a bin label, id = sku. */
  kind: 'qrCode' | 'equipment' | 'tag' | 'organization' | 'stockItem';
  id: string;
};
