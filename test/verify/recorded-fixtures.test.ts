/**
 * The shipped specs on real recordings (test/fixtures/verify/recorded/, made by
 * `npm run record:fixtures` from real Envoy 1.40.0, Jaeger v2 and HotROD; provenance in its README),
 * read the way `meshtrace verify --trace-file` reads them: the format is told by the document.
 * No real program runs here; the files are the evidence.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { loadSpec, verifyTraces, type Trace } from '../../src/verify';
import { loadTraceFile } from '../../src/verify/sources/trace-file';
import { runCliInProcess } from '../support/run-cli';

const RECORDED = (f: string): string => join(REPO_ROOT, 'test', 'fixtures', 'verify', 'recorded', f);
const SPEC = (f: string): string => join(REPO_ROOT, 'samples', 'expectations', f);

const failedAssertions = (r: ReturnType<typeof verifyTraces>): string[] =>
  [...r.assertions, ...r.traces.flatMap((t) => t.assertions)].filter((a) => !a.passed).map((a) => a.text);
const shape = (t: Trace): string[] => t.spans.map((s) => `${s.spanId} ${s.parentSpanId ?? '-'} ${s.service} ${s.kind} ${s.name}`).sort();

describe('recorded Bookinfo through real Envoy into real Jaeger', () => {
  test('the healthy recording: one 9-span trace, and the shipped bookinfo spec passes on it', async () => {
    const traces = await loadTraceFile(RECORDED('bookinfo-envoy-v3.json'));
    expect(traces).toHaveLength(1);
    const [t] = traces;
    expect(t!.spans).toHaveLength(9);
    expect([...new Set(t!.spans.map((s) => s.service))].sort()).toEqual([
      'details.bookinfo',
      'istio-ingressgateway.istio-system',
      'productpage.bookinfo',
      'ratings.bookinfo',
      'reviews.bookinfo',
    ]);
    // Real Envoy attributes, not the builder's: the kit's custom tag and Envoy's own upstream_cluster.
    expect(t!.spans.every((s) => s.attributes['kit.run_id'] === 'recorded')).toBe(true);
    expect(t!.spans.some((s) => s.attributes['upstream_cluster'] === 'outbound|9080||ratings.bookinfo.svc.cluster.local')).toBe(true);
    const r = verifyTraces(await loadSpec(SPEC('bookinfo.yaml')), traces);
    expect(failedAssertions(r)).toEqual([]);
    expect(r.diagnoses).toEqual([]);
    expect(r.passed).toBe(true);
  });

  test('the legacy /api/traces answer of the same trace reads to the same spans and parents', async () => {
    const [v3] = await loadTraceFile(RECORDED('bookinfo-envoy-v3.json'));
    const [legacy] = await loadTraceFile(RECORDED('bookinfo-envoy-legacy.json'));
    expect(legacy!.traceId).toBe(v3!.traceId);
    expect(shape(legacy!)).toEqual(shape(v3!));
  });

  test('the split recording (reviews drops the headers): split-trace inside reviews, on its call to ratings', async () => {
    const traces = await loadTraceFile(RECORDED('bookinfo-envoy-split-v3.jsonl'));
    expect(traces.map((t) => t.spans.length).sort()).toEqual([2, 7]);
    const r = verifyTraces(await loadSpec(SPEC('bookinfo.yaml')), traces);
    expect(r.passed).toBe(false);
    const single = r.assertions.find((a) => a.text.startsWith('singleTrace'));
    expect(single?.passed).toBe(false);
    expect(single?.detail).toMatch(/reviews\.bookinfo "ratings\.bookinfo\.svc\.cluster\.local:9080\/\*" started trace [0-9a-f]{32}/);
    const [d, ...rest] = r.diagnoses;
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ kind: 'split-trace', hop: { from: 'reviews.bookinfo', to: 'ratings.bookinfo' }, party: 'reviews.bookinfo' });
    expect(d!.evidence.join('\n')).toMatch(/reviews forwarded neither x-request-id nor the trace context/);
  });

  test('meshtrace verify --trace-file (the CLI) exits 0 on the healthy recording, 1 with the diagnosis on the split one', async () => {
    const ok = await runCliInProcess([
      'verify',
      '--spec',
      SPEC('bookinfo.yaml'),
      '--trace-file',
      RECORDED('bookinfo-envoy-v3.json'),
      '--no-color',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✓ bookinfo: PASS .* 9 span\(s\) seen/);
    const split = await runCliInProcess([
      'verify',
      '--spec',
      SPEC('bookinfo.yaml'),
      '--trace-file',
      RECORDED('bookinfo-envoy-split-v3.jsonl'),
      '--no-color',
    ]);
    expect(split.code).toBe(1);
    expect(split.stdout).toContain(
      "[split-trace] reviews (behind reviews.bookinfo's sidecar) did not forward the trace context to its call to ratings.bookinfo",
    );
  });
});

describe('recorded HotROD /dispatch?customer=123 in real Jaeger', () => {
  test('one trace of ≥ 35 spans over the six services; the shipped hotrod-direct spec passes', async () => {
    const traces = await loadTraceFile(RECORDED('hotrod-dispatch-v3.json'));
    expect(traces).toHaveLength(1);
    expect(traces[0]!.spans.length).toBeGreaterThanOrEqual(35);
    expect([...new Set(traces[0]!.spans.map((s) => s.service))].sort()).toEqual([
      'customer',
      'driver',
      'frontend',
      'mysql',
      'redis-manual',
      'route',
    ]);
    const r = verifyTraces(await loadSpec(SPEC('hotrod-direct.yaml')), traces);
    expect(failedAssertions(r)).toEqual([]);
    expect(r.passed).toBe(true);
  });

  test('the legacy answer of the same trace reads to the same spans and parents', async () => {
    const [v3] = await loadTraceFile(RECORDED('hotrod-dispatch-v3.json'));
    const [legacy] = await loadTraceFile(RECORDED('hotrod-dispatch-legacy.json'));
    expect(shape(legacy!)).toEqual(shape(v3!));
  });

  test('the recordings are Jaeger answers, untouched: /api/v3 {"result"} and legacy {"data"}', () => {
    expect(Object.keys(JSON.parse(readFileSync(RECORDED('hotrod-dispatch-v3.json'), 'utf8')))).toEqual(['result']);
    expect(JSON.parse(readFileSync(RECORDED('hotrod-dispatch-legacy.json'), 'utf8'))).toMatchObject({
      data: [expect.objectContaining({ traceID: expect.any(String) })],
    });
  });
});
