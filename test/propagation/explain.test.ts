/** Explanations of rejected trace headers: present exactly when a parser rejects, and specific. */
import {
  explainB3Multi,
  explainTraceHeaders,
  explainTraceparent,
  explainTraceState,
  explainUberTraceId,
  extract,
  headersFromPairs,
  parseTraceState,
} from '../../src/propagation/index';
import { loadPropagationFixtures } from '../e2e/support/propagation-fixtures';
import { loadW3cVectors } from '../e2e/support/w3c-suite';

describe('an explanation exists exactly when something is rejected', () => {
  test('for all 83 W3C vectors and all 130 own cases', () => {
    const requests = [
      ...loadW3cVectors().map((v) => v.request_headers),
      ...loadPropagationFixtures().flatMap((f) => f.cases.map((c) => c.headers)),
    ];
    const wrong: string[] = [];
    for (const pairs of requests) {
      // GIVEN a request  WHEN extracted and explained
      const bag = headersFromPairs(pairs);
      const ex = extract(bag);
      const tracestateDiscarded =
        ex.context?.source === 'w3c' && bag.tracestate !== undefined && parseTraceState(bag.tracestate) === undefined;
      const rejected = ex.formatsInvalid.length + (tracestateDiscarded ? 1 : 0);
      // THEN there is one sentence per rejected format (a discarded tracestate included)
      const messages = explainTraceHeaders(bag);
      if (messages.length !== rejected)
        wrong.push(`${JSON.stringify(pairs).slice(0, 100)}: ${rejected} rejected, ${JSON.stringify(messages)}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('messages say what was wrong, the value, and what is allowed', () => {
  test.each([
    [
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      /trace-id "4BF92F3577B34DA6A3CE929D0E0E4736" must be 32 lowercase hex digits/,
    ],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', /parent-id must not be all zeros/],
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', /version ff is forbidden/],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x', /version 00 must be exactly 55 characters, got 57 \(trailing "-x"\)/],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7', /52 characters; expected version-traceid-parentid-flags/],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0X', /trace-flags "0X" must be 2 lowercase hex digits/],
  ])('traceparent %s', (value, message) => {
    expect(explainTraceparent(value)).toMatch(message);
  });

  test('a repeated traceparent', () => {
    expect(explainTraceparent(['a', 'b'])).toMatch(/sent 2 times/);
  });

  test('tracestate: the bad key, the bad value, the member count', () => {
    expect(explainTraceState('foo=1,FOO=2')).toMatch(/key "FOO" is invalid: 1-256 characters of a-z 0-9/);
    expect(explainTraceState('foo=,bar=3')).toMatch(/value "" of key "foo" is invalid/);
    expect(explainTraceState('foo')).toMatch(/has no "="/);
    expect(explainTraceState(Array.from({ length: 33 }, (_, i) => `k${i}=1`).join(','))).toMatch(/33 members; at most 32/);
    expect(explainTraceState('foo=1')).toBeUndefined();
  });

  test('B3 multi names the header at fault', () => {
    expect(explainB3Multi({ 'x-b3-traceid': 'ABC', 'x-b3-spanid': '00f067aa0ba902b7' })).toMatch(
      /X-B3-TraceId "ABC" must be 16 or 32 lowercase hex digits/,
    );
    expect(explainB3Multi({ 'x-b3-traceid': '4bf92f3577b34da6a3ce929d0e0e4736' })).toMatch(/only X-B3-TraceId was sent/);
    expect(explainB3Multi({ 'x-b3-sampled': 'yes' })).toMatch(/X-B3-Sampled "yes" must be 1 or 0/);
  });

  test('Jaeger names the field at fault', () => {
    expect(explainUberTraceId('abc:1:0:zz')).toMatch(/flags "zz" must be 1-2 hex digits/);
    expect(explainUberTraceId('nothex:1:0:1')).toMatch(/trace-id "nothex" must be 1-32 hex digits/);
    expect(explainUberTraceId('abc:1:1')).toMatch(/3 fields; expected \{trace-id\}:\{span-id\}:\{parent-span-id\}:\{flags\}/);
  });

  test('long values are cut in messages', () => {
    expect(explainTraceparent('x'.repeat(5000))!.length).toBeLessThan(300);
  });
});
