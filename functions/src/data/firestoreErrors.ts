// What a failed Firestore (or Storage) call means, by its status code. The SDKs throw errors
// carrying a numeric gRPC code (Firestore) or an HTTP status (Storage); these predicates are the
// one place that knows the numbers.
/** gRPC status codes (grpc/status.proto) that the Firestore SDK puts on its errors. */
const Status = { NOT_FOUND: 5, ALREADY_EXISTS: 6, FAILED_PRECONDITION: 9, ABORTED: 10 } as const;

const codeOf = (err: unknown): unknown =>
  typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;

/** The document (or object) is not there: an update or delete of something already gone. */
export const isNotFound = (err: unknown): boolean => codeOf(err) === Status.NOT_FOUND;

/** A create found the document already there. */
export const isAlreadyExists = (err: unknown): boolean => codeOf(err) === Status.ALREADY_EXISTS;

/** A transaction lost a race (contention) and may be tried again. */
export const isAborted = (err: unknown): boolean => codeOf(err) === Status.ABORTED;

/** A precondition (update time, exists) did not hold: someone changed the document first. */
export const isFailedPrecondition = (err: unknown): boolean =>
  codeOf(err) === Status.FAILED_PRECONDITION;

/** Storage: an `ifGenerationMatch` precondition did not hold (HTTP 412). */
export const isStoragePreconditionFailed = (err: unknown): boolean => codeOf(err) === 412;
