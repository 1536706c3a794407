/**
 * The 83 request vectors of the W3C Trace Context conformance suite (STRICT_LEVEL 2,
 * SPEC_LEVEL 2) against the propagation core directly: the parser's verdict, and the headers a
 * hop built on extract → childContext → inject forwards, judged like the suite judges them.
 * (The same vectors run against a live relay over HTTP in test/e2e/w3c-conformance.test.ts.)
 */
import { extract, headersFromPairs, parseTraceparent, parseTraceState } from '../../src/propagation/index';
import { meshtraceHop } from '../e2e/support/hops';
import { judgeCallback, loadW3cVectors, runW3cSuite, tracestateMembers } from '../e2e/support/w3c-suite';

const vectors = loadW3cVectors();

describe('W3C Trace Context conformance vectors, against the core', () => {
  test('the reference file holds 83 vectors of 41 tests', () => {
    // GIVEN the recorded vectors  THEN they are the whole suite
    expect(vectors).toHaveLength(83);
    expect(new Set(vectors.map((v) => v.test)).size).toBe(41);
  });

  describe.each(vectors.map((v, i) => [`#${i + 1} ${v.test} ${JSON.stringify(v.request_headers).slice(0, 120)}`, v] as const))(
    '%s',
    (_name, vector) => {
      test('parser verdict matches the reference parser', () => {
        // GIVEN the inbound headers as Node's headersDistinct would present them
        const bag = headersFromPairs(vector.request_headers);
        // WHEN extracting
        const extracted = extract(bag);
        // THEN traceparent validity is the reference's
        expect(extracted.context !== undefined).toBe(vector.reference_verdict.is_traceparent_valid);
        if (vector.reference_verdict.is_tracestate_valid !== undefined) {
          // AND the tracestate is discarded exactly when the reference discarded it: its parser's
          // verdict, or its service dropping a grammatical list (33 members) while forwarding
          const inbound = tracestateMembers(vector.request_headers.filter(([k]) => k.toLowerCase() === 'tracestate').map(([, v]) => v));
          const discardedByReference =
            !vector.reference_verdict.is_tracestate_valid || (inbound.length > 0 && vector.reference_forwarded[0].tracestate.length === 0);
          expect(parseTraceState(bag.tracestate) === undefined).toBe(discardedByReference);
        }
      });

      test('a hop forwards what the suite accepts', async () => {
        // GIVEN a hop on extract → childContext → inject
        const calls = await meshtraceHop()(vector.request_headers, vector.callbacks);
        // THEN every callback passes the suite's rules
        expect(calls).toHaveLength(vector.callbacks);
        calls.forEach((headers, i) => expect(judgeCallback(vector, i, headers)).toEqual([]));
      });
    },
  );

  test('41/41 suite tests pass through the shared driver', async () => {
    // GIVEN the driver used for the OTel comparison and the HTTP run  WHEN run against our hop
    const result = await runW3cSuite(meshtraceHop(), vectors);
    // THEN all pass
    expect(result.failedTests).toEqual([]);
    expect(`${result.testsPassed}/${result.testsTotal}`).toBe('41/41');
  });

  test('the judge rejects a pure pass-through (parent id must change)', async () => {
    // GIVEN a "hop" that copies the inbound headers unchanged (a proxy without the core)
    const passThrough = async (inbound: Array<[string, string]>, callbacks: number) =>
      Array.from({ length: callbacks }, () => inbound.map(([k, v]) => [k.toLowerCase(), v] as [string, string]));
    // WHEN judged  THEN it fails, including test_traceparent_included_tracestate_missing
    const result = await runW3cSuite(passThrough, vectors);
    expect(result.failedTests).toContain('TraceContextTest.test_traceparent_included_tracestate_missing');
    expect(result.testsPassed).toBeLessThan(41);
  });

  test('the version-00 traceparent parser agrees on the first vector of each kind', () => {
    // GIVEN a future version with extra fields  THEN the fields up to flags are used
    expect(parseTraceparent('cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like')).toEqual({
      version: 0xcc,
      traceId: '12345678901234567890123456789012',
      spanId: '1234567890123456',
      flags: 1,
    });
  });
});
