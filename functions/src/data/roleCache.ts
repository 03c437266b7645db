// Each instance's memory of who holds which role where, for ROLE_CACHE_SECONDS. Every code path
// that writes a member document forgets the entry, so the change is seen at once on the instance
// that made it; other instances see it within ROLE_CACHE_SECONDS.
import { roleCacheMs } from '../config';
import type { Role } from '../domain/roles';
import { cacheKey, TimedCache } from '../domain/timedCache';

/** (organisation, user) pairs remembered per instance; an entry is about 150 bytes. */
const ROLES_MAX = 20_000;
const roles = new TimedCache<{ role: Role | null }>(ROLES_MAX);

/** The cached role (`role: null`: not a member), or undefined when it must be read. */
export function cachedRole(orgId: string, uid: string): { role: Role | null } | undefined {
  return roles.get(cacheKey(orgId, uid), roleCacheMs());
}

/** What a member read begun at `readStartedAt` found. */
export function rememberRole(
  orgId: string,
  uid: string,
  role: Role | undefined,
  readStartedAt: number,
): void {
  roles.set(cacheKey(orgId, uid), { role: role ?? null }, readStartedAt);
}

/** This instance's cached role of `uid` is dropped: the change takes effect here at once. */
export function forgetRole(orgId: string, uid: string): void {
  roles.forget(cacheKey(orgId, uid));
}
