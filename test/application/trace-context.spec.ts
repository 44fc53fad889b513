import assert from 'node:assert/strict';
import { childSpan, childTraceparent, formatTraceparent, parseTraceparent, traceIdOf } from '../../src/application/tracing/trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C trace context', () => {
  it('reads a valid traceparent and writes it back unchanged', () => {
    const header = `00-${TRACE}-${SPAN}-01`;
    assert.deepEqual(parseTraceparent(header), { traceId: TRACE, spanId: SPAN, flags: '01' });
    assert.equal(formatTraceparent(parseTraceparent(header)!), header);
  });

  for (const [what, header] of [
    ['absent', undefined],
    ['not hex', `00-${TRACE.replace('4', 'g')}-${SPAN}-01`],
    ['upper case', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['version 00 with more fields', `00-${TRACE}-${SPAN}-01-extra`],
    ['too short', `00-${TRACE.slice(1)}-${SPAN}-01`],
  ] as const)
    it(`refuses a traceparent that is ${what}`, () => assert.equal(parseTraceparent(header), undefined));

  it('reads the first four fields of a later version', () => {
    assert.deepEqual(parseTraceparent(`01-${TRACE}-${SPAN}-00-more`), { traceId: TRACE, spanId: SPAN, flags: '00' });
  });

  it('makes a child span in the same trace with its own span id and the parent flags', () => {
    const child = childSpan({ traceId: TRACE, spanId: SPAN, flags: '00' });
    assert.equal(child.traceId, TRACE);
    assert.equal(child.flags, '00');
    assert.match(child.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(child.spanId, SPAN);
  });

  it('starts a new sampled trace when there is no valid parent', () => {
    const [a, b] = [childTraceparent(undefined), childTraceparent('nonsense')];
    for (const header of [a, b]) assert.match(header, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.notEqual(traceIdOf(a), traceIdOf(b));
  });
});
