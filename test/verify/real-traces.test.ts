/**
 * The shipped Bookinfo spec and the diagnosis on real Istio recordings (Grafana Tempo answers kept by
 * kiali/kiali, see shared/reference/real-traces/README.md), read as `--trace-file` reads them: the
 * format is told by the document, never converted by hand. Broken variants are made in memory from
 * the real trace (a hop's context lost, a span never reported) so the diagnosis meets real Envoy
 * attributes (Zipkin tracer: `cr`/`ss` events, `upstream_cluster`, string status codes).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, referencePath } from '../../src/paths';
import { loadSpec, verifyTraces, type Span, type Trace } from '../../src/verify';
import { loadTraceFile, TraceFileError } from '../../src/verify/sources/trace-file';
import { matchSpan } from '../../src/verify/matcher';

const KIALI = (f: string): string => referencePath('real-traces', 'kiali', f);
const BOOKINFO = join(REPO_ROOT, 'samples', 'expectations', 'bookinfo.yaml');
const TRACE_ID = '3ba55609c3cde49649cd77d1f9dcd936';

async function realTrace(): Promise<Trace> {
  const traces = await loadTraceFile(KIALI('responseTrace.json'));
  expect(traces).toHaveLength(1);
  return traces[0]!;
}

const byService = (t: Trace, service: string, kind: Span['kind']): Span => t.spans.find((s) => s.service === service && s.kind === kind)!;

/** The spans at and under `top` (by parent ids). */
function subtree(t: Trace, top: Span): Set<string> {
  const ids = new Set([top.spanId]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of t.spans) {
      if (s.parentSpanId && ids.has(s.parentSpanId) && !ids.has(s.spanId)) {
        ids.add(s.spanId);
        grew = true;
      }
    }
  }
  return ids;
}

describe('real Istio Bookinfo trace (Tempo GET /api/traces/{id}, Envoy Zipkin tracer)', () => {
  test('the Tempo answer is read directly: base64 ids as hex, kinds, Zipkin cr/ss events, the tree', async () => {
    const t = await realTrace();
    expect(t.traceId).toBe(TRACE_ID);
    expect(t.spans).toHaveLength(8);
    // Envoy's Zipkin tracer makes the root span id the trace id's low 64 bits
    const root = t.spans.find((s) => s.parentSpanId === undefined)!;
    expect([root.spanId, root.service, root.kind]).toEqual(['49cd77d1f9dcd936', 'istio-ingressgateway.istio-system', 'client']);
    expect(t.spans.map((s) => s.events.map((e) => e.name).join()).sort()).toEqual([...Array(4).fill('cr'), ...Array(4).fill('ss')]);
    expect(t.spans.filter((s) => s.kind === 'client').every((s) => s.events[0]!.name === 'cr')).toBe(true);
    expect(byService(t, 'ratings.bookinfo', 'server').parentSpanId).toBe(byService(t, 'reviews.bookinfo', 'client').spanId);
    expect(byService(t, 'reviews.bookinfo', 'server').attributes['http.status_code']).toBe('200');
  });

  test('the shipped bookinfo.yaml passes on it with no diagnosis', async () => {
    const t = await realTrace();
    const result = verifyTraces(await loadSpec(BOOKINFO), [t], { pool: [t] });
    expect(result.traces[0]!.assertions.filter((a) => !a.passed)).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.diagnoses).toEqual([]);
  });

  test('`meshtrace verify --trace-file` on the recording exits 0; on a Tempo search answer it exits 2 saying what to fetch', async () => {
    const run = (file: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(REPO_ROOT, 'bin', 'meshtrace.mjs'), 'verify', '--spec', BOOKINFO, '--trace-file', KIALI(file)],
          { cwd: REPO_ROOT, timeout: 110_000, env: { ...process.env, NO_COLOR: '1' } },
          (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const ok = await run('responseTrace.json');
    expect(ok.stdout).toContain(TRACE_ID);
    expect(ok.code).toBe(0);
    const search = await run('responseAmbient.json');
    expect(search.stderr).toContain('GET /api/traces/{id} for 02e299711ce47710289dc6640727404f');
    expect(search.code).toBe(2);
  }, 120_000);

  test('productpage → reviews losing the context (reviews restarts the trace): split-trace at that hop, productpage must forward the headers', async () => {
    // GIVEN the real trace with reviews' subtree moved to a new trace id and reviews' server span a root
    const t = await realTrace();
    const reviews = byService(t, 'reviews.bookinfo', 'server');
    const moved = subtree(t, reviews);
    const other = 'aaaaaaaaaaaaaaaa' + TRACE_ID.slice(16);
    const split = (s: Span): Span => {
      if (!moved.has(s.spanId)) return s;
      const { parentSpanId, ...rest } = s;
      return s.spanId === reviews.spanId
        ? { ...rest, traceId: other }
        : { ...rest, traceId: other, ...(parentSpanId ? { parentSpanId } : {}) };
    };
    const main: Trace = { traceId: TRACE_ID, spans: t.spans.filter((s) => !moved.has(s.spanId)) };
    const lost: Trace = { traceId: other, spans: t.spans.filter((s) => moved.has(s.spanId)).map(split) };
    // WHEN verified with both traces in the pool
    const result = verifyTraces(await loadSpec(BOOKINFO), [main, lost], { traceIds: [TRACE_ID], pool: [main, lost] });
    // THEN the spec fails at productpage-to-reviews > reviews and the diagnosis names that hop
    expect(result.passed).toBe(false);
    expect(result.diagnoses.map((d) => [d.kind, d.hop])).toEqual([
      ['split-trace', { from: 'productpage.bookinfo', to: 'reviews.bookinfo' }],
    ]);
    expect(result.diagnoses[0]!.hint).toMatch(/^productpage\.bookinfo must copy the incoming trace headers/);
  });

  test('details and reviews both losing the context: each split is paired with its own callee (Envoy upstream_cluster)', async () => {
    const t = await realTrace();
    const roots = [byService(t, 'details.bookinfo', 'server'), byService(t, 'reviews.bookinfo', 'server')];
    const traces: Trace[] = roots.map((r, i) => {
      const ids = subtree(t, r);
      const id = `${'bc'[i]!.repeat(16)}${TRACE_ID.slice(16)}`;
      return {
        traceId: id,
        spans: t.spans
          .filter((s) => ids.has(s.spanId))
          .map((s) => (s.spanId === r.spanId ? (({ parentSpanId: _p, ...rest }) => ({ ...rest, traceId: id }))(s) : { ...s, traceId: id })),
      };
    });
    const movedIds = new Set(traces.flatMap((x) => x.spans.map((s) => s.spanId)));
    const main: Trace = { traceId: TRACE_ID, spans: t.spans.filter((s) => !movedIds.has(s.spanId)) };
    const result = verifyTraces(await loadSpec(BOOKINFO), [main, ...traces], { traceIds: [TRACE_ID], pool: [main, ...traces] });
    expect(result.diagnoses.map((d) => [d.kind, d.hop?.to, d.spanIds?.[1]])).toEqual(
      expect.arrayContaining([
        ['split-trace', 'details.bookinfo', roots[0]!.spanId],
        ['split-trace', 'reviews.bookinfo', roots[1]!.spanId],
      ]),
    );
  });

  test("productpage's server span never reported: orphan spans at productpage.bookinfo", async () => {
    const t = await realTrace();
    const missing = byService(t, 'productpage.bookinfo', 'server');
    const partial: Trace = { traceId: TRACE_ID, spans: t.spans.filter((s) => s.spanId !== missing.spanId) };
    const result = verifyTraces(await loadSpec(BOOKINFO), [partial], { traceIds: [TRACE_ID], pool: [partial] });
    expect(result.passed).toBe(false);
    const orphan = result.diagnoses.find((d) => d.kind === 'orphan-spans')!;
    expect(orphan.hop).toEqual({ from: 'productpage.bookinfo' });
    expect(orphan.evidence.join('\n')).toContain(`parent ${missing.spanId} was never reported`);
  });
});

describe('Tempo search answers (GET /api/search) are refused with the ids to fetch', () => {
  test.each([
    ['response.json', '100cb753c787ed5657c8d88dafc176ed'],
    // Tempo's search dropped this id's leading zero (31 hex characters): it is padded back
    ['responseAmbient.json', '02e299711ce47710289dc6640727404f'],
  ])('%s', async (file, id) => {
    const err = await loadTraceFile(KIALI(file)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TraceFileError);
    expect((err as Error).message).toContain('a Grafana Tempo search answer (GET /api/search)');
    expect((err as Error).message).toContain(`GET /api/traces/{id} for ${id}`);
  });

  test("the ambient recording's Gateway-API gateway span is matched by bookinfo.yaml's gateway matcher", async () => {
    // The search answer is not a trace, but its gateway span's name and service are real output.
    const doc = JSON.parse(readFileSync(KIALI('responseAmbient.json'), 'utf8')) as {
      traces: {
        serviceStats?: Record<string, unknown>;
        spanSets: { spans: { name?: string; attributes: { key: string; value: { stringValue?: string } }[] }[] }[];
      }[];
    };
    const first = doc.traces[0]!;
    const gatewayService = Object.keys(first.serviceStats ?? {}).find((s) => s.startsWith('bookinfo-gateway'))!;
    const gatewaySpan = first.spanSets
      .flatMap((x) => x.spans)
      .find((s) => s.attributes.some((a) => a.key === 'node_id' && a.value.stringValue?.startsWith('router~')))!;
    const spec = await loadSpec(BOOKINFO);
    const gateway = spec.matchers.find((m) => m.id === 'gateway')!;
    const span: Span = {
      traceId: '0'.repeat(32),
      spanId: '1'.repeat(16),
      service: gatewayService,
      name: gatewaySpan.name!,
      kind: 'client',
      startUs: 0,
      durationUs: 1,
      attributes: {},
      resource: {},
      events: [],
      status: { code: 'unset' },
    };
    expect([gatewayService, gatewaySpan.name]).toEqual([
      'bookinfo-gateway-istio.bookinfo',
      'productpage.bookinfo.svc.cluster.local:9080/productpage',
    ]);
    expect(matchSpan(gateway, span)).toBe(true);
  });
});
