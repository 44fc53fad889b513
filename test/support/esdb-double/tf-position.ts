/**
 * A position in the server's transaction file, as the server compares it. Sources (EventStore/KurrentDB at v24.10.0):
 * src/EventStore.Core/Data/TFPos.cs and src/EventStore.Core/Services/Transport/Common/Position.cs.
 */
export interface TfPos {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const tfPos = (commit: bigint, prepare: bigint = commit): TfPos => ({ commit, prepare });

/** TFPos.CompareTo: commit position first, then prepare position. */
export const compareTfPos = (a: TfPos, b: TfPos): number =>
  a.commit !== b.commit ? (a.commit < b.commit ? -1 : 1) : a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;

export const maxTfPos = (a: TfPos, b: TfPos): TfPos => (compareTfPos(a, b) >= 0 ? a : b);

/** TFPos.HeadOfTf: "before the first record", what a subscription from the start begins with. */
export const HEAD_OF_TF = tfPos(-1n, -1n);
/** TFPos.FirstRecordOfTf (added in v24.10.5 by #4990). */
export const FIRST_RECORD_OF_TF = tfPos(0n, 0n);

const ULONG_MAX = 2n ** 64n - 1n;

/** Position.FromInt64: what goes on the wire, where -1 becomes ulong.MaxValue. */
export const toWire = (position: TfPos): { commit: bigint; prepare: bigint } => ({
  commit: position.commit === -1n ? ULONG_MAX : position.commit,
  prepare: position.prepare === -1n ? ULONG_MAX : position.prepare,
});

/** Position.End as a client sends it (`END`): ulong.MaxValue twice. */
export const isWireEnd = (position: { commit: bigint; prepare: bigint }): boolean =>
  position.commit === ULONG_MAX && position.prepare === ULONG_MAX;
