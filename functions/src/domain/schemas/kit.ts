// The validation kit: zod schemas for ids, query values and bodies, and one mapping from zod's
// issues to the API's `{field, message}` in plain words. zod's own default messages are written
// for developers ("Invalid input: expected string, received number"); a hurried person gets
// "must be a string" instead, whatever the schema.
import { z } from 'zod';
import { ID_PATTERN, idProblem } from '../ids';
import type { FieldError, Validated } from '../validation';

/** Any id that reaches a Firestore or Storage path; the words come from domain/ids.ts. */
export const idSchema = z
  .string({ error: 'must be a string' })
  .regex(ID_PATTERN, {
    error: (issue) => idProblem(String(issue.input)) ?? 'is not a valid id',
  })
  .meta({ description: '1 to 128 letters, digits, "_" or "-"' });

/** A query parameter: a whole number from min to max, `fallback` when absent. */
export function queryInt(min: number, max: number, fallback: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^[0-9]{1,7}$/, { error: message })
    .transform(Number)
    .pipe(z.number().min(min, { error: message }).max(max, { error: message }))
    .optional()
    .transform((value) => value ?? fallback)
    .meta({ description: `${min} to ${max}; ${fallback} when absent` });
}

/** A query parameter: one of `allowed`, `fallback` when absent. */
export function queryEnum<const T extends readonly [string, ...string[]]>(
  allowed: T,
  fallback: T[number],
) {
  return z
    .enum(allowed, { error: `must be one of ${allowed.join(', ')}` })
    .optional()
    .transform((value): T[number] => value ?? fallback)
    .meta({ default: fallback });
}

/** A query parameter that may be absent; an empty value counts as absent. */
export const queryText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

function describeType(expected: string): string {
  switch (expected) {
    case 'string':
      return 'must be a string';
    case 'number':
    case 'int':
      return 'must be a number';
    case 'boolean':
      return 'must be true or false';
    case 'array':
      return 'must be a list';
    case 'object':
      return 'must be an object';
    default:
      return `must be ${expected}`;
  }
}

function sizeWords(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  const big = issue.code === 'too_big';
  const limit = String(issue.code === 'too_big' ? issue.maximum : issue.minimum);
  const bound = big ? `at most ${limit}` : `at least ${limit}`;
  const input = issue.input;
  switch (issue.origin) {
    case 'string':
      return typeof input === 'string'
        ? `is ${[...input].length} characters long (${bound})`
        : `must be ${bound} characters long`;
    case 'array':
    case 'set':
      return Array.isArray(input)
        ? `lists ${input.length} items (${bound})`
        : `must list ${bound} items`;
    default:
      return `must be ${bound}`;
  }
}

/** One issue in words, without its field name. Messages a schema wrote itself are kept. */
function issueWords(issue: z.core.$ZodIssue, knownKeys: readonly string[]): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : describeType(issue.expected);
    case 'too_big':
    case 'too_small':
      return sizeWords(issue);
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `is not a known field (allowed: ${knownKeys.join(', ')})`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'has the wrong format' : `must be a valid ${issue.format}`;
    case 'invalid_union':
      return 'is not in any of the accepted shapes';
    default:
      return 'is not valid';
  }
}

/** True when zod made the message up itself (then ours replace it). */
function isDefaultMessage(message: string): boolean {
  return message.startsWith('Invalid') || message.startsWith('Too ') || message === '';
}

/** `items[3].name` for the path ["items", 3, "name"]. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

/**
 * zod's issues as the API's field errors. `knownKeys` names the fields an object accepts, so an
 * unknown one is reported with the list of the known ones; `prefix` names the field of a
 * top-level value (a bare array, for instance).
 */
export function fieldErrors(
  issues: readonly z.core.$ZodIssue[],
  knownKeys: readonly string[] = [],
): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({
          field: fieldName([...issue.path, key]),
          message: issueWords(issue, knownKeys),
        });
      }
      continue;
    }
    const message = isDefaultMessage(issue.message) ? issueWords(issue, knownKeys) : issue.message;
    errors.push({ field: fieldName(issue.path), message });
  }
  return errors;
}

/**
 * Parses `value` with `schema`; the problems as field errors. Every parse goes through here:
 * zod leaves the offending value out of its issues unless asked, and the words need it ("is 4
 * characters long", "is required" only when the field is absent).
 */
export function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  knownKeys: readonly string[] = objectKeys(schema),
): Validated<z.output<S>> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, errors: fieldErrors(parsed.error.issues, knownKeys) };
}

/** The keys an object schema accepts (an empty list for any other schema). */
export function objectKeys(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
