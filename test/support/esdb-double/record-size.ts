/** .NET BinaryWriter.Write(string): a 7-bit encoded byte length, then the UTF-8 bytes. */
const stringSizeWithLengthPrefix = (text: string): number => {
  const bytes = Buffer.byteLength(text, 'utf8');
  let prefix = 1;
  for (let rest = bytes >>> 7; rest > 0; rest >>>= 7) prefix++;
  return prefix + bytes;
};

/**
 * Bytes an event takes in the transaction file, so that positions are byte offsets as on a server and the next
 * record starts where this one ends. PrepareLogRecord.SizeOnDisk (v24.10.0,
 * src/EventStore.Core/TransactionLog/LogRecords/PrepareLogRecord.cs), for a LogRecordV1 prepare.
 */
export const prepareSizeOnDisk = (stream: string, type: string, data: Uint8Array, metadata: Uint8Array): number =>
  2 * 4 /* length prefix and suffix */ +
  1 /* record type */ +
  1 /* version */ +
  8 /* log position */ +
  2 /* flags */ +
  8 /* transaction position */ +
  4 /* transaction offset */ +
  8 /* expected version */ +
  stringSizeWithLengthPrefix(stream) +
  16 /* event id */ +
  16 /* correlation id */ +
  8 /* timestamp */ +
  stringSizeWithLengthPrefix(type) +
  4 +
  data.length +
  4 +
  metadata.length;

/**
 * The epoch record every database begins with (EpochManager.WriteEpochRecordWithRetry writes it at position 0
 * before anything else): a system record, never read as an event. Its exact size does not matter here, only
 * that nothing readable starts at 0.
 */
export const EPOCH_RECORD_SIZE = 128;
