// Stored first replies of create requests sent with an Idempotency-Key:
// organizations/{orgId}/idempotencyKeys/{sha256(caller, key)} = {caller, requestHash, status,
// body, createdAt, expiresAt}. expiresAt is a TTL field (firestore.indexes.json), and a record
// past it is ignored even before Firestore's TTL deletes it (that can take a day).
import { Timestamp, type Transaction } from 'firebase-admin/firestore';
import { AppError } from '../domain/errors';
import { IDEMPOTENCY_TTL_MS, idempotencyRecordId } from '../domain/idempotency';
import { idempotencyKeysRef } from './paths';

export interface StoredReply {
  status: number;
  body: Record<string, unknown>;
  /** Set on a reply that was stored by an earlier request with the same key. */
  replayed?: boolean;
}

/** Reads and records the reply of (caller, key) inside the transaction that does the work. */
export function idempotencyRecord(
  orgId: string,
  caller: string,
  key: string,
  requestHash: string,
): {
  find(tx: Transaction): Promise<StoredReply | undefined>;
  record(tx: Transaction, reply: StoredReply): void;
} {
  const ref = idempotencyKeysRef(orgId).doc(idempotencyRecordId(caller, key));
  return {
    async find(tx) {
      const data = (await tx.get(ref)).data();
      if (!data) return undefined;
      const expiresAt = data.expiresAt as Timestamp | undefined;
      if (expiresAt && expiresAt.toMillis() <= Date.now()) return undefined;
      if (data.requestHash !== requestHash) {
        // 422, as draft-ietf-httpapi-idempotency-key-header section 2.7 says for a reused key.
        throw new AppError(
          'unprocessable',
          'This Idempotency-Key was already used with a different request; use a new key',
          { field: 'Idempotency-Key' },
        );
      }
      return {
        status: Number(data.status),
        body: data.body as Record<string, unknown>,
        replayed: true,
      };
    },
    record(tx, reply) {
      const now = Timestamp.now();
      tx.set(ref, {
        caller,
        requestHash,
        status: reply.status,
        body: reply.body,
        createdAt: now,
        expiresAt: Timestamp.fromMillis(now.toMillis() + IDEMPOTENCY_TTL_MS),
      });
    },
  };
}
