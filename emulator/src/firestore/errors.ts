// A gRPC status error that handlers throw; the server wrapper turns it into the call's status.
import { status as Status } from '@grpc/grpc-js';

export class RpcError extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export function invalidArgument(message: string): RpcError {
  return new RpcError(Status.INVALID_ARGUMENT, message);
}

export function notFound(message: string): RpcError {
  return new RpcError(Status.NOT_FOUND, message);
}

export function alreadyExists(message: string): RpcError {
  return new RpcError(Status.ALREADY_EXISTS, message);
}

export function failedPrecondition(message: string): RpcError {
  return new RpcError(Status.FAILED_PRECONDITION, message);
}

export function aborted(message: string): RpcError {
  return new RpcError(Status.ABORTED, message);
}

/** Whether `err` carries a numeric gRPC status code (an RpcError, QueryError included). */
export function hasStatusCode(err: unknown): err is { code: number; message: string } {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'number' &&
    typeof (err as { message?: unknown }).message === 'string'
  );
}
