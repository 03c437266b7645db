// A webhook as a caller describes it: checked here, in the words the API replies with.
import { EVENT_PATTERN } from '../events/model';

export const MAX_EVENT_PATTERNS = 50;

/** Why `events` is not a valid subscription list, or undefined. */
export function eventsProblem(events: readonly string[]): string | undefined {
  if (events.length === 0)
    return 'must name at least one event type or prefix (such as "custody.*")';
  if (events.length > MAX_EVENT_PATTERNS) return `may name at most ${MAX_EVENT_PATTERNS} types`;
  const bad = events.find((e) => !EVENT_PATTERN.test(e));
  return bad === undefined
    ? undefined
    : `has "${bad}", which is neither a type (equipment.created), a prefix (custody.*) nor "*"`;
}

/** Why `url` cannot be a delivery target, or undefined (the SSRF check happens at delivery). */
export function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be http or https';
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  if (url.length > 2048) return 'is longer than 2048 characters';
  return undefined;
}
