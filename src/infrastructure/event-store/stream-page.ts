import type { ReadStreamOptions, RecordedEvent } from '../../application/ports/event-store.js';

/** Applies direction, start revision and count to a whole stream held in memory. */
export const pageOfStream = (stream: readonly RecordedEvent[], options: ReadStreamOptions): RecordedEvent[] => {
  const max = options.maxCount ?? stream.length;
  if (options.direction === 'backwards') {
    const start = options.fromRevision === undefined ? stream.length - 1 : Math.min(Number(options.fromRevision), stream.length - 1);
    return stream.slice(Math.max(0, start - max + 1), start + 1).reverse();
  }
  const start = Number(options.fromRevision ?? 0n);
  return stream.slice(start, start + max);
};
