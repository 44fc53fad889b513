import { AccessDeniedError, InvalidArgumentError, UnknownError, UnsupportedError } from '@eventstore/db-client';

/** gRPC's INVALID_ARGUMENT, which the client does not map to a class of its own (CommandError.js convertToCommandError). */
const GRPC_INVALID_ARGUMENT = 3;

/** A record the adapter could not turn into an event: the same record would fail the same way on every new subscription. */
export class RecordDecodingError extends Error {
  override readonly name = 'RecordDecodingError';
  constructor(record: { streamId?: string; revision?: bigint; position?: bigint }, cause: unknown) {
    super(`EventStoreDB record ${record.streamId ?? '?'}@${record.revision ?? '?'} (position ${record.position ?? '?'}) cannot be read: ${String(cause)}`, { cause });
  }
}

/** The subscription was dropped too many times in a row without getting anywhere in between. */
export class SubscriptionFailedError extends Error {
  override readonly name = 'SubscriptionFailedError';
  constructor(attempts: number, cause: unknown) {
    super(`EventStoreDB subscription to $all failed ${attempts} times in a row; the last time: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Errors a new subscription would meet again, surfaced at once instead of retried: access denied, an option the
 * client refuses, a feature the server lacks, a record that cannot be decoded, and a position the server cannot read
 * from (RpcExceptions.InvalidPositionException is INVALID_ARGUMENT, which the client turns into UnknownError).
 */
export const isPermanent = (error: unknown): boolean =>
  error instanceof AccessDeniedError ||
  error instanceof InvalidArgumentError ||
  error instanceof UnsupportedError ||
  error instanceof RecordDecodingError ||
  (error instanceof UnknownError && error.code === GRPC_INVALID_ARGUMENT);

/** A read or a subscription from inside a record: InvalidPosition, which reads raise as UNKNOWN and subscriptions as INVALID_ARGUMENT. */
export const isInvalidPosition = (error: unknown): boolean =>
  error instanceof UnknownError && (error.code === GRPC_INVALID_ARGUMENT || /InvalidPosition/.test(error.message));
