// Methods of strings. Sizes and ranges count code points; regular expressions use JavaScript's
// engine with the `u` flag (RE2's syntax is close, not identical).
import { asString, fail } from '../coerce';
import type { RValue } from '../values';
import { getter, methodsOf, unary } from './table';

/** A regular expression that must match the whole string. */
function fullRegex(re: string, flags = ''): RegExp {
  try {
    return new RegExp(`^(?:${re})$`, `u${flags}`);
  } catch {
    return fail(`Invalid regular expression: ${re}`);
  }
}

/** The pattern alone, unanchored, for `split` and `replace` (validated as `matches` does). */
function partRegex(re: string, flags: string): RegExp {
  return new RegExp(fullRegex(re).source.slice(4, -2), flags);
}

export const STRING_METHODS = methodsOf<string>({
  size: getter((s) => BigInt([...s].length)),
  lower: getter((s) => s.toLowerCase()),
  upper: getter((s) => s.toUpperCase()),
  trim: getter((s) => s.trim()),
  matches: unary((s, re) => fullRegex(asString(re)).test(s)),
  split: unary((s, re) => s.split(partRegex(asString(re), 'u'))),
  replace: {
    arity: 2,
    call: (s, [re, by]: RValue[]) => s.replace(partRegex(asString(re), 'gu'), asString(by)),
  },
  toUtf8: getter((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
});
