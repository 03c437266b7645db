// Standard Webhooks signing (https://www.standardwebhooks.com): a secret `whsec_<base64>`, and
// for each message the headers webhook-id, webhook-timestamp (Unix seconds) and
// webhook-signature `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per valid secret,
// space separated (during a rotation both the new and the old secret sign).
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three headers of one message, signed with every secret in `secrets`. */
export function signedHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => sign(s, id, timestamp, body)).join(' '),
  };
}
