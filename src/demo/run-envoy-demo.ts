/**
 * `meshtrace demo --sidecars envoy`: the demo with Istio's data plane for real. A real Envoy as the
 * ingress gateway and as a sidecar in front of each Bookinfo app (bootstraps from src/envoy, built
 * from the kit's lab config with an OTLP/HTTP provider pointing at the embedded receiver), requests
 * driven through the gateway, samples/expectations/bookinfo.yaml verified, every process stopped.
 * `--break APP` runs that app as a relay with `--fault drop-context`. Never hangs: one deadline.
 * Returns an outcome; printing is the CLI's job.
 */
import { ATTR_HTTP_REQUEST_HEADER } from '@opentelemetry/semantic-conventions';
import { parseConfig } from '../config/load';
import { BOOKINFO_APPS, type BookinfoApp } from '../envoy/bookinfo-mesh';
import { findEnvoy, type FoundEnvoy } from '../envoy/envoy-binary';
import { EXIT_CANNOT_CHECK, EXIT_FAILED, EXIT_OK } from '../errors';
import { DEFAULT_ENVOY_DEMO_SPEC } from './default-spec';
import { drive, triggerPath, type DrivenRequest } from '../verify/driver';
import type { DriverReport } from '../verify/diagnosis';
import type { Trace } from '../verify/model';
import { pollAndVerify } from '../verify/poller';
import { startOtlpReceiver, type OtlpReceiver } from '../verify/sources/otlp-receiver';
import { receiverSource } from '../verify/sources/trace-source';
import { loadSpec, type Spec } from '../verify/spec';
import type { VerifyResult } from '../verify/verify-traces';
import { startEnvoyMesh, type AppVariant, type StartedEnvoyMesh, type StartedProxy } from './start-envoy-mesh';
import { isProcessAlive, ProcessStartError, ProcessSupervisor } from './supervisor';

/**
 * The demo's proxies export their spans every 200 ms (Envoy's default, which Istio keeps, is 5 s):
 * the demo judges once no span has arrived for that long and a second more, so a shorter timer
 * is seconds off every run, and the spans are the same.
 */
const SPAN_FLUSH_MS = 200;
/** How often the wait for the last span looks (and reports progress). */
const WAIT_TICK_MS = 250;

export interface EnvoyDemoOptions {
  /** `--envoy PATH`; else the peers cache, else PATH. */
  readonly envoyPath?: string;
  readonly specPath?: string;
  readonly requests?: number;
  /** Apps that drop the trace context (run as a relay with --fault drop-context). */
  readonly breakApps?: readonly string[];
  /** @default 90000 */
  readonly deadlineMs?: number;
  readonly onEvent?: (event: EnvoyDemoEvent) => void;
  readonly onOutput?: (name: string, line: string) => void;
}

export type EnvoyDemoEvent =
  | { readonly type: 'envoy'; readonly envoy: FoundEnvoy }
  | { readonly type: 'receiver'; readonly url: string }
  | { readonly type: 'proxy-ready'; readonly proxy: StartedProxy }
  | { readonly type: 'request'; readonly index: number; readonly of: number; readonly request: DrivenRequest }
  | { readonly type: 'waiting'; readonly spans: number };

export interface EnvoyDemoOutcome {
  readonly exitCode: 0 | 1 | 2;
  readonly envoy?: FoundEnvoy;
  readonly proxies: readonly StartedProxy[];
  readonly requests: readonly DrivenRequest[];
  readonly result?: VerifyResult;
  readonly traces: readonly Trace[];
  readonly pool: readonly Trace[];
  readonly pids: readonly number[];
  readonly leftRunning: readonly number[];
  readonly error?: string;
  readonly errorOutput?: readonly string[];
  readonly totalMs: number;
  readonly specPath: string;
}

/** Bad `--break` values for this topology: the message names the value and the apps. */
export function envoyBreakApps(values: readonly string[]): BookinfoApp[] {
  return values.map((v) => {
    if (!(BOOKINFO_APPS as readonly string[]).includes(v))
      throw new Error(`--break ${JSON.stringify(v)}: unknown app for --sidecars envoy; apps are ${BOOKINFO_APPS.join(', ')}`);
    return v as BookinfoApp;
  });
}

/**
 * The kit's lab config, sending OTLP/HTTP (the embedded receiver's protocol) and recording the trace
 * headers each proxy saw, so a format mismatch can be diagnosed.
 */
function labMeshConfig(): ReturnType<typeof parseConfig> {
  return parseConfig({
    istio: {
      provider: { http: {} },
      customTags: {
        [ATTR_HTTP_REQUEST_HEADER('traceparent')]: { header: { name: 'traceparent' } },
        [ATTR_HTTP_REQUEST_HEADER('x-b3-traceid')]: { header: { name: 'x-b3-traceid' } },
        [ATTR_HTTP_REQUEST_HEADER('x-b3-sampled')]: { header: { name: 'x-b3-sampled' } },
      },
    },
  });
}

/** Resolves once no proxy can still hold a batch (each flushes on its own SPAN_FLUSH_MS timer); reports progress each tick. */
function proxiesFlushed(receiver: OtlpReceiver, emit: (event: EnvoyDemoEvent) => void, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    let shown = -1;
    const tick = setInterval(() => {
      if (receiver.spansReceived !== shown) emit({ type: 'waiting', spans: (shown = receiver.spansReceived) });
      if (receiver.lastSpanAt > 0 && Date.now() - receiver.lastSpanAt > SPAN_FLUSH_MS + 1000) {
        clearInterval(tick);
        resolve();
      }
    }, WAIT_TICK_MS);
    signal.addEventListener('abort', () => clearInterval(tick), { once: true });
  });
}

/** One deadline and Ctrl-C for the whole demo: `guard` rejects whatever it wraps once either fires. */
interface DemoDeadline {
  readonly signal: AbortSignal;
  readonly guard: <T>(p: Promise<T>) => Promise<T>;
  readonly clear: () => void;
}

function demoDeadline(deadlineMs: number, supervisor: ProcessSupervisor): DemoDeadline {
  const abort = new AbortController();
  const deadline = setTimeout(() => abort.abort(new Error(`the demo did not finish within ${deadlineMs / 1000} s`)), deadlineMs);
  const aborted = new Promise<never>((_, reject) =>
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }),
  );
  aborted.catch(() => undefined);
  supervisor.onInterrupt((signal) => abort.abort(new Error(`interrupted by ${signal}; every process was stopped`)));
  return { signal: abort.signal, guard: (p) => Promise.race([p, aborted]), clear: () => clearTimeout(deadline) };
}

/** What the demo has got so far: filled in phase by phase, so a failure still reports (and stops) what started. */
interface DemoState {
  envoy?: FoundEnvoy;
  receiver?: OtlpReceiver;
  mesh?: StartedEnvoyMesh;
  readonly proxies: StartedProxy[];
  readonly requests: DrivenRequest[];
  result?: VerifyResult;
  traces: Trace[];
  pool: Trace[];
}

/** The gateway and one sidecar per app; each `--break` app runs as a relay that drops the trace context. */
function startDemoMesh(
  state: DemoState,
  broken: readonly BookinfoApp[],
  supervisor: ProcessSupervisor,
  emit: (event: EnvoyDemoEvent) => void,
): Promise<StartedEnvoyMesh> {
  const apps = Object.fromEntries(
    broken.map((app): [BookinfoApp, AppVariant] => [app, { kind: 'relay', args: ['--fault', 'drop-context'] }]),
  );
  return startEnvoyMesh({
    envoy: state.envoy!.path,
    config: labMeshConfig(),
    collector: { host: '127.0.0.1', port: state.receiver!.port },
    supervisor,
    apps,
    spanFlushIntervalMs: SPAN_FLUSH_MS,
    onProxyReady: (proxy) => {
      state.proxies.push(proxy);
      emit({ type: 'proxy-ready', proxy });
    },
  });
}

/** Drives `count` requests through the gateway one at a time (so each is reported as it completes). */
async function driveThroughGateway(
  state: DemoState,
  spec: Spec,
  count: number,
  { guard, emit }: { guard: DemoDeadline['guard']; emit: (event: EnvoyDemoEvent) => void },
): Promise<{ ids: string[]; report: DriverReport }> {
  const url = new URL(triggerPath(spec.trigger?.url, '/productpage'), state.mesh!.gatewayUrl).href;
  const propagation = spec.trigger?.propagation ?? ['w3c', 'envoy'];
  const ids: string[] = [];
  let report;
  for (let index = 0; index < count; index++) {
    const one = await guard(drive({ url, requests: 1, propagation, headers: spec.trigger?.headers }));
    state.requests.push(one.requests[0]!);
    ids.push(...one.traceIds);
    report = one.report;
    emit({ type: 'request', index, of: count, request: one.requests[0]! });
  }
  return { ids, report: report! };
}

/** Every phase from finding Envoy to the verdict; throws on the first that fails, `state` keeps what it got. */
async function runDemoPhases(
  state: DemoState,
  options: EnvoyDemoOptions,
  specPath: string,
  { supervisor, deadline, emit }: { supervisor: ProcessSupervisor; deadline: DemoDeadline; emit: (event: EnvoyDemoEvent) => void },
): Promise<void> {
  const { guard } = deadline;
  state.envoy = findEnvoy(options.envoyPath);
  emit({ type: 'envoy', envoy: state.envoy });
  const broken = envoyBreakApps(options.breakApps ?? []);
  const spec = await loadSpec(specPath);
  const count = options.requests ?? spec.trigger?.requests ?? 3;
  state.receiver = await guard(startOtlpReceiver({ host: '127.0.0.1', port: 0 }));
  emit({ type: 'receiver', url: state.receiver.url });
  state.mesh = await guard(startDemoMesh(state, broken, supervisor, emit));
  const { ids, report } = await driveThroughGateway(state, spec, count, { guard, emit });
  const r = state.receiver;
  await guard(proxiesFlushed(r, emit, deadline.signal));
  const outcome = await guard(
    pollAndVerify(spec, receiverSource(r), {
      traceIds: ids,
      driver: { ...report, requests: count },
      requests: count,
      timeoutMs: 10_000,
    }),
  );
  state.result = outcome.result;
  state.pool = [...outcome.traces];
  state.traces = state.pool.filter((t) => ids.includes(t.traceId));
}

export async function runEnvoyDemo(options: EnvoyDemoOptions = {}): Promise<EnvoyDemoOutcome> {
  const t0 = performance.now();
  const emit = options.onEvent ?? (() => undefined);
  const specPath = options.specPath ?? DEFAULT_ENVOY_DEMO_SPEC;
  const supervisor = new ProcessSupervisor({ onOutput: options.onOutput, killGraceMs: 3000 });
  const deadline = demoDeadline(options.deadlineMs ?? 90_000, supervisor);
  const state: DemoState = { proxies: [], requests: [], traces: [], pool: [] };
  let error: string | undefined;
  let errorOutput: readonly string[] | undefined;
  try {
    await runDemoPhases(state, options, specPath, { supervisor, deadline, emit });
  } catch (err) {
    error = (err as Error).message;
    if (err instanceof ProcessStartError) errorOutput = err.recentOutput;
  } finally {
    deadline.clear();
    await supervisor.stopAll();
    await state.mesh?.close();
    await state.receiver?.close();
  }
  const { envoy, proxies, requests, result, traces, pool } = state;
  const exitCode = error !== undefined || !result ? EXIT_CANNOT_CHECK : result.passed ? EXIT_OK : EXIT_FAILED;
  return {
    exitCode,
    envoy,
    proxies,
    requests,
    result,
    traces,
    pool,
    pids: supervisor.pids,
    leftRunning: supervisor.pids.filter(isProcessAlive),
    error,
    errorOutput,
    totalMs: performance.now() - t0,
    specPath,
  };
}
