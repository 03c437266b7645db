// Transport-neutral statuses. The core throws RpcError with a google.rpc.Code (the canonical
// codes every Google API shares: gRPC carries them as its status, REST as an HTTP code plus the
// code's name); each transport in transports/ turns them into its own wire form.

/** google.rpc.Code: the canonical status codes (google/rpc/code.proto). */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type Code = (typeof Code)[keyof typeof Code];

const NAMES = new Map<number, keyof typeof Code>(
  Object.entries(Code).map(([name, code]) => [code, name as keyof typeof Code]),
);

/** The code's name as Google's JSON errors spell it (`NOT_FOUND`); UNKNOWN for a stray number. */
export function codeName(code: number): keyof typeof Code {
  return NAMES.get(code) ?? 'UNKNOWN';
}

export class RpcError extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export function invalidArgument(message: string): RpcError {
  return new RpcError(Code.INVALID_ARGUMENT, message);
}

export function notFound(message: string): RpcError {
  return new RpcError(Code.NOT_FOUND, message);
}

export function alreadyExists(message: string): RpcError {
  return new RpcError(Code.ALREADY_EXISTS, message);
}

export function failedPrecondition(message: string): RpcError {
  return new RpcError(Code.FAILED_PRECONDITION, message);
}

export function aborted(message: string): RpcError {
  return new RpcError(Code.ABORTED, message);
}

/** Whether `err` carries a numeric status code (an RpcError, QueryError included). */
export function hasStatusCode(err: unknown): err is { code: number; message: string } {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'number' &&
    typeof (err as { message?: unknown }).message === 'string'
  );
}

/** A status as a transport sends it: anything thrown becomes one (INTERNAL when unexpected). */
export interface Status {
  code: Code;
  message: string;
}

export function statusOf(err: unknown, where = 'firestore emulator'): Status {
  if (hasStatusCode(err)) return { code: err.code as Code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  console.error(`${where}: internal error:`, err);
  return { code: Code.INTERNAL, message: `Internal emulator error: ${message}` };
}
