// Ids that become part of a Firestore or Storage path. Checked before anything is read, so a
// caller can never reach another path with "..", a slash or an empty segment.

/** Letters, digits, underscore and hyphen, 1 to 128 characters: never a dot, never a slash. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** The id rule in words, for every reply that refuses an id. */
export const ID_RULE = 'must be 1 to 128 letters, digits, "_" or "-"';

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** Why `value` is not a valid id, in words for the caller; undefined when it is valid. */
export function idProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > 128) return `is ${value.length} characters long (at most 128)`;
  if (!ID_PATTERN.test(value)) return ID_RULE;
  return undefined;
}
