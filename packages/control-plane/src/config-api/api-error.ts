// One place that turns any failure into the gRPC status the config API promises (config.proto),
// so no handler can leak an unexpected error shape or crash the server.
import * as grpc from '@grpc/grpc-js';
import { WireDecodeError } from '@mesh/proto';
import {
  CompactedError,
  ConflictError,
  StoreClosedError,
  StoreUnavailableError,
} from '@mesh/store';

/** A failure whose status the API chose deliberately (NOT_FOUND, ABORTED, ...). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: Partial<grpc.StatusObject>) {
    super(status.details ?? 'config API error');
  }
}

export function apiError(code: grpc.status, details: string): ApiError {
  return new ApiError({ code, details });
}

export function toStatus(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof ApiError) return error.status;
  if (error instanceof WireDecodeError) {
    return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  }
  if (error instanceof StoreUnavailableError) {
    return {
      code: grpc.status.UNAVAILABLE,
      details:
        'the config store (etcd) cannot be reached: config cannot be read and writes are ' +
        `refused until it is back; safe to retry (${error.message})`,
    };
  }
  if (error instanceof StoreClosedError) {
    // Only happens while this replica shuts down; another replica (or a restart) can serve.
    return {
      code: grpc.status.UNAVAILABLE,
      details: 'the control plane is shutting down (its config store is closed); retry',
    };
  }
  if (error instanceof CompactedError) {
    return {
      code: grpc.status.OUT_OF_RANGE,
      details: `${error.message}; List again and watch from its revision`,
    };
  }
  if (error instanceof ConflictError) {
    return { code: grpc.status.ABORTED, details: `${error.message}; read it again and retry` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: grpc.status.INTERNAL, details: `internal error: ${message}` };
}
