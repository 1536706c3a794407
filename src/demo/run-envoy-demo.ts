/**
 * `meshtrace demo --sidecars envoy`: the demo with Istio's data plane for real. A real Envoy as the
 * ingress gateway and as a sidecar in front of each Bookinfo app (bootstraps from src/envoy, built
 * from the kit's lab config with an OTLP/HTTP provider pointing at the embedded receiver), requests
 * driven through the gateway, samples/expectations/bookinfo.yaml verified, every process stopped.
 * `--break APP` runs that app as a relay with `--fault drop-context`. Never hangs: one deadline.
 * Returns an outcome; printing is the CLI's job.
 */
import { join } from 'node:path';
import { ATTR_HTTP_REQUEST_HEADER } from '@opentelemetry/semantic-conventions';
import { parseConfig } from '../config/load';
import { BOOKINFO_APPS, type BookinfoApp } from '../envoy/bookinfo-mesh';
import { findEnvoy, type FoundEnvoy } from '../envoy/envoy-binary';
import { EXIT_CANNOT_CHECK, EXIT_FAILED, EXIT_OK } from '../errors';
import { REPO_ROOT } from '../paths';
import { drive, triggerPath, type DrivenRequest } from '../verify/driver';
import type { Trace } from '../verify/model';
import { pollAndVerify } from '../verify/poller';
import { startOtlpReceiver, type OtlpReceiver } from '../verify/sources/otlp-receiver';
import { receiverSource } from '../verify/sources/trace-source';
import { loadSpec } from '../verify/spec';
import type { VerifyResult } from '../verify/verify-traces';
import { startEnvoyMesh, type AppVariant, type StartedEnvoyMesh, type StartedProxy } from './start-envoy-mesh';
import { isProcessAlive, ProcessStartError, ProcessSupervisor } from './supervisor';

export const DEFAULT_ENVOY_DEMO_SPEC = join(REPO_ROOT, 'samples', 'expectations', 'bookinfo.yaml');

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

export async function runEnvoyDemo(options: EnvoyDemoOptions = {}): Promise<EnvoyDemoOutcome> {
  const t0 = performance.now();
  const emit = options.onEvent ?? (() => undefined);
  const specPath = options.specPath ?? DEFAULT_ENVOY_DEMO_SPEC;
  const supervisor = new ProcessSupervisor({ onOutput: options.onOutput, killGraceMs: 3000 });
  const abort = new AbortController();
  const deadlineMs = options.deadlineMs ?? 90_000;
  const deadline = setTimeout(() => abort.abort(new Error(`the demo did not finish within ${deadlineMs / 1000} s`)), deadlineMs);
  const aborted = new Promise<never>((_, reject) =>
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }),
  );
  aborted.catch(() => undefined);
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]);
  supervisor.onInterrupt((signal) => abort.abort(new Error(`interrupted by ${signal}; every process was stopped`)));
  let envoy: FoundEnvoy | undefined;
  let receiver: OtlpReceiver | undefined;
  let mesh: StartedEnvoyMesh | undefined;
  const proxies: StartedProxy[] = [];
  const requests: DrivenRequest[] = [];
  let result: VerifyResult | undefined;
  let traces: Trace[] = [];
  let pool: Trace[] = [];
  let error: string | undefined;
  let errorOutput: readonly string[] | undefined;
  try {
    envoy = findEnvoy(options.envoyPath);
    emit({ type: 'envoy', envoy });
    const broken = envoyBreakApps(options.breakApps ?? []);
    const spec = await loadSpec(specPath);
    const count = options.requests ?? spec.trigger?.requests ?? 3;
    receiver = await guard(startOtlpReceiver({ host: '127.0.0.1', port: 0 }));
    emit({ type: 'receiver', url: receiver.url });
    const config = labMeshConfig();
    const apps = Object.fromEntries(
      broken.map((app): [BookinfoApp, AppVariant] => [app, { kind: 'relay', args: ['--fault', 'drop-context'] }]),
    );
    mesh = await guard(
      startEnvoyMesh({
        envoy: envoy.path,
        config,
        collector: { host: '127.0.0.1', port: receiver.port },
        supervisor,
        apps,
        spanFlushIntervalMs: SPAN_FLUSH_MS,
        onProxyReady: (proxy) => {
          proxies.push(proxy);
          emit({ type: 'proxy-ready', proxy });
        },
      }),
    );
    const url = new URL(triggerPath(spec.trigger?.url, '/productpage'), mesh.gatewayUrl).href;
    const propagation = spec.trigger?.propagation ?? ['w3c', 'envoy'];
    const ids: string[] = [];
    let report;
    for (let index = 0; index < count; index++) {
      const one = await guard(drive({ url, requests: 1, propagation, headers: spec.trigger?.headers }));
      requests.push(one.requests[0]!);
      ids.push(...one.traceIds);
      report = one.report;
      emit({ type: 'request', index, of: count, request: one.requests[0]! });
    }
    const r = receiver;
    await guard(proxiesFlushed(r, emit, abort.signal));
    const outcome = await guard(
      pollAndVerify(spec, receiverSource(r), {
        traceIds: ids,
        driver: { ...report!, requests: count },
        requests: count,
        timeoutMs: 10_000,
      }),
    );
    result = outcome.result;
    pool = [...outcome.traces];
    traces = pool.filter((t) => ids.includes(t.traceId));
  } catch (err) {
    error = (err as Error).message;
    if (err instanceof ProcessStartError) errorOutput = err.recentOutput;
  } finally {
    clearTimeout(deadline);
    await supervisor.stopAll();
    await mesh?.close();
    await receiver?.close();
  }
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
