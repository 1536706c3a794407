/**
 * The cluster-only lab specs (Bookinfo under Istio fault injection and custom tags) judged on traces
 * shaped like Istio 1.30 + OpenTelemetry → Jaeger records them (see test/verify/helpers). A cluster
 * cannot run here; these traces are the seam. Each spec must pass on the faulted shape AND fail on
 * the plain one, so it really detects what its lab is about.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { loadSpec, verifyTraces } from '../../src/verify';
import type { Span, Trace } from '../../src/verify/model';
import { bookinfo, TraceBuilder } from '../verify/helpers/trace-builder';

const spec = (name: string) => loadSpec(join(REPO_ROOT, 'samples', 'expectations', `${name}.yaml`));
const judge = async (name: string, t: Trace) => verifyTraces(await spec(name), [t], { traceIds: [t.traceId] });
const failedTexts = (r: Awaited<ReturnType<typeof judge>>) =>
  [...r.assertions, ...r.traces.flatMap((t) => t.assertions)].filter((a) => !a.passed).map((a) => a.text);

/** jason's trace with Istio's fixed delay on reviews → ratings (applied by reviews' sidecar). */
function delayed(delayMs: number): Trace {
  const b = new TraceBuilder();
  const gw = 'istio-ingressgateway.istio-system';
  const ok = { 'http.status_code': 200 };
  const total = 120 + delayMs;
  const gateway = b.add(gw, 'productpage.bookinfo.svc.cluster.local:9080/productpage', 'server', 0, total, undefined, ok);
  const upstream = b.add(gw, 'router outbound|9080||productpage.bookinfo.svc.cluster.local; egress', 'client', 1, total - 2, gateway, ok);
  const productpage = b.add(
    'productpage.bookinfo',
    'productpage.bookinfo.svc.cluster.local:9080/productpage',
    'server',
    2,
    total - 5,
    upstream,
    ok,
  );
  const toDetails = b.add('productpage.bookinfo', 'details.bookinfo.svc.cluster.local:9080/*', 'client', 5, 20, productpage, ok);
  b.add('details.bookinfo', 'details.bookinfo.svc.cluster.local:9080/*', 'server', 6, 18, toDetails, ok);
  const toReviews = b.add('productpage.bookinfo', 'reviews.bookinfo.svc.cluster.local:9080/*', 'client', 30, delayMs + 80, productpage, ok);
  const reviews = b.add('reviews.bookinfo', 'reviews.bookinfo.svc.cluster.local:9080/*', 'server', 31, delayMs + 78, toReviews, ok);
  const toRatings = b.add('reviews.bookinfo', 'ratings.bookinfo.svc.cluster.local:9080/*', 'client', 40, delayMs + 20, reviews, ok);
  b.add('ratings.bookinfo', 'ratings.bookinfo.svc.cluster.local:9080/*', 'server', 40 + delayMs, 15, toRatings, ok);
  return b.build();
}

/** jason's trace with Istio's abort on reviews → ratings: a 500 client span, no ratings server span. */
function aborted(): Trace {
  const { builder, spans } = bookinfo(undefined, { ratings: false });
  builder.add(
    'reviews.default',
    'ratings.default.svc.cluster.local:9080/*',
    'client',
    40,
    1,
    spans.reviews as Span,
    { 'http.status_code': 500, response_flags: 'FI' },
    { status: { code: 'error' } },
  );
  return builder.build();
}

describe('bookinfo-fault-delay.yaml', () => {
  test("passes on jason's 2 s-delayed trace: reviews' client span to ratings is the bottleneck", async () => {
    const r = await judge('bookinfo-fault-delay', delayed(2000));
    expect(failedTexts(r)).toEqual([]);
    expect(r.traces[0]!.assertions.find((a) => a.text.startsWith('bottleneck'))!.detail).toMatch(
      /^bottleneck is reviews\.bookinfo "ratings\.bookinfo\.svc\.cluster\.local:9080\/\*" \([0-9a-f]{16}\): 2(\.\d+)?s self time, 9\d%$/,
    );
  });

  test('fails on an undelayed trace (another user, or the fault not applied)', async () => {
    const r = await judge('bookinfo-fault-delay', delayed(0));
    expect(r.passed).toBe(false);
    expect(failedTexts(r)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^reviews-to-ratings: duration ≥ 2s/),
        expect.stringMatching(/^bottleneck: \/\^reviews/),
      ]),
    );
  });
});

describe('bookinfo-fault-abort.yaml', () => {
  test("passes when reviews' sidecar answers 500 and ratings is never reached; nothing above reviews is an error", async () => {
    const r = await judge('bookinfo-fault-abort', aborted());
    expect(failedTexts(r)).toEqual([]);
  });

  test('fails on the plain trace: no error at reviews → ratings, and ratings was reached', async () => {
    const r = await judge('bookinfo-fault-abort', bookinfo().builder.build());
    expect(failedTexts(r)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^reviews-to-ratings: has an error span/),
        expect.stringMatching(/^absent ratings/),
        expect.stringMatching(/^reviews-to-ratings: http\.status_code = 500/),
      ]),
    );
  });

  test('fails when the error propagated up (productpage answered 500)', async () => {
    const t = aborted();
    const pp = t.spans.find((s) => s.service === 'productpage.default' && s.kind === 'server')!;
    const broken: Trace = { ...t, spans: t.spans.map((s) => (s === pp ? { ...s, status: { code: 'error' as const } } : s)) };
    expect(failedTexts(await judge('bookinfo-fault-abort', broken))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^productpage: no error spans/)]),
    );
  });
});

describe('bookinfo-custom-tags.yaml', () => {
  function tagged(team: boolean): Trace {
    const { builder } = bookinfo();
    const trace = builder.build();
    return {
      ...trace,
      spans: trace.spans.map((s) => {
        const app = s.service.split('.')[0]!;
        const pod = app.startsWith('istio') ? 'istio-ingressgateway-7d9c' : `${app}-v1-5b8f9-abcde`;
        const tags: Record<string, string> = { 'workshop.lab': '02-intermediate', 'k8s.pod.name': pod, 'workshop.scenario': 'checkout' };
        if (team && app === 'reviews') tags.team = 'reviews-team';
        return { ...s, attributes: { ...s.attributes, ...tags } };
      }),
    };
  }

  test('passes when every span has the three tags and reviews also its team', async () => {
    expect(failedTexts(await judge('bookinfo-custom-tags', tagged(true)))).toEqual([]);
  });

  test('fails without the workload-level tag, and on untagged spans', async () => {
    expect(failedTexts(await judge('bookinfo-custom-tags', tagged(false)))).toEqual(['reviews: team = reviews-team']);
    expect(failedTexts(await judge('bookinfo-custom-tags', bookinfo().builder.build()))).toEqual(
      expect.arrayContaining(['gateway: workshop.lab = 02-intermediate', 'productpage: workshop.scenario = checkout']),
    );
  });
});
