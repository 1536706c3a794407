/**
 * Zipkin as the storage, for real: the Zipkin server 3.6.1 (Maven Central exec jar, installed by `npm
 * run peers`; in-memory storage, one loopback port, started once for the file: its JVM takes 10–30 s)
 * receives the spans of real Envoy 1.40 proxies in the Bookinfo-shaped chain, configured by the kit
 * as Istio configures its `zipkin` provider (Envoy's Zipkin tracer, HTTP JSON to /api/v2/spans,
 * 128-bit ids, no shared span context, W3C read beside B3). The verifier reads them back through
 * Zipkin's API v2, in process and as `meshtrace verify --zipkin-url`: the shipped
 * samples/expectations/bookinfo.yaml holds, and an app that drops the headers is diagnosed at its hop.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { request } from 'undici';
import { REPO_ROOT } from '../../src/paths';
import { findEnvoy } from '../../src/envoy';
import { ProcessSupervisor } from '../../src/demo/supervisor';
import type { EnvoyMeshOptions, StartedEnvoyMesh } from '../../src/demo/start-envoy-mesh';
import { connectZipkin, loadSpec, zipkinSource, type Spec } from '../../src/verify';
import { explainWithLogs, peerPath, startPeerOnFreePorts, waitFor, type PeerProcess } from '../support/peers';
import { runCliProcess } from '../support/run-cli-process';
import {
  bookinfoHops,
  byName,
  expectSplitInsideReviews,
  kitConfig,
  runMesh,
  startMesh,
  type MeshRunOptions,
  type Run,
} from './support/envoy-bookinfo';

const SPEC = join(REPO_ROOT, 'samples', 'expectations', 'bookinfo.yaml');
const LONG = 240_000;
/** Istio's zipkin provider as a user writes it, W3C read beside B3 so the driver's traceparent is continued. */
const ZIPKIN_PROVIDER = { type: 'zipkin', traceContextOption: 'USE_B3_WITH_W3C_PROPAGATION' };
/** The two ways the provider is met: W3C beside B3 (the shipped spec's w3c driver), and Istio's default, B3 only. */
const PROVIDERS = [
  {
    flavour: 'B3 with W3C (traceContextOption USE_B3_WITH_W3C_PROPAGATION), the spec driving W3C',
    provider: ZIPKIN_PROVIDER,
    propagation: undefined,
  },
  {
    flavour: "B3 only (Istio's default), the driver sending B3 multi",
    provider: { type: 'zipkin' },
    propagation: ['b3multi', 'envoy'] as const,
  },
];

let zipkin: PeerProcess | undefined;
let zipkinUrl: string;
let zipkinPort: number;
let envoy: string;
let spec: Spec;

beforeAll(async () => {
  envoy = findEnvoy().path;
  spec = await loadSpec(SPEC);
  // Armeria's port list replaces the default entry whole: address, port and protocol all given.
  const started = await startPeerOnFreePorts(1, ([port]) => ({
    name: 'zipkin',
    program: peerPath('zipkin-server'),
    args: [`--armeria.ports[0].ip=127.0.0.1`, `--armeria.ports[0].port=${port}`, '--armeria.ports[0].protocols[0]=http'],
    env: { STORAGE_TYPE: 'mem', SELF_TRACING_ENABLED: 'false', JAVA_OPTS: '-Xms64m -Xmx512m -XX:TieredStopAtLevel=1' },
    healthUrl: `http://127.0.0.1:${port}/health`,
    startTimeoutMs: 180_000,
  }));
  zipkin = started.peer;
  zipkinPort = started.ports[0]!;
  zipkinUrl = `http://127.0.0.1:${zipkinPort}`;
}, LONG);

afterAll(async () => {
  await zipkin?.stop();
});

/** One mesh run exporting to this file's Zipkin and read back through its API v2. */
function runThroughZipkin(
  opts: Omit<MeshRunOptions, 'envoy' | 'spec' | 'sink' | 'config'> & { provider?: Record<string, unknown> } = {},
): Promise<Run> {
  const { provider = ZIPKIN_PROVIDER, ...rest } = opts;
  return explainWithLogs([zipkin], () =>
    runMesh({
      envoy,
      spec,
      config: kitConfig({ provider }),
      sink: async () => ({ source: zipkinSource(await connectZipkin({ baseUrl: zipkinUrl }), zipkinUrl), collectorPort: zipkinPort }),
      ...rest,
    }),
  );
}

/** Zipkin's own answer for a trace, as stored (the conversion must keep every entry). */
async function rawTrace(traceId: string): Promise<Array<Record<string, any>>> {
  const res = await request(`${zipkinUrl}/api/v2/trace/${traceId}`, { headersTimeout: 5000, bodyTimeout: 5000 });
  return (await res.body.json()) as Array<Record<string, any>>;
}

describe('the real Zipkin server', () => {
  test(
    'it is the pinned Zipkin, on loopback, in memory',
    async () => {
      const res = await request(`${zipkinUrl}/health`, { headersTimeout: 5000, bodyTimeout: 5000 });
      const health = (await res.body.json()) as { status: string; zipkin: { details: Record<string, unknown> } };
      expect(health.status).toBe('UP');
      expect(Object.keys(health.zipkin.details)).toEqual(['InMemoryStorage{}']);
      const info = await request(`${zipkinUrl}/info`, { headersTimeout: 5000, bodyTimeout: 5000 });
      expect(((await info.body.json()) as { zipkin: { version: string } }).zipkin.version).toBe('3.6.1');
    },
    LONG,
  );

  test(
    'what Zipkin does to posted spans (shared halves, 64-bit ids, names, errors) is what the source reads back',
    async () => {
      // Brave-style B3 shared spans in a 64-bit trace, posted to Zipkin's own collector endpoint.
      const traceId = randomBytes(8).toString('hex');
      const [root, call, child] = [randomBytes(8).toString('hex'), randomBytes(8).toString('hex'), randomBytes(8).toString('hex')];
      const now = Date.now() * 1000;
      const spans = [
        {
          traceId,
          id: root,
          name: 'GET /Home',
          kind: 'SERVER',
          timestamp: now,
          duration: 9000,
          localEndpoint: { serviceName: 'Frontend' },
        },
        {
          traceId,
          id: call,
          parentId: root,
          name: 'GET /api',
          kind: 'CLIENT',
          timestamp: now + 1000,
          duration: 6000,
          localEndpoint: { serviceName: 'Frontend' },
          annotations: [{ timestamp: now + 1100, value: 'ws' }],
        },
        {
          traceId,
          id: call,
          parentId: root,
          name: 'GET /api',
          kind: 'SERVER',
          shared: true,
          timestamp: now + 1500,
          duration: 5000,
          localEndpoint: { serviceName: 'backend' },
          tags: { error: 'upstream reset' },
        },
        {
          traceId,
          id: child,
          parentId: call,
          name: 'select',
          timestamp: now + 2000,
          duration: 1000,
          localEndpoint: { serviceName: 'backend' },
          tags: { error: '' },
        },
      ];
      const posted = await request(`${zipkinUrl}/api/v2/spans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spans),
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
      await posted.body.dump();
      expect(posted.statusCode).toBe(202);
      const source = await connectZipkin({ baseUrl: zipkinUrl });
      // Zipkin stores asynchronously: poll until all four entries are there.
      const padded = traceId.padStart(32, '0');
      const trace = await waitFor('the posted trace', async () => {
        const t = await source.getTrace(padded);
        return t && t.spans.length === 4 ? t : undefined;
      });
      expect(trace.traceId).toBe(padded);
      const raw = await rawTrace(traceId);
      // Real Zipkin keeps both halves under one id, and lowercases service and span names.
      expect(raw.filter((r) => r.id === call).map((r) => [r.kind, r.shared ?? false])).toEqual(
        expect.arrayContaining([
          ['CLIENT', false],
          ['SERVER', true],
        ]),
      );
      expect(raw.map((r) => r.localEndpoint.serviceName).sort()).toEqual(['backend', 'backend', 'frontend', 'frontend']);
      expect(raw.find((r) => r.id === root)!.name).toBe('get /home');
      const by = (service: string, kind: string) => trace.spans.find((s) => s.service === service && s.kind === kind)!;
      const [rootSpan, client, server] = [by('frontend', 'server'), by('frontend', 'client'), by('backend', 'server')];
      const select = trace.spans.find((s) => s.name === 'select')!;
      expect(new Set(trace.spans.map((s) => s.spanId)).size).toBe(4);
      expect(server.spanId).toBe(call);
      expect(client.parentSpanId).toBe(root);
      expect(server.parentSpanId).toBe(client.spanId);
      expect(select).toMatchObject({ parentSpanId: call, kind: 'unspecified', status: { code: 'error' } });
      expect(server.status).toEqual({ code: 'error', message: 'upstream reset' });
      expect(rootSpan).toMatchObject({ name: 'get /home', startUs: now, durationUs: 9000 });
      expect(client.events).toEqual([{ name: 'ws', timeUs: now + 1100, attributes: {} }]);
    },
    LONG,
  );
});

describe('Bookinfo through real Envoy proxies with the zipkin provider, read back from real Zipkin', () => {
  test.each(PROVIDERS)(
    '$flavour: the shipped bookinfo spec passes; the tree is client → server at every hop, as Zipkin stored it',
    async ({ provider, propagation }) => {
      const { outcome, driven } = await runThroughZipkin({ provider, ...(propagation ? { propagation } : {}) });
      expect(outcome.result.diagnoses).toEqual([]);
      expect(outcome.result.passed).toBe(true);
      const traces = outcome.traces.filter((t) => driven.includes(t.traceId));
      expect(traces).toHaveLength(3);
      for (const t of traces) {
        const raw = await rawTrace(t.traceId);
        // Every span Zipkin stored, once, with its own id (no shared span context: no id appears twice).
        expect(t.spans).toHaveLength(9);
        expect(raw).toHaveLength(9);
        expect(new Set(raw.map((s) => s.id)).size).toBe(9);
        expect(raw.every((s) => s.traceId === t.traceId && s.shared === undefined)).toBe(true);
        const gw = 'istio-ingressgateway.istio-system';
        const [root] = byName(t, gw, 'productpage.bookinfo.svc.cluster.local:9080/productpage');
        // The gateway continues the driver's context (traceparent, or x-b3-*): its server span's parent is the driver's span id.
        expect(root).toMatchObject({ kind: 'server' });
        expect(root!.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
        const [upstream] = byName(t, gw, 'router outbound|9080||productpage.bookinfo.svc.cluster.local egress');
        expect(upstream).toMatchObject({ kind: 'client', parentSpanId: root!.spanId });
        for (const { client, server } of bookinfoHops(t)) {
          // Envoy's Zipkin tracer marks the ends as annotations: cr on the client, ss on the server.
          expect(client!.events.map((e) => e.name)).toEqual(['cr']);
          expect(server!.events.map((e) => e.name)).toEqual(['ss']);
          expect(server!.events[0]!.timeUs).toBeGreaterThanOrEqual(server!.startUs);
        }
        for (const s of t.spans) {
          const stored = raw.find((r) => r.id === s.spanId)!;
          // Service from localEndpoint (node.cluster), tags as string attributes, times in µs.
          expect(s.service).toBe(stored.localEndpoint.serviceName);
          expect(s.resource).toEqual({ 'service.name': stored.localEndpoint.serviceName });
          expect(s.attributes).toEqual(stored.tags);
          expect([s.startUs, s.durationUs]).toEqual([stored.timestamp, stored.duration]);
          expect(s.attributes).toMatchObject({ component: 'proxy', 'kit.run_id': 'real-envoy', 'http.status_code': '200' });
          expect(s.status.code).toBe('unset');
        }
      }
      // Without trace ids the spec's services are searched (GET /api/v2/traces): the driven traces are
      // among those found, whole.
      const search = zipkinSource(await connectZipkin({ baseUrl: zipkinUrl }), zipkinUrl, { lookbackUs: 10 * 60_000_000 });
      const found = await search.fetch({ spec });
      expect(found.backend).toMatchObject({ kind: 'zipkin', url: zipkinUrl });
      for (const t of traces) expect(found.traces.find((f) => f.traceId === t.traceId)?.spans).toHaveLength(9);
    },
    LONG,
  );

  test(
    'an app that drops the headers (relay --fault drop-context): the split is inside reviews, the app is to blame',
    async () => {
      const { outcome } = await runThroughZipkin({ apps: { reviews: { kind: 'relay', args: ['--fault', 'drop-context'] } } });
      expectSplitInsideReviews(outcome);
    },
    LONG,
  );

  test(
    "Istio's default zipkin provider (B3 only) and a W3C-only client: the gateway starts its own trace, the driven ids have none",
    async () => {
      // The misconfiguration traceContextOption exists for: Envoy's Zipkin tracer ignores traceparent, and
      // x-client-trace-id still forces a trace, so spans arrive under ids the driver never sent.
      const { outcome, driven } = await runThroughZipkin({ provider: { type: 'zipkin' }, propagation: ['w3c', 'envoy'] });
      expect(outcome.result.passed).toBe(false);
      expect(outcome.traces.filter((t) => driven.includes(t.traceId))).toEqual([]);
      const [d, ...rest] = outcome.result.diagnoses;
      expect(rest).toEqual([]);
      expect(d).toMatchObject({ kind: 'no-trace', cause: 'context-not-joined' });
      expect(d!.hint).toContain('it does not read the w3c, envoy headers the driver sent (a tracer reading only B3');
      expect(d!.title).toMatch(
        /^no trace found for trace [0-9a-f]{32}, [0-9a-f]{32}, [0-9a-f]{32}, although spans of the expected services arrived$/,
      );
      // The evidence is in the spans: the gateway recorded the driver's traceparent (a custom tag) on a trace of another id.
      const gateway = (await zipkinSource(await connectZipkin({ baseUrl: zipkinUrl }), zipkinUrl).fetch({ spec, traceIds: driven })).pool
        .flatMap((t) => t.spans.map((s) => ({ s, traceId: t.traceId })))
        .filter(
          ({ s }) =>
            s.service === 'istio-ingressgateway.istio-system' &&
            s.kind === 'server' &&
            driven.some((id) => String(s.attributes['http.request.header.traceparent'] ?? '').includes(id)),
        );
      expect(gateway).toHaveLength(3);
      for (const { traceId } of gateway) expect(driven).not.toContain(traceId);
    },
    LONG,
  );

  test(
    'meshtrace verify --zipkin-url: the real CLI drives the mesh and passes (exit 0), and fails at the broken hop (exit 1)',
    async () => {
      const check = async (apps: EnvoyMeshOptions['apps']): Promise<{ code: number | null; json: any; stderr: string }> => {
        const supervisor = new ProcessSupervisor({ killGraceMs: 3000 });
        let mesh: StartedEnvoyMesh | undefined;
        try {
          mesh = await startMesh({
            envoy,
            config: kitConfig({ provider: ZIPKIN_PROVIDER }),
            collector: { host: '127.0.0.1', port: zipkinPort },
            supervisor,
            apps,
          });
          const run = await runCliProcess(
            [
              'verify',
              '--spec',
              SPEC,
              '--zipkin-url',
              zipkinUrl,
              '--trigger',
              `${mesh.gatewayUrl}/productpage`,
              '--timeout',
              '60s',
              '--json',
            ],
            150_000,
          );
          return { code: run.code, json: run.stdout ? JSON.parse(run.stdout) : undefined, stderr: run.stderr };
        } finally {
          await supervisor.stopAll();
          await mesh?.close();
        }
      };
      await explainWithLogs([zipkin], async () => {
        const ok = await check(undefined);
        expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
        expect(ok.json.passed).toBe(true);
        expect(ok.json.source).toBe(`Zipkin /api/v2 at ${zipkinUrl}`);
        expect(ok.json.traces).toHaveLength(3);
        const broken = await check({ reviews: { kind: 'relay', args: ['--fault', 'drop-context'] } });
        expect(broken.code).toBe(1);
        expect(broken.json.passed).toBe(false);
        expect(broken.json.diagnoses.map((d: any) => [d.kind, d.party])).toContainEqual(['split-trace', 'reviews.bookinfo']);
      });
    },
    LONG,
  );
});
