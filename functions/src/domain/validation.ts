// Small checks shared by every request body: each returns the problems it found, so a reply can
// name every bad field at once instead of only the first.

export interface FieldError {
  field: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export type Body = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys of `body` that are not in `allowed`, as errors (a typo should not be silently ignored). */
export function unknownFields(body: Body, allowed: readonly string[]): FieldError[] {
  return Object.keys(body)
    .filter((key) => !allowed.includes(key))
    .map((field) => ({ field, message: `is not a known field (allowed: ${allowed.join(', ')})` }));
}

interface StringRule {
  required?: boolean;
  max: number;
}

/**
 * A trimmed string of 1..max characters. Returns undefined when the field is absent and not
 * required; pushes an error and returns undefined when it is invalid.
 */
export function readString(
  body: Body,
  field: string,
  rule: StringRule,
  errors: FieldError[],
): string | undefined {
  const raw = body[field];
  if (raw === undefined || raw === null) {
    if (rule.required) errors.push({ field, message: 'is required' });
    return undefined;
  }
  if (typeof raw !== 'string') {
    errors.push({ field, message: 'must be a string' });
    return undefined;
  }
  const value = raw.trim();
  if (value.length === 0) {
    if (rule.required) errors.push({ field, message: 'must not be empty' });
    return rule.required ? undefined : '';
  }
  // Count code points, not UTF-16 units, so an emoji is one character as a person counts it.
  const length = [...value].length;
  if (length > rule.max) {
    errors.push({ field, message: `is ${length} characters long (at most ${rule.max})` });
    return undefined;
  }
  return value;
}

export function readBoolean(body: Body, field: string, errors: FieldError[]): boolean | undefined {
  const raw = body[field];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'boolean') {
    errors.push({ field, message: 'must be true or false' });
    return undefined;
  }
  return raw;
}

export function result<T>(value: T, errors: FieldError[]): Validated<T> {
  return errors.length ? { ok: false, errors } : { ok: true, value };
}
