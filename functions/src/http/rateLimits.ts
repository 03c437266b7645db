// Rate limits: per caller and per organisation on /v1, per client address on /s/ and for failed
// API-key sign-ins. Each function
// instance counts on its own (docs/operations.md says what that means with many instances).
import type { Request } from 'express';
import { rateLimits } from '../config';
import { AppError } from '../domain/errors';
import { clientAddressKey, RateLimiter, type Decision } from '../domain/rateLimit';

let limiters:
  | { caller: RateLimiter; org: RateLimiter; scanner: RateLimiter; keyFailures: RateLimiter }
  | undefined;

/** Built on first use, when params have their values. */
function get() {
  if (!limiters) {
    const limits = rateLimits();
    limiters = {
      caller: new RateLimiter(limits.perCaller, limits.burstSeconds),
      org: new RateLimiter(limits.perOrg, limits.burstSeconds),
      scanner: new RateLimiter(limits.perScanner, limits.burstSeconds),
      keyFailures: new RateLimiter(limits.keyFailuresPerAddress, limits.burstSeconds),
    };
  }
  return limiters;
}

function refuse(decision: Decision, what: string): never {
  throw new AppError(
    'rate_limited',
    `Too many requests ${what}; retry in ${decision.retryAfterSeconds} s`,
    {
      retryAfterSeconds: decision.retryAfterSeconds,
    },
  );
}

export function limitCaller(callerKey: string): void {
  const decision = get().caller.take(callerKey);
  if (!decision.allowed) refuse(decision, 'from this caller');
}

export function limitOrganization(orgId: string): void {
  const decision = get().org.take(orgId);
  if (!decision.allowed) refuse(decision, 'for this organisation');
}

/** req.ip is the client as the trusted proxies saw it ('trust proxy' in app.ts). */
export function limitScanner(req: Request): void {
  const decision = get().scanner.take(clientAddressKey(req.ip));
  if (!decision.allowed) refuse(decision, 'from this address');
}

const clientAddress = (req: Request): string => req.ip ?? 'unknown';

/**
 * Before an API key is looked up: refused when this address has used up its failed sign-ins,
 * so made-up keys stop costing reads. Only failures spend (`keyLookupFailed`): a script with a
 * good key is never held back by its own traffic.
 */
export function limitKeyLookups(req: Request): void {
  const decision = get().keyFailures.peek(clientAddress(req));
  if (!decision.allowed) refuse(decision, 'with API keys that are not valid from this address');
}

export function keyLookupFailed(req: Request): void {
  get().keyFailures.take(clientAddress(req));
}
