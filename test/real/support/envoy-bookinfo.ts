/**
 * Bookinfo's data plane for real, shared by the suites that read its traces back from a real backend
 * (test/real/envoy-bookinfo.test.ts: the embedded receiver and Jaeger; test/real/zipkin.test.ts:
 * Zipkin): the kit config the proxies are built from, one run of the mesh (start, drive the spec's
 * trigger through the gateway, wait until the proxies have flushed, verify, stop), and real Jaeger.
 */
import { writeFile, mkdtemp } from 'node:fs/promises';
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load';
import type { MeshtraceConfig } from '../../../src/config/schema';
import { startEnvoyMesh, type AppVariant, type EnvoyMeshOptions, type StartedEnvoyMesh } from '../../../src/demo/start-envoy-mesh';
import { ProcessStartError, ProcessSupervisor } from '../../../src/demo/supervisor';
import type { BookinfoApp } from '../../../src/envoy/bookinfo-mesh';
import { expect } from '@jest/globals';
import {
  connectJaeger,
  drive,
  jaegerSource,
  pollAndVerify,
  receiverSource,
  startOtlpReceiver,
  type OtlpReceiver,
  type PollOutcome,
  type Span,
  type Spec,
  type Trace,
  type TraceSource,
} from '../../../src/verify';
import { allocatePorts } from '../../../src/demo/start-topology';
import { peersDir } from '../../../src/envoy/envoy-binary';
import { toYaml } from '../../../src/yaml/dump';
import type { PropagationFormatName } from '../../../src/verify/spec';
import { waitUntil } from '../../support/wait-until';

/** The kit config the mesh is built from: the lab defaults plus what Istio users set on a Telemetry. */
export function kitConfig(over: Record<string, unknown> = {}): MeshtraceConfig {
  return parseConfig({
    istio: {
      // OTLP/HTTP: the embedded receiver speaks only HTTP (Istio: provider.opentelemetry.http).
      provider: { http: { path: '/v1/traces' } },
      customTags: {
        'kit.run_id': { literal: { value: 'real-envoy' } },
        'kit.pod': { environment: { name: 'POD_NAME', defaultValue: 'unknown' } },
        'kit.scenario': { header: { name: 'x-kit-scenario', defaultValue: 'none' } },
        // What arrived on each proxy, for the diagnosis (Envoy reads these after its tracer wrote its own).
        'http.request.header.traceparent': { header: { name: 'traceparent' } },
        'http.request.header.x-b3-traceid': { header: { name: 'x-b3-traceid' } },
        'http.request.header.x-b3-sampled': { header: { name: 'x-b3-sampled' } },
      },
      ...over,
    },
  });
}

/** The Jaeger `npm run peers` installs (Jaeger v2 from Go module github.com/jaegertracing/jaeger@v1.75.0). */
function jaegerPath(): string {
  const path = join(peersDir(), 'jaeger-1.75.0', 'bin', 'jaeger');
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`jaeger is not installed at ${path}; run \`npm run peers\``);
  }
  return path;
}

export interface Run {
  readonly outcome: PollOutcome;
  readonly mesh: StartedEnvoyMesh;
  readonly driven: readonly string[];
}

/** startEnvoyMesh, with what a proxy that would not start printed in the error (Envoy says why on stderr). */
export async function startMesh(options: EnvoyMeshOptions): Promise<StartedEnvoyMesh> {
  try {
    return await startEnvoyMesh(options);
  } catch (err) {
    if (err instanceof ProcessStartError) err.message = `${err.message}; its last output:\n${err.recentOutput.join('\n')}`;
    throw err;
  }
}

/** A backend the proxies export to (its loopback port) and the verifier reads from. */
export interface MeshSink {
  readonly source: TraceSource;
  readonly collectorPort: number;
}

export interface MeshRunOptions {
  /** The Envoy binary. */
  readonly envoy: string;
  /** The spec verified; its trigger is driven through the gateway. */
  readonly spec: Spec;
  /** @default kitConfig() */
  readonly config?: MeshtraceConfig;
  readonly apps?: Partial<Record<BookinfoApp, AppVariant>>;
  readonly propagation?: readonly PropagationFormatName[];
  readonly forcedProbe?: boolean;
  /** Real Jaeger (started for this run) instead of the embedded receiver. */
  readonly jaeger?: boolean;
  /** A backend that outlives the run (one Zipkin per test file): wins over `jaeger`. */
  readonly sink?: () => Promise<MeshSink>;
}

/** Starts the mesh, drives the spec's trigger through the gateway, polls the backend, stops what it started. */
export async function runMesh(opts: MeshRunOptions): Promise<Run> {
  const { envoy, spec } = opts;
  const supervisor = new ProcessSupervisor({ killGraceMs: 3000 });
  const receiver: OtlpReceiver | undefined = opts.jaeger || opts.sink ? undefined : await startOtlpReceiver({ port: 0 });
  let mesh: StartedEnvoyMesh | undefined;
  try {
    let source: TraceSource;
    let collector: number;
    if (opts.sink) {
      ({ source, collectorPort: collector } = await opts.sink());
    } else if (receiver) {
      source = receiverSource(receiver);
      collector = receiver.port;
    } else {
      const jaeger = await startJaeger(supervisor);
      source = jaegerSource(await connectJaeger({ baseUrl: jaeger.queryUrl }), jaeger.queryUrl);
      collector = jaeger.otlpGrpc;
    }
    mesh = await startMesh({
      envoy,
      config: opts.config ?? kitConfig(),
      collector: { host: '127.0.0.1', port: collector },
      supervisor,
      apps: opts.apps,
      spanFlushIntervalMs: SPAN_FLUSH_MS,
    });
    const url = new URL(new URL(spec.trigger!.url ?? 'http://x/productpage').pathname, mesh.gatewayUrl).href;
    const propagation = opts.propagation ?? spec.trigger!.propagation ?? ['w3c'];
    const requests = spec.trigger!.requests ?? 3;
    const d = await drive({ url, requests, propagation, headers: { 'x-kit-scenario': 'bookinfo' } });
    expect(d.requests.map((r) => r.status)).toEqual(d.requests.map(() => 200));
    // A request Envoy must trace whatever its sampling (x-client-trace-id): proves the proxies export.
    if (opts.forcedProbe) await drive({ url, requests: 1, propagation: ['envoy'] });
    // Every proxy flushes its spans on its own SPAN_FLUSH_MS timer: judge once no span has arrived for
    // longer than that and a margin, so no proxy's batch is still on its way.
    await quiet(source, { spec, traceIds: d.traceIds }, SPAN_FLUSH_MS + 1500, 40_000);
    const outcome = await pollAndVerify(spec, source, { traceIds: d.traceIds, driver: d.report, requests, timeoutMs: 30_000 });
    return { outcome, mesh, driven: d.traceIds };
  } finally {
    await supervisor.stopAll();
    await mesh?.close();
    await receiver?.close();
  }
}

/**
 * Envoy's tracers (OpenTelemetry, Zipkin) export every 5 s by default (or every 5 spans); runMesh's
 * proxies export every 250 ms (a runtime layer, the only change to the bootstraps the kit generates),
 * so each run waits ~2 s for its last span instead of ~10 s.
 */
export const SPAN_FLUSH_MS = 250;

/**
 * Resolves once the source holds spans and their count has not changed for `quietMs`; throws after
 * `deadlineMs` naming the last count. Polled every 250 ms: each poll is a full query of the source, and
 * the quiet period it measures is seconds long, so a finer interval would only add load.
 */
export async function quiet(
  source: TraceSource,
  request: Parameters<TraceSource['fetch']>[0],
  quietMs: number,
  deadlineMs: number,
): Promise<void> {
  let count = -1;
  let since = Date.now();
  const settled = async (): Promise<boolean> => {
    const got = await source.fetch(request).catch(() => undefined);
    const n = got ? got.pool.reduce((sum, t) => sum + t.spans.length, 0) : -1;
    if (n !== count) {
      count = n;
      since = Date.now();
      return false;
    }
    return n > 0 && Date.now() - since >= quietMs;
  };
  await waitUntil(`no new span for ${quietMs} ms`, settled, deadlineMs, 250).catch((err: Error) => {
    throw new Error(`${err.message}; spans seen at the end: ${count}`);
  });
}

/** Real Jaeger v2 (the peers cache's `jaeger`), in memory, every listener on loopback. */
export async function startJaeger(supervisor: ProcessSupervisor): Promise<{ otlpGrpc: number; queryUrl: string }> {
  const [grpc, http, query, queryGrpc, health] = await allocatePorts('127.0.0.1', 5);
  const dir = await mkdtemp(join(tmpdir(), 'meshtrace-jaeger-'));
  const file = join(dir, 'jaeger.yaml');
  await writeFile(
    file,
    toYaml({
      service: {
        extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
        pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
        telemetry: { metrics: { level: 'none' } },
      },
      extensions: {
        healthcheckv2: { use_v2: true, http: { endpoint: `127.0.0.1:${health}` } },
        jaeger_query: {
          storage: { traces: 'mem' },
          http: { endpoint: `127.0.0.1:${query}` },
          grpc: { endpoint: `127.0.0.1:${queryGrpc}` },
        },
        jaeger_storage: { backends: { mem: { memory: { max_traces: 10000 } } } },
      },
      receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpc}` }, http: { endpoint: `127.0.0.1:${http}` } } } },
      processors: { batch: { timeout: '200ms' } },
      exporters: { jaeger_storage_exporter: { trace_storage: 'mem' } },
    }),
  );
  await supervisor.start({
    name: 'jaeger',
    command: jaegerPath(),
    args: ['--config', file],
    readyPattern: /Everything is ready/,
    readyTimeoutMs: 60_000,
  });
  return { otlpGrpc: grpc!, queryUrl: `http://127.0.0.1:${query}` };
}

export const byName = (t: Trace, service: string, name: string) => t.spans.filter((s) => s.service === service && s.name === name);

/**
 * Bookinfo's three sidecar-to-sidecar calls in a trace: the CLIENT span in the caller's proxy and the
 * SERVER span in the callee's, both named after the route decorator, the server a child of the client
 * (Istio: no shared span context). Asserts that shape; returns the pairs for further checks.
 */
export function bookinfoHops(t: Trace): { caller: string; callee: string; client: Span; server: Span }[] {
  return (
    [
      ['productpage', 'details'],
      ['productpage', 'reviews'],
      ['reviews', 'ratings'],
    ] as const
  ).map(([caller, callee]) => {
    const op = `${callee}.bookinfo.svc.cluster.local:9080/*`;
    const [client] = byName(t, `${caller}.bookinfo`, op);
    const [server] = byName(t, `${callee}.bookinfo`, op);
    expect(client).toMatchObject({ kind: 'client' });
    expect(server).toMatchObject({ kind: 'server', parentSpanId: client!.spanId });
    return { caller, callee, client: client!, server: server! };
  });
}

/**
 * The verdict on a mesh whose reviews app drops the headers (relay --fault drop-context), whatever the
 * backend: a split at reviews → ratings, reviews to blame, with the evidence of all 3 traces.
 */
export function expectSplitInsideReviews(outcome: PollOutcome): void {
  expect(outcome.result.passed).toBe(false);
  const single = outcome.result.assertions.find((a) => a.text.startsWith('singleTrace'));
  expect(single?.passed).toBe(false);
  expect(single?.detail).toMatch(/reviews\.bookinfo "ratings\.bookinfo\.svc\.cluster\.local:9080\/\*" started trace/);
  const [d, ...rest] = outcome.result.diagnoses;
  expect(rest).toEqual([]);
  expect(d).toMatchObject({ kind: 'split-trace', hop: { from: 'reviews.bookinfo', to: 'ratings.bookinfo' }, party: 'reviews.bookinfo' });
  expect(d!.title).toBe(
    "reviews (behind reviews.bookinfo's sidecar) did not forward the trace context to its call to ratings.bookinfo; the trace splits inside reviews.bookinfo",
  );
  expect(d!.evidence.join('\n')).toMatch(/reviews forwarded neither x-request-id nor the trace context/);
  expect(d!.evidence.join('\n')).toMatch(/the same in 3 traces/);
  expect(d!.hint).toMatch(
    /^reviews must copy traceparent\/tracestate \(b3 for Zipkin\) and x-request-id .* onto its call to ratings\.bookinfo/,
  );
}
