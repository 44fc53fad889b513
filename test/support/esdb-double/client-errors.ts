import { convertToCommandError, DeadlineExceededError, WrongExpectedVersionError } from '@eventstore/db-client';

/** gRPC status codes (grpc/include/grpc/impl/codegen/status.h), as the server sets them. */
export const GrpcStatus = { UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, UNAVAILABLE: 14 } as const;

/**
 * The error the client raises for a gRPC status the server ends a call with: built as grpc-js builds a
 * ServiceError and passed through the client's own `convertToCommandError` (dist/utils/CommandError.js), so the
 * class is the one the real client would produce (e.g. INVALID_ARGUMENT and UNKNOWN both become UnknownError).
 */
export const clientErrorFor = (code: number, details: string): Error =>
  convertToCommandError(Object.assign(new Error(`${code} ${details}`), { code, details }));

/** RpcExceptions.InvalidPositionException (v24.10.0): what a subscription from inside a record ends with. */
export const invalidPositionOnSubscribe = (): Error => clientErrorFor(GrpcStatus.INVALID_ARGUMENT, 'Trying to read from an invalid position.');

/** A read from inside a record: ReadAllForwards/Backwards turn InvalidPosition into RpcExceptions.UnknownError. */
export const invalidPositionOnRead = (): Error => clientErrorFor(GrpcStatus.UNKNOWN, 'Unexpected ReadAllResult: InvalidPosition');

/** A connection lost or a server restarting (RpcExceptions.ServerNotReady is UNAVAILABLE too). */
export const unavailable = (): Error => clientErrorFor(GrpcStatus.UNAVAILABLE, 'Server Is Not Ready');

/** BatchAppend answers Status.Timeout when the write was not completed in time; the client's unpackToCommandError makes it this. */
export const appendTimedOut = (): Error => new DeadlineExceededError();

/** BatchAppend's Status.WrongExpectedVersion, unpacked by WrongExpectedVersionError.fromWrongExpectedVersion. */
export const wrongExpectedVersion = (streamName: string, current: bigint, expected: WrongExpectedVersionError['expectedVersion']): Error =>
  new WrongExpectedVersionError(undefined, { streamName, current: current < 0n ? 'no_stream' : current, expected });
