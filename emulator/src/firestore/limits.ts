// Request limits every transport enforces alike (see README "Limits enforced").

/** Firestore's documented limit on the size of one API request. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export function requestTooLargeMessage(bytes: number): string {
  return `Request payload size ${bytes} bytes exceeds the 10 MiB limit (${MAX_REQUEST_BYTES} bytes) on the size of an API request`;
}
