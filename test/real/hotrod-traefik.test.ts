import { jest } from '@jest/globals';
/**
 * HotROD behind Traefik, for real: the real Traefik v3.6 (`npm run peers`), configured from the
 * kit's own chart values and HotROD IngressRoute (test/real/support/traefik.ts), in front of the
 * real HotROD, both exporting to the real Jaeger as the kit renders it. One
 * `/dispatch?customer=123` through Traefik must be one trace, Traefik's spans above HotROD's, and the
 * shipped samples/expectations/hotrod.yaml (its Traefik part included) must hold on it, read back
 * through Jaeger's query API, in process and through the real `meshtrace verify` CLI. Broken
 * variants on the same Traefik process: an entrypoint with tracing off (real Traefik then records
 * nothing and passes the caller's traceparent on unchanged), diagnosed with Traefik as the party;
 * and a hop behind Traefik that drops the trace headers, so HotROD receives no traceparent.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { request } from 'undici';
import { parseConfig } from '../../src/config/load';
import { REPO_ROOT } from '../../src/paths';
import type { Span, Trace } from '../../src/verify/model';
import { JaegerV3Source } from '../../src/verify/sources/jaeger-v3';
import { loadSpec } from '../../src/verify/spec';
import { verifyTraces } from '../../src/verify/verify-traces';
import { startKitJaeger, type RunningKitJaeger } from '../support/kit-jaeger';
import { acceptsConnections, explainWithLogs, startPeerOnFreePorts, type PeerProcess } from '../support/peers';
import { BIN, runCliProcess } from '../support/run-cli-process';
import { startHotrod, type RunningHotrod } from './support/hotrod';
import { settledTrace } from './support/settled-trace';
import {
  fileProviderRoutes,
  kitHotrodIngressRoute,
  kitTraefikValues,
  startKitTraefik,
  traefikStaticConfig,
  type RunningTraefik,
} from './support/traefik';

jest.setTimeout(240_000);

const SPEC = join(REPO_ROOT, 'samples', 'expectations', 'hotrod.yaml');
/** The kit's defaults (lab profile): Traefik v3, OTLP/gRPC, sampleRate 1, traceVerbosity detailed. */
const CONFIG = parseConfig({});
const HOTROD_SERVICES = ['customer', 'driver', 'frontend', 'mysql', 'redis-manual', 'route'];
const UNTRACED = 'untraced';
/** Host of the extra route through a hop that drops the trace headers on its way to HotROD. */
const STRIPPED_HOST = 'stripped.localhost';

describe("Traefik's static config from the kit's chart values (pure)", () => {
  const seam = {
    webAddress: '127.0.0.1:18000',
    dial: {
      'jaeger-collector.observability.svc:4317': '127.0.0.1:14317',
      'jaeger-collector.observability.svc:4318': '127.0.0.1:14318',
      'hotrod:8080': '127.0.0.1:18080',
    },
  };

  test('the defaults: OTLP/gRPC insecure to the collector through the seam, sampling, service name, verbosity and captured header as the chart renders them', () => {
    const { args, env } = traefikStaticConfig(kitTraefikValues(CONFIG), seam);
    expect(args).toEqual([
      '--global.checkNewVersion=false',
      '--entryPoints.web.address=127.0.0.1:18000',
      '--entryPoints.web.observability.tracing=true',
      '--entryPoints.web.observability.traceVerbosity=detailed',
      '--ping=true',
      '--tracing.sampleRate=1',
      '--tracing.serviceName=traefik',
      '--tracing.capturedRequestHeaders=X-Request-Id',
      '--tracing.otlp=true',
      '--tracing.otlp.grpc=true',
      '--tracing.otlp.grpc.endpoint=127.0.0.1:14317',
      '--tracing.otlp.grpc.insecure=true',
    ]);
    // The chart's container env: USER for the tracer, GOMEMLIMIT = 90 % of the 256Mi limit.
    expect(env).toEqual({ USER: 'traefik', GOMEMLIMIT: '230MiB' });
  });

  test('a user config: OTLP/HTTP, propagators, sample rate, minimal verbosity and several headers follow the config', () => {
    const config = parseConfig({
      traefik: {
        transport: 'http',
        propagators: ['tracecontext', 'baggage', 'b3multi'],
        sampleRate: 0.25,
        traceVerbosity: 'minimal',
        serviceName: 'edge',
        capturedRequestHeaders: ['X-Request-Id', 'X-Tenant'],
        safeQueryParams: ['customer'],
      },
    });
    const { args, env } = traefikStaticConfig(kitTraefikValues(config), seam);
    expect(args.filter((a) => a.startsWith('--tracing.') || a.includes('traceVerbosity'))).toEqual([
      '--entryPoints.web.observability.traceVerbosity=minimal',
      '--tracing.sampleRate=0.25',
      '--tracing.serviceName=edge',
      '--tracing.capturedRequestHeaders=X-Request-Id,X-Tenant',
      '--tracing.safeQueryParams=customer',
      '--tracing.otlp=true',
      '--tracing.otlp.http=true',
      '--tracing.otlp.http.endpoint=http://127.0.0.1:14318/v1/traces',
    ]);
    expect(env.OTEL_PROPAGATORS).toBe('tracecontext,baggage,b3multi');
  });

  test('the seam refuses an in-cluster address it has no loopback port for, naming it', () => {
    const config = parseConfig({ namespaces: { observability: 'tracing' } });
    expect(() => traefikStaticConfig(kitTraefikValues(config), seam)).toThrow(
      "the kit's Traefik dials jaeger-collector.tracing.svc:4317 (tracing.otlp.grpc.endpoint), which the loopback seam has no port for",
    );
    expect(() => fileProviderRoutes(kitHotrodIngressRoute(CONFIG), { ...seam, dial: {} })).toThrow(
      'dials hotrod:8080 (IngressRoute hotrod service)',
    );
  });

  test("the kit's IngressRoute becomes one file-provider router with its rule and entrypoints", () => {
    expect(fileProviderRoutes(kitHotrodIngressRoute(CONFIG), seam)).toEqual({
      http: {
        routers: { 'hotrod-0': { rule: 'Host(`hotrod.localhost`)', entryPoints: ['web'], service: 'hotrod-8080' } },
        services: { 'hotrod-8080': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:18080' }] } } },
      },
    });
  });
});

describe("real Traefik (the kit's values) → real HotROD → real Jaeger (as the kit renders it)", () => {
  let jaeger: RunningKitJaeger | undefined;
  let hotrod: RunningHotrod | undefined;
  let traefik: RunningTraefik | undefined;
  let stripper: PeerProcess | undefined;
  const peers = (): PeerProcess[] => [
    ...(jaeger?.peers ?? []),
    ...(hotrod ? [hotrod.peer] : []),
    ...(traefik ? [traefik.peer] : []),
    ...(stripper ? [stripper] : []),
  ];

  beforeAll(async () => {
    jaeger = await startKitJaeger();
    hotrod = await startHotrod(jaeger.otlpHttpUrl, jaeger.queryUrl);
    // An untraced hop in front of HotROD that drops the trace headers (the relay's drop-context
    // fault, no span export): the broken variant where HotROD's hop receives no traceparent.
    const hotrodUrl = hotrod.frontendUrl;
    const started = await startPeerOnFreePorts(1, ([port]) => ({
      name: 'header-stripper',
      program: process.execPath,
      args: [
        BIN,
        'relay',
        '--listen',
        `127.0.0.1:${port}`,
        '--upstream',
        hotrodUrl,
        '--service-name',
        'header-stripper',
        '--fault',
        'drop-context',
      ],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: '' },
      ready: () => acceptsConnections(port!),
    }));
    stripper = started.peer;
    const stripPort = started.ports[0]!;
    // Once per file: the kit's web entrypoint and route, plus the broken variants' routes on the
    // same process: an entrypoint with tracing off, and a host routed through the stripper.
    traefik = await startKitTraefik(
      CONFIG,
      { otlpGrpcAddress: jaeger.otlpGrpcAddress, otlpHttpAddress: new URL(jaeger.otlpHttpUrl).host, hotrodFrontendUrl: hotrod.frontendUrl },
      {
        entryPoints: { [UNTRACED]: { tracing: false } },
        routers: {
          [`hotrod-${UNTRACED}`]: { rule: 'Host(`hotrod.localhost`)', entryPoints: [UNTRACED], service: 'hotrod-8080' },
          'hotrod-stripped': { rule: `Host(\`${STRIPPED_HOST}\`)`, entryPoints: ['web'], service: 'header-stripper' },
        },
        services: { 'header-stripper': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${stripPort}` }] } } },
      },
    );
    // The extra router copies the kit's rule and service: fail here if the kit's ever change.
    expect({ rule: traefik.rule, service: traefik.service }).toEqual({ rule: 'Host(`hotrod.localhost`)', service: 'hotrod-8080' });
  });

  afterAll(async () => {
    await traefik?.peer.stop();
    await stripper?.stop();
    await hotrod?.peer.stop();
    await jaeger?.stop();
  });

  const CALLER_SPAN = '00f067aa0ba902b7';
  let traceId = '';
  let trace: Trace | undefined;

  test("one /dispatch through Traefik is one trace: Traefik's GET → Router → Service → ReverseProxy, then HotROD's six services", async () => {
    await explainWithLogs(peers(), async () => {
      traceId = randomBytes(16).toString('hex');
      const res = await request(`${traefik!.webUrl}/dispatch?customer=123`, {
        headers: { host: traefik!.host, traceparent: `00-${traceId}-${CALLER_SPAN}-01`, 'x-request-id': 'kit-traefik-1' },
      });
      const body = await res.body.text();
      expect({ status: res.statusCode, driver: /"Driver":"T7\d+C"/.test(body) }).toEqual({ status: 200, driver: true });
      // HotROD answers with the trace it joined: the caller's, through Traefik.
      expect(String(res.headers['traceresponse'])).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      const isTraefik = (s: Span) => s.service === CONFIG.traefik.serviceName;
      trace = await settledTrace(
        new JaegerV3Source({ baseUrl: jaeger!.queryUrl }),
        traceId,
        "with Traefik's server span and ≥ 35 HotROD spans",
        (t) => t.spans.some((s) => isTraefik(s) && s.kind === 'server') && t.spans.filter((s) => !isTraefik(s)).length >= 35,
      );
      expect([...new Set(trace.spans.map((s) => s.service))].sort()).toEqual([...HOTROD_SERVICES, 'traefik'].sort());

      // Traefik's four spans, each the parent of the next; the first is the caller's child.
      const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
      const chain: Span[] = [];
      for (
        let s = trace.spans.find((x) => isTraefik(x) && x.kind === 'server');
        s;
        s = trace.spans.find((x) => x.parentSpanId === chain.at(-1)!.spanId && isTraefik(x))
      )
        chain.push(s);
      expect(chain.map((s) => `${s.kind} ${s.name}`)).toEqual(['server GET', 'internal Router', 'internal Service', 'client ReverseProxy']);
      expect(trace.spans.filter(isTraefik)).toHaveLength(4);
      expect(chain[0]!.parentSpanId).toBe(CALLER_SPAN);
      const dispatch = trace.spans.find((s) => s.service === 'frontend' && s.kind === 'server' && /\/dispatch$/.test(s.name))!;
      expect(byId.get(dispatch.parentSpanId!)?.name).toBe('ReverseProxy');
      expect(chain.every((s) => s.scope?.name === 'github.com/traefik/traefik')).toBe(true);

      const [server, router, service, proxy] = chain as [Span, Span, Span, Span];
      expect(server.attributes).toMatchObject({
        entry_point: 'web',
        'http.request.method': 'GET',
        'server.address': 'hotrod.localhost',
        'url.path': '/dispatch',
        // Query values are redacted unless tracing.safeQueryParams lists them (the kit lists none).
        'url.query': 'customer=REDACTED',
        'http.response.status_code': 200,
      });
      // tracing.capturedRequestHeaders [X-Request-Id]: a list attribute, as Jaeger returns it.
      expect(String(server.attributes['http.request.header.x-request-id'])).toContain('kit-traefik-1');
      expect(router.attributes).toMatchObject({
        'http.route': traefik!.rule,
        'traefik.router.name': traefik!.router,
        'traefik.service.name': `${traefik!.service}@file`,
      });
      expect(service.attributes).toMatchObject({ 'traefik.service.name': `${traefik!.service}@file` });
      expect(proxy.attributes).toMatchObject({
        'url.full': `${hotrod!.frontendUrl}/dispatch?customer=REDACTED`,
        'http.response.status_code': 200,
      });
      expect(server.resource).toMatchObject({ 'service.name': 'traefik', 'telemetry.sdk.language': 'go' });
    });
  });

  test('the shipped hotrod.yaml (Traefik part included) holds on that trace', async () => {
    expect(trace).toBeDefined();
    const r = verifyTraces(await loadSpec(SPEC), [trace!], { traceIds: [traceId] });
    const failed = [...r.assertions, ...r.traces.flatMap((t) => t.assertions)].filter((a) => !a.passed).map((a) => a.text);
    expect(failed).toEqual([]);
    expect({ passed: r.passed, diagnoses: r.diagnoses }).toEqual({ passed: true, diagnoses: [] });
  });

  test("meshtrace verify (the real CLI) drives Traefik with the spec's Host header and passes hotrod.yaml against the real Jaeger", async () => {
    await explainWithLogs(peers(), async () => {
      const run = await runCliProcess(
        [
          'verify',
          '--spec',
          SPEC,
          '--jaeger-url',
          jaeger!.queryUrl,
          '--trigger',
          `${traefik!.webUrl}/dispatch?customer=123`,
          '--timeout',
          '60s',
          '--json',
        ],
        120_000,
      );
      const doc = JSON.parse(run.stdout);
      expect({ code: run.code, passed: doc.passed, traces: doc.traces.length, diagnoses: doc.diagnoses }).toEqual({
        code: 0,
        passed: true,
        traces: 1,
        diagnoses: [],
      });
      expect(doc.traces[0].services).toEqual([...HOTROD_SERVICES, 'traefik'].sort());
      expect(doc.spansSeen).toBeGreaterThanOrEqual(39);
      // Traefik joined the driver's trace (its GET span is the driver's span's child), not one of its
      // own: with traceparent flags 03 OpenTelemetry Go 1.41 (Traefik 3.6.12) rooted a new trace.
      const judged = (await new JaegerV3Source({ baseUrl: jaeger!.queryUrl }).getTrace(doc.traces[0].traceId))!;
      expect(judged.spans.find((s) => s.service === 'traefik' && s.kind === 'server')?.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
    });
  });

  test("tracing off on the entrypoint: Traefik forwards the caller's context untraced; verify fails and names traefik as the party", async () => {
    await explainWithLogs(peers(), async () => {
      const run = await runCliProcess(
        [
          'verify',
          '--spec',
          SPEC,
          '--jaeger-url',
          jaeger!.queryUrl,
          '--trigger',
          `${traefik!.entryPointUrls[UNTRACED]}/dispatch?customer=123`,
          '--timeout',
          '30s',
          '--json',
        ],
        120_000,
      );
      const doc = JSON.parse(run.stdout);
      expect(run.code).toBe(1);
      // Real Traefik 3.6.12: no span of its own, the driver's traceparent passed on unchanged, so
      // HotROD's /dispatch is the driver's span's child in the driver's trace.
      const judged = doc.traces[0];
      expect({ traces: doc.traces.length, services: judged.services, missing: doc.missingTraceIds }).toEqual({
        traces: 1,
        services: HOTROD_SERVICES,
        missing: [],
      });
      const entry = (await new JaegerV3Source({ baseUrl: jaeger!.queryUrl }).getTrace(judged.traceId))!.spans.find(
        (s) => s.service === 'frontend' && s.kind === 'server' && /\/dispatch$/.test(s.name),
      )!;
      expect(entry.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
      const failed = judged.assertions.filter((a: { passed: boolean }) => !a.passed).map((a: { text: string }) => a.text);
      expect(failed).toEqual(expect.arrayContaining(['traefik-proxy > dispatch', 'services: ≥ 7']));
      expect(
        doc.diagnoses.map((d: { kind: string; party?: string; hop?: unknown; title: string }) => ({
          kind: d.kind,
          party: d.party,
          hop: d.hop,
          title: d.title,
        })),
      ).toEqual([
        {
          kind: 'untraced-hop',
          party: 'traefik',
          hop: { from: 'traefik', to: 'frontend' },
          title:
            "traefik recorded no span: frontend received the caller's trace context unchanged, so traefik passed the request on untraced",
        },
      ]);
      expect(doc.diagnoses[0].evidence[1]).toContain(`its parent ${entry.parentSpanId} is the caller's`);
    });
  });

  test("HotROD receives no traceparent (a hop behind Traefik drops it): verify fails with the split at traefik → frontend, found in the driver's trace", async () => {
    await explainWithLogs(peers(), async () => {
      const run = await runCliProcess(
        [
          'verify',
          '--spec',
          SPEC,
          '--jaeger-url',
          jaeger!.queryUrl,
          '--trigger',
          `${traefik!.webUrl}/dispatch?customer=123`,
          '--header',
          `host: ${STRIPPED_HOST}`,
          '--timeout',
          '30s',
          '--json',
        ],
        120_000,
      );
      const doc = JSON.parse(run.stdout);
      expect(run.code).toBe(1);
      // HotROD returns the id of the trace it started; that one is judged, Traefik's half is in the pool.
      expect({ traces: doc.traces.length, services: doc.traces[0].services }).toEqual({ traces: 1, services: HOTROD_SERVICES });
      const split = doc.diagnoses.map((d: { kind: string; hop?: unknown; title: string; traceId?: string }) => ({
        kind: d.kind,
        hop: d.hop,
        title: d.title,
        judged: d.traceId === doc.traces[0].traceId,
      }));
      // Nothing on either side records the headers (Traefik captures only X-Request-Id, HotROD none), so no party is named.
      expect(split).toEqual([
        {
          kind: 'split-trace',
          hop: { from: 'traefik', to: 'frontend' },
          title: 'traefik → frontend lost context; check header propagation',
          judged: false,
        },
      ]);
      expect(doc.diagnoses[0].evidence[0]).toMatch(/^client span traefik "ReverseProxy" /);
    });
  });
});
