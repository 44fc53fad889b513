import { randomBytesView } from '../random-pool.js';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): one trace id links a request, the events it appends, the
 * saga steps they cause and the HTTP calls between roles; each of those is a span of its own under its cause's.
 */
export interface TraceContext {
  /** 32 lowercase hex digits, never all zeros. */
  traceId: string;
  /** This span's id: 16 lowercase hex digits, never all zeros. */
  spanId: string;
  /** 2 hex digits; bit 0 is "sampled". */
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

/**
 * A `traceparent` header's context, or undefined for one that is absent or invalid (which starts a new trace, as the
 * recommendation says). Version ff is invalid; a later version than 00 is read as 00 for its first four fields.
 */
export const parseTraceparent = (header: string | undefined): TraceContext | undefined => {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [version, traceId, spanId, flags, rest] = [match[1]!, match[2]!, match[3]!, match[4]!, match[5]];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ZEROS.test(traceId) || ZEROS.test(spanId)) return undefined;
  return { traceId, spanId, flags };
};

export const formatTraceparent = ({ traceId, spanId, flags }: TraceContext): string => `00-${traceId}-${spanId}-${flags}`;

const randomHex = (bytes: number): string => {
  for (;;) {
    const hex = randomBytesView(bytes).toString('hex');
    if (!ZEROS.test(hex)) return hex;
  }
};

/** A new span under `parent`: the same trace and flags, a span id of its own; a new (sampled) trace without one. */
export const childSpan = (parent: TraceContext | undefined): TraceContext => ({
  traceId: parent?.traceId ?? randomHex(16),
  spanId: randomHex(8),
  flags: parent?.flags ?? '01',
});

/** The `traceparent` of a new span under the one `traceparent` names (a new trace when it names none). */
export const childTraceparent = (traceparent: string | undefined): string => formatTraceparent(childSpan(parseTraceparent(traceparent)));

/** The trace id a `traceparent` names, for log lines. */
export const traceIdOf = (traceparent: string | undefined): string | undefined => parseTraceparent(traceparent)?.traceId;
