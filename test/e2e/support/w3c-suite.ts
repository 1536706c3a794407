/**
 * A TypeScript re-implementation of the W3C Trace Context conformance harness's judging
 * (w3c/trace-context `test/test.py`, commit acab820), driven by the 83 recorded request
 * vectors in `shared/reference/conformance/w3c-trace-context-vectors.json`.
 *
 * A "service under test" is anything that, given the inbound header pairs of one request and a
 * callback count, returns the header pairs of each outgoing callback: a pure in-process hop
 * (propagation tests), an OpenTelemetry JS hop (comparison), or a live relay over HTTP (e2e).
 * One driver and one judge for all of them, so the pass counts are comparable.
 */
import { readFileSync } from 'node:fs';
import { referencePath } from '../../../src/paths';

export type HeaderPairs = Array<[string, string]>;

export interface ReferenceForwarded {
  readonly traceparent: string;
  readonly tracestate: readonly string[];
  readonly trace_id_kept: boolean;
}

export interface W3cVector {
  readonly test: string;
  readonly doc: string;
  readonly request_headers: HeaderPairs;
  readonly callbacks: number;
  readonly reference_forwarded: readonly ReferenceForwarded[];
  readonly reference_verdict: { readonly is_traceparent_valid: boolean; readonly is_tracestate_valid?: boolean };
  readonly requires_STRICT_LEVEL_2: boolean;
  readonly requires_SPEC_LEVEL_2: boolean;
}

/** The 83 vectors, in file order. */
export function loadW3cVectors(): W3cVector[] {
  const file = JSON.parse(readFileSync(referencePath('conformance', 'w3c-trace-context-vectors.json'), 'utf8')) as { records: W3cVector[] };
  return file.records;
}

/** Returns the outgoing header pairs of each of `callbacks` calls made for one inbound request. */
export type ServiceUnderTest = (inbound: HeaderPairs, callbacks: number) => Promise<HeaderPairs[]>;

// The harness's own check of a callback's traceparent (test.py `traceparent_format`).
const TRACEPARENT_FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function valuesOf(headers: HeaderPairs, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of headers) if (k.toLowerCase() === name) out.push(v);
  return out;
}

/** tracestate as a member list: headers combined in order, OWS trimmed, empty members dropped. */
export function tracestateMembers(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const m of v.split(',')) {
      const t = m.replace(/^[ \t]+|[ \t]+$/g, '');
      if (t) out.push(t);
    }
  }
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The stricter judge we hold our own hop to: one callback's headers against the vector and the
 * reference implementation's forwarded values; returns what is wrong ([] = pass).
 * Rules: exactly one well-formed version-00 traceparent; the trace id kept exactly when the
 * reference kept it, otherwise a fresh one (appearing in no inbound header); a parent id that
 * differs from every inbound one; flags: the reference's when the trace is kept (the random bit
 * included), only known bits on a new trace; tracestate equal to the reference's (for the
 * duplicated-keys test, "kept as-is" is accepted too, as its docstring says) and never empty.
 */
export function judgeCallback(vector: W3cVector, index: number, outgoing: HeaderPairs): string[] {
  const failures: string[] = [];
  const ref = vector.reference_forwarded[index];
  const tps = valuesOf(outgoing, 'traceparent');
  if (tps.length !== 1) return [`expected one traceparent header, got ${tps.length}: ${JSON.stringify(tps)}`];
  const m = TRACEPARENT_FORMAT.exec(tps[0]);
  if (!m) return [`traceparent ${JSON.stringify(tps[0])} is not version-traceid-parentid-flags in lowercase hex`];
  const [, version, traceId, parentId, flagsHex] = m;
  const flags = parseInt(flagsHex, 16);
  if (version !== '00') failures.push(`version ${version}: a hop must write 00`);
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) failures.push(`all-zero id in ${tps[0]}`);
  const inboundValues = vector.request_headers.map(([, v]) => v);
  if (ref.trace_id_kept) {
    // The reference reads `00-<trace-id>-<new-span-id>-<flags>`: the placeholder holds dashes itself.
    const refTraceId = ref.traceparent.slice(3, 35);
    const refFlagsHex = ref.traceparent.slice(-2);
    if (traceId !== refTraceId) failures.push(`trace id ${traceId}: expected the inbound ${refTraceId} to be kept`);
    if (flags !== parseInt(refFlagsHex, 16)) failures.push(`flags ${flagsHex}: expected ${refFlagsHex} (sampled and random bits kept)`);
  } else {
    if (inboundValues.some((v) => v.includes(traceId)))
      failures.push(`trace id ${traceId} was taken from an invalid inbound header: expected a new trace`);
    if ((flags & ~0x03) !== 0) failures.push(`flags ${flagsHex}: unknown bits must be 0`);
  }
  if (inboundValues.some((v) => v.includes(parentId))) failures.push(`parent id ${parentId} did not change at the hop`);
  if (vector.requires_SPEC_LEVEL_2 && (flags & 0x02) === 0) failures.push(`flags ${flagsHex}: random flag (0x02) dropped`);

  const tsValues = valuesOf(outgoing, 'tracestate');
  if (tsValues.some((v) => v.trim() === '')) failures.push('an empty tracestate header was sent');
  const got = tracestateMembers(tsValues);
  const expected = tracestateMembers(ref.tracestate);
  const asIs = tracestateMembers(valuesOf(vector.request_headers, 'tracestate'));
  const accepted = vector.test.endsWith('test_tracestate_duplicated_keys')
    ? sameList(got, expected) || sameList(got, asIs)
    : sameList(got, expected);
  if (!accepted) failures.push(`tracestate ${JSON.stringify(got.join(','))}: expected ${JSON.stringify(expected.join(','))}`);
  return failures;
}

// ---------------------------------------------------------------------------------------------
// The suite's own rules (test.py at acab820), ported assertion by assertion. The pass count of
// the suite is computed with these; `judgeCallback` above is the stricter, reference-equality
// judge we hold our own implementation to.

const T = '12345678901234567890123456789012';
const P = '1234567890123456';

/** The harness's Tracestate class: ordered, first occurrence of a key wins, throws on a bad member. */
class HarnessTracestate {
  private static readonly MEMBER =
    /^([0-9a-z][_0-9a-z\-*/@]{0,255})(=)([\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e])$/;
  readonly traits = new Map<string, string>();
  fromString(value: string): void {
    for (const member of value.split(/[ \t]*,[ \t]*/)) {
      if (!member) continue;
      const m = HarnessTracestate.MEMBER.exec(member);
      if (!m) throw new Error(`illegal key-value format ${JSON.stringify(member)}`);
      if (!this.traits.has(m[1])) this.traits.set(m[1], m[3]);
    }
  }
  toString(): string {
    return [...this.traits].map(([k, v]) => `${k}=${v}`).join(',');
  }
}

interface HarnessTraceparent {
  readonly traceId: string;
  readonly parentId: string;
  readonly flags: number;
}

/** The harness's get_traceparent: exactly one header; Traceparent.from_string validation. */
function harnessTraceparent(headers: HeaderPairs): HarnessTraceparent {
  const values = valuesOf(headers, 'traceparent');
  if (values.length !== 1) throw new Error(`expect one traceparent header, got ${values.length}`);
  const [version, traceId, parentId, flags] = values[0].split('-');
  if (!/^[0-9a-f]{2}$/.test(version ?? '') || version === 'ff') throw new Error(`bad version in ${values[0]}`);
  if (!/^[0-9a-f]{32}$/.test(traceId ?? '')) throw new Error(`bad trace_id in ${values[0]}`);
  if (!/^[0-9a-f]{16}$/.test(parentId ?? '')) throw new Error(`bad parent_id in ${values[0]}`);
  if (!/^[0-9a-f]{2}$/.test(flags ?? '')) throw new Error(`bad trace_flags in ${values[0]}`);
  return { traceId, parentId, flags: parseInt(flags, 16) };
}

function harnessTracestate(headers: HeaderPairs): HarnessTracestate {
  const ts = new HarnessTracestate();
  for (const v of valuesOf(headers, 'tracestate')) ts.fromString(v);
  return ts;
}

class AssertionFailed extends Error {}
function check(ok: boolean, message: string): void {
  if (!ok) throw new AssertionFailed(message);
}
function eq(ts: HarnessTracestate, key: string, value: string): void {
  check(
    ts.traits.get(key) === value,
    `tracestate[${JSON.stringify(key.slice(0, 20))}] = ${JSON.stringify(ts.traits.get(key)?.slice(0, 20))}, expected ${JSON.stringify(value.slice(0, 20))}`,
  );
}
function absent(ts: HarnessTracestate, key: string): void {
  check(!ts.traits.has(key), `tracestate still holds ${JSON.stringify(key.slice(0, 20))}`);
}

/**
 * Applies the suite's assertions for request `k` (0-based, in file order) of `vector.test`.
 * Throws with the failed assertion; returns the parsed tracestate for the cross-request check.
 */
function suiteAssertions(vector: W3cVector, k: number, calls: readonly HeaderPairs[]): HarnessTracestate {
  const name = vector.test.split('.')[1];
  const tp = harnessTraceparent(calls[0]);
  const ts = harnessTracestate(calls[0]);
  const sameTrace = () => check(tp.traceId === T, `trace_id ${tp.traceId}, expected ${T}`);
  const newTrace = (...not: string[]) => not.forEach((id) => check(tp.traceId !== id, `trace_id ${id} was kept`));
  const inboundTs = valuesOf(vector.request_headers, 'tracestate');
  switch (name) {
    case 'test_both_traceparent_and_tracestate_missing':
      break;
    case 'test_traceparent_included_tracestate_missing':
      sameTrace();
      check(tp.parentId !== P, 'parent_id did not change');
      break;
    case 'test_traceparent_duplicated':
      newTrace('12345678901234567890123456789011', T);
      break;
    case 'test_traceparent_header_name_valid_casing':
    case 'test_traceparent_ows_handling':
      sameTrace();
      break;
    case 'test_traceparent_version_0xcc':
      if (k < 2) sameTrace();
      else newTrace(T);
      break;
    case 'test_traceparent_trace_id_all_zero':
      newTrace('00000000000000000000000000000000');
      break;
    case 'test_traceparent_trace_id_too_long':
      newTrace(T, '23456789012345678901234567890123');
      break;
    case 'test_traceparent_trace_id_illegal_characters':
    case 'test_traceparent_trace_id_too_short':
      // the suite compares with the (unparseable) inbound id, which a hex id never equals
      break;
    case 'test_traceparent_header_name':
    case 'test_traceparent_version_0x00':
    case 'test_traceparent_version_0xff':
    case 'test_traceparent_version_illegal_characters':
    case 'test_traceparent_version_too_long':
    case 'test_traceparent_version_too_short':
    case 'test_traceparent_parent_id_all_zero':
    case 'test_traceparent_parent_id_illegal_characters':
    case 'test_traceparent_parent_id_too_long':
    case 'test_traceparent_parent_id_too_short':
    case 'test_traceparent_trace_flags_illegal_characters':
    case 'test_traceparent_trace_flags_too_long':
    case 'test_traceparent_trace_flags_too_short':
      newTrace(T);
      break;
    case 'test_tracestate_included_traceparent_missing':
      break; // compared across its two requests in runW3cSuite
    case 'test_tracestate_included_traceparent_included':
      sameTrace();
      eq(ts, 'foo', '1');
      eq(ts, 'bar', '2');
      break;
    case 'test_tracestate_header_name':
      absent(ts, 'foo');
      break;
    case 'test_tracestate_header_name_valid_casing':
      eq(ts, 'foo', '1');
      break;
    case 'test_tracestate_empty_header':
      sameTrace();
      if (k > 0) eq(ts, 'foo', '1');
      break;
    case 'test_tracestate_multiple_headers_different_keys': {
      sameTrace();
      const s = ts.toString();
      const order = ['foo=1', 'bar=2', 'rojo=1', 'congo=2', 'baz=3'].map((m) => s.indexOf(m));
      check(
        order.every((i) => i >= 0) && order.every((i, j) => j === 0 || order[j - 1] < i),
        `tracestate ${s} lost members or their order`,
      );
      break;
    }
    case 'test_tracestate_duplicated_keys': {
      sameTrace();
      const s = ts.toString();
      check(k % 2 === 0 ? s.includes('foo=1') : s.includes('foo=1') || s.includes('foo=2'), `tracestate ${s} lost foo`);
      break;
    }
    case 'test_tracestate_all_allowed_characters': {
      const member = inboundTs[0];
      const at = member.indexOf('=');
      eq(ts, member.slice(0, at), member.slice(at + 1));
      break;
    }
    case 'test_tracestate_ows_handling':
      if (k < 2) {
        eq(ts, 'foo', '1');
        eq(ts, 'bar', '2');
        eq(ts, 'baz', '3');
      } else {
        sameTrace();
        eq(ts, 'foo', '1');
      }
      break;
    case 'test_tracestate_key_illegal_characters':
      absent(ts, ['foo ', 'FOO', 'foo.bar'][k]);
      break;
    case 'test_tracestate_key_illegal_vendor_format':
      if (k === 1) absent(ts, 'bar');
      else {
        eq(ts, ['foo@', '', 'foo@@bar', 'foo@bar@baz'][k], '1');
        eq(ts, 'bar', '2');
      }
      break;
    case 'test_tracestate_member_count_limit':
      if (k === 0) {
        eq(ts, 'bar01', '01');
        check(ts.traits.size === 32, `tracestate has ${ts.traits.size} members, expected 32`);
      } else absent(ts, 'bar01');
      break;
    case 'test_tracestate_key_length_limit':
      if (k === 1) absent(ts, 'foo');
      else {
        eq(ts, 'foo', '1');
        const long = inboundTs[1];
        eq(ts, long.slice(0, long.indexOf('=')), '1');
      }
      break;
    case 'test_tracestate_value_illegal_characters':
      absent(ts, 'foo');
      if (k === 1) absent(ts, 'bar');
      break;
    case 'test_multiple_requests_with_valid_traceparent':
    case 'test_multiple_requests_without_traceparent':
    case 'test_multiple_requests_with_illegal_traceparent': {
      const tps = calls.map(harnessTraceparent);
      const traceIds = new Set(tps.map((t) => t.traceId));
      check(new Set(tps.map((t) => t.parentId)).size === 3, 'the 3 callbacks do not have 3 distinct parent ids');
      if (name === 'test_multiple_requests_with_valid_traceparent')
        check(traceIds.size === 1 && traceIds.has(T), `trace ids ${[...traceIds]}`);
      if (name === 'test_multiple_requests_with_illegal_traceparent')
        check(!traceIds.has('00000000000000000000000000000000'), 'all-zero trace id forwarded');
      break;
    }
    case 'test_propagates_random_flag':
      sameTrace();
      check(tp.parentId !== P, 'parent_id did not change');
      check((tp.flags & 0x02) === 0x02, `flags 0x${tp.flags.toString(16).padStart(2, '0')}: random flag not set`);
      break;
    default:
      throw new Error(`no suite rule for ${vector.test}`);
  }
  return ts;
}

export interface VectorResult {
  readonly vector: W3cVector;
  /** Failures under the suite's own rules. */
  readonly failures: readonly string[];
  /** The callbacks' outgoing headers (for the stricter reference judge). */
  readonly calls: readonly HeaderPairs[];
}

export interface SuiteResult {
  readonly vectors: readonly VectorResult[];
  /** Test name → passed (a test passes when all of its requests pass, as in test.py). */
  readonly tests: ReadonlyMap<string, boolean>;
  readonly testsPassed: number;
  readonly testsTotal: number;
  readonly failedTests: readonly string[];
}

/**
 * Runs every vector through `service` and judges the callbacks with the suite's own rules
 * (41 tests at STRICT_LEVEL 2, SPEC_LEVEL 2). Requests run one after another, like the suite.
 */
export async function runW3cSuite(service: ServiceUnderTest, vectors: readonly W3cVector[] = loadW3cVectors()): Promise<SuiteResult> {
  const results: VectorResult[] = [];
  const tests = new Map<string, boolean>();
  const occurrences = new Map<string, number>();
  const crossRequest = new Map<string, number[]>();
  for (const vector of vectors) {
    const k = occurrences.get(vector.test) ?? 0;
    occurrences.set(vector.test, k + 1);
    const failures: string[] = [];
    let calls: HeaderPairs[] = [];
    try {
      calls = await service(vector.request_headers, vector.callbacks);
      check(calls.length === vector.callbacks, `your test service made ${calls.length} of ${vector.callbacks} callbacks`);
      const ts = suiteAssertions(vector, k, calls);
      if (vector.test.endsWith('test_tracestate_included_traceparent_missing'))
        crossRequest.set(vector.test, [...(crossRequest.get(vector.test) ?? []), ts.traits.size]);
    } catch (err) {
      failures.push((err as Error).message);
    }
    results.push({ vector, failures, calls });
    tests.set(vector.test, (tests.get(vector.test) ?? true) && failures.length === 0);
  }
  for (const [test, sizes] of crossRequest) {
    if (new Set(sizes).size > 1) tests.set(test, false);
  }
  const failedTests = [...tests].filter(([, ok]) => !ok).map(([name]) => name);
  return { vectors: results, tests, testsPassed: tests.size - failedTests.length, testsTotal: tests.size, failedTests };
}
