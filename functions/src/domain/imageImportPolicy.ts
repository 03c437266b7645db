// What an image import does after a failure: try again or stop, and the words on the item.
// Pure: the importer (data/equipmentImageImport.ts) says what failed and whether a retry may
// help; this decides the rest.

/** One failed attempt, classified by the importer. */
export interface ImportFailure {
  /** The fetcher's or the converter's kind (`timeout`, `not_an_image` ...), or `internal`. */
  kind: string;
  /** For a person: why this attempt failed. */
  reason: string;
  /** Whether the same attempt may succeed later (a timeout, a 503, a Storage hiccup). */
  retryable: boolean;
}

export interface FailureOutcome {
  /** The import stops here: the item shows `failed`; otherwise it stays `pending` for a retry. */
  final: boolean;
  /** What `image.error` says. */
  message: string;
}

/** Words for a failure that is ours (Storage, Firestore), not the URL's. */
export const INTERNAL_FAILURE_REASON =
  'The image could not be stored because of an internal error.';

/**
 * A failure that will not heal stops at once; one that may heal is tried again until
 * `maxAttempts` attempts have been made.
 */
export function importFailureOutcome(
  failure: ImportFailure,
  attempts: number,
  maxAttempts: number,
): FailureOutcome {
  if (!failure.retryable) return { final: true, message: failure.reason };
  if (attempts >= maxAttempts) {
    return { final: true, message: `${failure.reason} Gave up after ${attempts} attempts.` };
  }
  return {
    final: false,
    message: `${failure.reason} Trying again (attempt ${attempts} of ${maxAttempts}).`,
  };
}
