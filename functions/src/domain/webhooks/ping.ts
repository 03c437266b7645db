// The event of a test delivery (POST .../webhooks/{id}/test): shaped as every event, never
// logged, so a receiver can check the route, its parsing and the signature end to end.
import { randomUUID } from 'node:crypto';
import type { ActivityEvent, Actor } from '../events/model';

export function testEvent(
  orgId: string,
  webhookId: string,
  actor: Actor,
  now = new Date(),
): ActivityEvent {
  return {
    id: `test_${randomUUID()}`,
    type: 'webhook.test',
    orgId,
    subject: { kind: 'webhook', id: webhookId },
    actor,
    via: 'api',
    at: now.toISOString(),
    changes: {},
    data: { message: 'A test delivery: this webhook reaches you and its signature verifies.' },
    audience: 'admins',
  };
}
