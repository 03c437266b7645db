// Token buckets, one per key (a caller, an organisation, a client address): `perMinute` tokens
// refill evenly over a minute, and a full bucket holds `burstSeconds` worth, so a short burst
// passes and a sustained flood is held to the rate. Memory is bounded: the least recently used
// keys are dropped first, and a dropped key simply starts again with a full bucket.
import ipaddr from 'ipaddr.js';

export interface Decision {
  allowed: boolean;
  /** Seconds until one more request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly refillPerMs: number;

  constructor(
    perMinute: number,
    burstSeconds: number,
    private readonly maxKeys = 50_000,
  ) {
    this.refillPerMs = perMinute / 60_000;
    this.capacity = Math.max(1, Math.round((perMinute / 60) * burstSeconds));
  }

  take(key: string, nowMs: number = Date.now()): Decision {
    return this.decide(key, nowMs, true);
  }

  /** What `take` would answer, without spending a token: for limits spent only on failure. */
  peek(key: string, nowMs: number = Date.now()): Decision {
    return this.decide(key, nowMs, false);
  }

  private decide(key: string, nowMs: number, spend: boolean): Decision {
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // re-inserted below: Map order is recency order
      bucket.tokens = Math.min(
        this.capacity,
        bucket.tokens + (nowMs - bucket.updatedMs) * this.refillPerMs,
      );
      bucket.updatedMs = nowMs;
    } else {
      bucket = { tokens: this.capacity, updatedMs: nowMs };
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      if (spend) bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    const waitMs = (1 - bucket.tokens) / this.refillPerMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}

/**
 * The bucket of a client address: an IPv4 address as itself (an IPv4-mapped IPv6 address too),
 * an IPv6 address by its /64, the block one home or phone network is usually given, so a client
 * cannot get a fresh bucket by stepping through its own 2^64 addresses. Anything that is not an
 * address is its own key.
 */
export function clientAddressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const text = address.trim();
  if (!ipaddr.isValid(text)) return text;
  const parsed = ipaddr.process(text);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
