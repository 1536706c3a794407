import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { loadSpec } from '../../src/verify/spec';
import { verifyTraces } from '../../src/verify/verify-traces';
import type { Span } from '../../src/verify/model';
import { bookinfo, TraceBuilder } from './helpers/trace-builder';

const spec = (name: string) => loadSpec(join(REPO_ROOT, 'samples', 'expectations', `${name}.yaml`));
const failedTexts = (r: ReturnType<typeof verifyTraces>) =>
  [...r.assertions, ...r.traces.flatMap((t) => t.assertions)].filter((a) => !a.passed).map((a) => a.text);

/**
 * HotROD's /dispatch trace through Traefik (jaeger-hotrod.md §5), 7 services: the new style is real
 * Traefik 3.6 with traceVerbosity detailed (GET → Router → Service → ReverseProxy, as
 * test/real/hotrod-traefik.test.ts sees it), the old one Traefik's minimal verbosity (GET → ReverseProxy).
 */
function hotrod(style: 'new' | 'old'): { b: TraceBuilder; spans: Record<string, Span> } {
  const b = new TraceBuilder('5b8aa5a2d2c872e8321cf37308d69df2');
  const n = (route: string) => (style === 'new' ? `GET ${route}` : route);
  const tr = b.add('traefik', style === 'new' ? 'GET' : 'EntryPoint web hotrod.localhost', 'server', 0, 760, undefined, {
    'http.response.status_code': 200,
  });
  const router = style === 'new' ? b.add('traefik', 'Router', 'internal', 0, 760, tr, { 'http.route': 'Host(`hotrod.localhost`)' }) : tr;
  const service = style === 'new' ? b.add('traefik', 'Service', 'internal', 0, 759, router) : tr;
  const rp = b.add('traefik', 'ReverseProxy', 'client', 1, 758, service);
  const dispatch = b.add('frontend', n('/dispatch'), 'server', 2, 755, rp);
  const toCustomer = b.add('frontend', 'HTTP GET', 'client', 3, 305, dispatch);
  const customer = b.add('customer', n('/customer'), 'server', 4, 302, toCustomer);
  b.add('mysql', 'SQL SELECT', 'client', 5, 300, customer, {
    'db.system.name': 'mysql',
    'db.query.text': 'SELECT * FROM customer WHERE customer_id=123',
  });
  const toDriver = b.add('frontend', 'driver.DriverService/FindNearest', 'client', 310, 200, dispatch);
  const driver = b.add('driver', 'driver.DriverService/FindNearest', 'server', 311, 198, toDriver);
  b.add('redis-manual', 'FindDriverIDs', 'client', 312, 20, driver);
  for (let i = 0; i < 13; i++) {
    const failed = i % 5 === 4;
    b.add(
      'redis-manual',
      'GetDriver',
      'client',
      333 + i * 13,
      12,
      driver,
      {},
      failed ? { status: { code: 'error', message: 'redis timeout' } } : {},
    );
  }
  for (let i = 0; i < 10; i++) {
    const toRoute = b.add('frontend', 'HTTP GET', 'client', 515 + Math.floor(i / 3) * 55, 52, dispatch);
    b.add('route', n('/route'), 'server', 516 + Math.floor(i / 3) * 55, 50, toRoute);
  }
  return { b, spans: { tr, dispatch, customer, driver } };
}

describe('shipped specs in samples/expectations', () => {
  test.each(['new', 'old'] as const)('hotrod.yaml holds on the HotROD trace through Traefik (%s span-name style)', async (style) => {
    const t = hotrod(style).b.build();
    const r = verifyTraces(await spec('hotrod'), [t], { traceIds: [t.traceId] });
    expect(failedTexts(r)).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.diagnoses).toEqual([]);
  });

  test('hotrod.yaml fails when route spans are missing (HotROD without the route service): route, its edge and the service count fail', async () => {
    const { b } = hotrod('new');
    const t = { traceId: b.traceId, spans: b.spans.filter((s) => s.service !== 'route') };
    const r = verifyTraces(await spec('hotrod'), [t], { traceIds: [t.traceId] });
    expect(failedTexts(r)).toEqual([
      'route: at least 10 span(s) with service route, name /^(?:[A-Z]+ )?\\/route$/, kind server',
      'frontend-http > route',
      'services: ≥ 7',
    ]);
  });

  describe('hotrod.yaml: no Traefik span although the request went through it', () => {
    /** HotROD's spans only, /dispatch a child of the caller's span: a proxy that forwards the headers without tracing. */
    const untraced = () => {
      const { b, spans } = hotrod('new');
      const kept = b.spans
        .filter((s) => s.service !== 'traefik')
        .map((s) => (s === spans.dispatch ? { ...s, parentSpanId: '00f067aa0ba902b7' } : s));
      return { traceId: b.traceId, spans: kept };
    };

    test('untraced-hop names traefik as the party, with the entry span and its unreported parent as evidence', async () => {
      const t = untraced();
      const r = verifyTraces(await spec('hotrod'), [t], { traceIds: [t.traceId] });
      expect(failedTexts(r)).toEqual([
        'traefik: exactly 1 span(s) with service /^traefik/, name /^(GET|POST|EntryPoint\\b.*)$/, kind server',
        'traefik-proxy: exactly 1 span(s) with service /^traefik/, name ReverseProxy, kind client',
        'traefik >> traefik-proxy',
        'traefik-proxy > dispatch',
        'services: ≥ 7',
      ]);
      expect(r.diagnoses.map((d) => ({ kind: d.kind, party: d.party, hop: d.hop, title: d.title }))).toEqual([
        {
          kind: 'untraced-hop',
          party: 'traefik',
          hop: { from: 'traefik', to: 'frontend' },
          title:
            "traefik recorded no span: frontend received the caller's trace context unchanged, so traefik passed the request on untraced",
        },
      ]);
      expect(r.diagnoses[0]!.evidence[1]).toContain('its parent 00f067aa0ba902b7 is the caller');
    });

    test('real Traefik 3.6 with tracing off: no span, and HotROD answered the driver with a trace of its own: untraced-hop, party traefik', async () => {
      const t = untraced();
      const spans = t.spans.map((s) => (s.parentSpanId === '00f067aa0ba902b7' ? { ...s, parentSpanId: undefined } : s));
      const driver = {
        sampled: true,
        formats: ['w3c'],
        requests: 1,
        returnedTraceIds: [t.traceId],
        restarted: [{ sent: 'feedfacefeedfacefeedfacefeedface', returned: t.traceId }],
      };
      const r = verifyTraces(await spec('hotrod'), [{ ...t, spans }], { traceIds: [t.traceId], driver });
      expect(r.diagnoses.map((d) => ({ kind: d.kind, party: d.party, title: d.title }))).toEqual([
        {
          kind: 'untraced-hop',
          party: 'traefik',
          title: "traefik recorded no span and frontend started a new trace: the driver's context never reached frontend",
        },
      ]);
      expect(r.diagnoses[0]!.evidence[1]).toBe(
        `the driver sent trace feedfacefeedfacefeedfacefeedface; the application answered with trace ${t.traceId}, which starts at frontend "GET /dispatch" (${spans.find((s) => s.name === 'GET /dispatch')!.spanId}) with no parent`,
      );
    });

    test("Traefik traced, a hop behind it dropped the headers, HotROD answered with its own trace: the split is found in the driver's trace", async () => {
      const full = hotrod('new').b.build();
      const sentId = 'feedfacefeedfacefeedfacefeedface';
      const sent = {
        traceId: sentId,
        spans: full.spans
          .filter((s) => s.service === 'traefik')
          .map((s) => ({ ...s, traceId: sentId, ...(s.parentSpanId ? {} : { parentSpanId: '00f067aa0ba902b7' }) })),
      };
      const returned = untraced();
      const spans = returned.spans.map((s) => (s.parentSpanId === '00f067aa0ba902b7' ? { ...s, parentSpanId: undefined } : s));
      const driver = {
        sampled: true,
        formats: ['w3c'],
        requests: 1,
        returnedTraceIds: [returned.traceId],
        restarted: [{ sent: sentId, returned: returned.traceId }],
      };
      const r = verifyTraces(await spec('hotrod'), [{ ...returned, spans }], {
        traceIds: [returned.traceId],
        driver,
        pool: [sent, { ...returned, spans }],
      });
      expect(r.diagnoses.map((d) => ({ kind: d.kind, title: d.title, hop: d.hop, traceId: d.traceId }))).toEqual([
        {
          kind: 'split-trace',
          title: 'traefik → frontend lost context; check header propagation',
          hop: { from: 'traefik', to: 'frontend' },
          traceId: sentId,
        },
      ]);
      expect(r.diagnoses[0]!.evidence[0]).toMatch(
        /^client span traefik "ReverseProxy" \([0-9a-f]{16}\), .* into trace feedfacefeedfacefeedfacefeedface, has no server child$/,
      );
    });

    test('no untraced-hop when the entry span has no parent and the driver got its own id back (nothing shows a context was sent)', async () => {
      const t = untraced();
      const spans = t.spans.map((s) => (s.parentSpanId === '00f067aa0ba902b7' ? { ...s, parentSpanId: undefined } : s));
      const r = verifyTraces(await spec('hotrod'), [{ ...t, spans }], { traceIds: [t.traceId] });
      expect(r.passed).toBe(false);
      expect(r.diagnoses.filter((d) => d.kind === 'untraced-hop')).toEqual([]);
    });

    test("an earlier request's Traefik spans in the pool (10 s before) do not hide it", async () => {
      const t = untraced();
      const full = hotrod('new').b.build();
      const earlier = {
        traceId: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd',
        spans: full.spans.map((s) => ({ ...s, traceId: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', startUs: s.startUs - 10_000_000 })),
      };
      const r = verifyTraces(await spec('hotrod'), [t, earlier], { traceIds: [t.traceId] });
      expect(r.diagnoses.map((d) => d.kind)).toEqual(['untraced-hop']);
    });

    test("no untraced-hop when Traefik's spans are in another trace (the context broke, Traefik did trace)", async () => {
      const t = untraced();
      const full = hotrod('new').b.build();
      const other = {
        traceId: 'abababababababababababababababab',
        spans: full.spans.filter((s) => s.service === 'traefik').map((s) => ({ ...s, traceId: 'abababababababababababababababab' })),
      };
      const r = verifyTraces(await spec('hotrod'), [t, other], { traceIds: [t.traceId] });
      expect(r.diagnoses.filter((d) => d.kind === 'untraced-hop')).toEqual([]);
    });
  });

  test('bookinfo.yaml holds for reviews-v1 (7 spans, no ratings) and v2/v3 (9 spans)', async () => {
    for (const ratings of [false, true]) {
      const t = bookinfo(undefined, { ratings }).builder.build();
      expect(t.spans).toHaveLength(ratings ? 9 : 7);
      expect(verifyTraces(await spec('bookinfo'), [t], { traceIds: [t.traceId] }).passed).toBe(true);
    }
  });

  function relayChain(hops: string[], calls: Record<string, string[]>, b = new TraceBuilder()): TraceBuilder {
    const visit = (hop: string, parent: Span | undefined, at: number, durationMs = 100): void => {
      const server = b.add(hop, 'GET', 'server', at, durationMs, parent, {
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'url.path': '/productpage',
      });
      for (const up of calls[hop] ?? []) {
        const client = b.add(hop, 'GET', 'client', at + 1, durationMs - 2, server, {
          'http.request.method': 'GET',
          'server.address': '127.0.0.1',
          'url.full': `http://127.0.0.1:8080/productpage`,
        });
        visit(up, client, at + 2, durationMs - 10);
      }
    };
    visit(hops[0]!, undefined, 0);
    return b;
  }

  test('relay-chain.yaml holds on edge → a → b and fails, naming the hop, when a drops the context', async () => {
    const good = relayChain(['edge'], { edge: ['a'], a: ['b'] }).build();
    expect(failedTexts(verifyTraces(await spec('relay-chain'), [good], { traceIds: [good.traceId] }))).toEqual([]);
    const b = relayChain(['edge'], { edge: ['a'], a: ['b'] });
    const bServer = b.spans.find((s) => s.service === 'b')!;
    const main = { traceId: b.traceId, spans: b.spans.filter((s) => s !== bServer) };
    const frag = {
      traceId: 'abababababababababababababababab',
      spans: [{ ...bServer, traceId: 'abababababababababababababababab', parentSpanId: undefined }],
    };
    const r = verifyTraces(await spec('relay-chain'), [main, frag], { traceIds: [main.traceId] });
    expect(r.passed).toBe(false);
    expect(r.diagnoses.map((d) => d.title)).toEqual(['a → b lost context; check header propagation']);
  });

  test('relay-demo.yaml holds on edge → productpage → {details, reviews → ratings} under the demo client span', async () => {
    const b = new TraceBuilder();
    const demo = b.add('meshtrace-demo', 'GET', 'client', 0, 30);
    relayChain(['edge'], { edge: ['productpage'], productpage: ['details', 'reviews'], reviews: ['ratings'] }, b);
    const spans = b.spans.map((s) => (s.service === 'edge' && s.kind === 'server' ? { ...s, parentSpanId: demo.spanId } : s));
    const t = { traceId: b.traceId, spans };
    expect(failedTexts(verifyTraces(await spec('relay-demo'), [t], { traceIds: [t.traceId] }))).toEqual([]);
  });
});
