// IANA time zones, checked with the runtime's own tz database (Intl), which Node ships whole.

/** The canonical name of an IANA zone ("europe/berlin" -> "Europe/Berlin"), or undefined. */
export function canonicalTimeZone(value: string): string | undefined {
  // Offsets such as "+01:00" are not zones: they ignore daylight saving, so refuse them.
  if (!/^[A-Za-z]/.test(value)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
