import {
  ANY,
  type AppendExpectedRevision,
  type CurrentRevision,
  NO_STREAM,
  STREAM_EXISTS,
} from '@eventstore/db-client';
import type { ExpectedRevision } from '../../../application/ports/event-store.js';

export const toClientExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision => {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
};

/** The client reports a missing stream as 'no_stream', or as -1 when it read the error's gRPC metadata. */
export const toActualRevision = (actual: CurrentRevision): bigint | 'no_stream' =>
  typeof actual === 'bigint' && actual >= 0n ? actual : 'no_stream';
