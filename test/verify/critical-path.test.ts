import { criticalPath } from '../../src/verify/critical-path';
import type { Trace } from '../../src/verify/model';
import { bookinfoTrace, span, TRACE_ID } from '../report-html/bookinfo-trace';

const byId = (trace: Trace, spanId: string | undefined) => trace.spans.find((s) => s.spanId === spanId);

describe('criticalPath', () => {
  test('the slow leaf is the bottleneck and the parallel fast branch is off the path', () => {
    // GIVEN Bookinfo where ratings takes 122 of 140 ms and details runs in parallel
    const trace = bookinfoTrace();
    // WHEN the critical path is computed
    const path = criticalPath(trace);
    // THEN ratings is the bottleneck, details is not on the path, and the path covers the root exactly
    expect(byId(trace, path.bottleneckSpanId)?.service).toBe('ratings');
    const onPath = new Set([...path.selfTimeUs.keys()].map((id) => byId(trace, id)!.service + ' ' + byId(trace, id)!.name));
    expect(onPath.has('details GET /')).toBe(false);
    expect(onPath.has('productpage GET details')).toBe(false);
    expect(onPath.has('ratings GET /')).toBe(true);
    const total = [...path.selfTimeUs.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(140_000);
    expect(path.selfTimeUs.get(path.bottleneckSpanId!)).toBe(122_000);
    // segments do not overlap and are in time order
    for (let i = 1; i < path.segments.length; i++) expect(path.segments[i]!.startUs).toBeGreaterThanOrEqual(path.segments[i - 1]!.endUs);
  });

  test('sequential children are both on the path; the longer one is the bottleneck', () => {
    // GIVEN a root that calls a (30 ms) and then b (50 ms) one after the other
    const root = span('api', 'GET /', 'server', 0, 100);
    const a = span('auth', 'check', 'client', 10, 30, root);
    const b = span('orders', 'list', 'client', 45, 50, root);
    const path = criticalPath({ traceId: TRACE_ID, spans: [root, a, b] });
    // THEN both children and the root's own gaps are on the path
    expect(path.selfTimeUs.get(a.spanId)).toBe(30_000);
    expect(path.selfTimeUs.get(b.spanId)).toBe(50_000);
    expect(path.selfTimeUs.get(root.spanId)).toBe(20_000);
    expect(path.bottleneckSpanId).toBe(b.spanId);
  });

  test('a parallel fan-out: the call that started first but ended first is not on the path, not even as a sliver', () => {
    // GIVEN productpage calling details and reviews at once (the relay demo's fan-out), details a few µs first
    const root = span('productpage', 'GET', 'server', 0, 24);
    const details = span('productpage', 'GET details', 'client', 0.4, 4.9, root);
    const reviews = span('productpage', 'GET reviews', 'client', 0.41, 21, root);
    const path = criticalPath({ traceId: TRACE_ID, spans: [root, details, reviews] });
    // THEN only reviews (what productpage waited for) and productpage's own gaps are on the path
    expect(path.selfTimeUs.has(details.spanId)).toBe(false);
    expect(path.selfTimeUs.get(reviews.spanId)).toBe(21_000);
    expect([...path.selfTimeUs.values()].reduce((a, b) => a + b, 0)).toBe(24_000);
  });

  test('a child that outlives its parent is clipped to the parent end', () => {
    const root = span('api', 'GET /', 'server', 0, 10);
    const late = span('worker', 'async', 'internal', 5, 100, root);
    const path = criticalPath({ traceId: TRACE_ID, spans: [root, late] });
    expect(path.selfTimeUs.get(late.spanId)).toBe(5_000);
    expect(Math.max(...path.segments.map((s) => s.endUs))).toBe(root.startUs + root.durationUs);
  });

  test('a broken trace: the path follows the main root, not the orphaned fragment', () => {
    const root = span('edge', 'GET /', 'server', 0, 50);
    const orphan = span('ratings', 'GET /', 'server', 10, 20, undefined, { parentSpanId: 'ffffffffffffffff' });
    const path = criticalPath({ traceId: TRACE_ID, spans: [orphan, root] });
    expect(path.selfTimeUs.has(orphan.spanId)).toBe(false);
    expect(path.bottleneckSpanId).toBe(root.spanId);
  });

  test('an empty trace and a parent cycle do not crash or hang', () => {
    expect(criticalPath({ traceId: TRACE_ID, spans: [] }).segments).toEqual([]);
    const a = span('a', 'x', 'server', 0, 10);
    const b = span('b', 'y', 'server', 1, 5, a);
    const cyclic = { ...a, parentSpanId: b.spanId };
    expect(() => criticalPath({ traceId: TRACE_ID, spans: [cyclic, b] })).not.toThrow();
  });
});
