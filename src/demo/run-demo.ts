/**
 * `meshtrace demo`: the whole loop on one machine. Starts the embedded OTLP receiver (in this
 * process) and the Bookinfo-shaped relay topology (separate processes), drives requests through
 * the edge with contexts it minted, polls the receiver until the traces are complete, verifies
 * them against the shipped spec, and stops every process it started — on success, on failure,
 * on Ctrl-C and when the overall deadline passes. It never hangs: every wait has a deadline.
 *
 * The library returns an outcome (exit code, verdict, hops, timings); printing is the CLI's job.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Trace } from '../verify/model';
import { loadSpec, SpecError, type Spec } from '../verify/spec';
import { startOtlpReceiver, type OtlpReceiver, type OtlpReceiverOptions } from '../verify/sources/otlp-receiver';
import { receiverSource, type TraceSource } from '../verify/sources/trace-source';
import type { VerifyResult } from '../verify/verify-traces';
import { pollAndVerify } from '../verify/poller';
import { formatDuration } from '../duration';
import { drive, triggerPath, type DrivenRequest } from '../verify/driver';
import { withDriverAsRoot } from '../verify/sources/driver-as-root';
import type { DriverReport } from '../verify/diagnosis';
import { findBottleneck, indexTrace } from '../verify/trace-index';
import { EXIT_CANNOT_CHECK, EXIT_FAILED, EXIT_OK } from '../errors';
import { renderHtmlReport, type HtmlAssertion } from '../report-html/render-html';
import { forwardToJaeger, jaegerTracesUrl } from './forward-to-jaeger';
import { startTopology, type StartedHop } from './start-topology';
import { isProcessAlive, ProcessStartError, ProcessSupervisor } from './supervisor';
import { buildTopology, DEMO_HOPS, type DemoHop, type DemoTopology, type TopologyOptions } from './topology';

import { DEFAULT_DEMO_SPEC } from './default-spec';

export { DEFAULT_DEMO_SPEC };

export interface DemoOptions {
  /** Faults, broken hops, formats, edge port. */
  readonly topology?: TopologyOptions;
  /** Spec to verify. @default samples/expectations/relay-demo.yaml */
  readonly specPath?: string;
  /** Requests to drive. @default - the spec's `trigger.requests`, else 3 */
  readonly requests?: number;
  /** Write the HTML report here. @default - no HTML report */
  readonly htmlPath?: string;
  /** Also send the received spans to this OTLP/HTTP endpoint, e.g. Jaeger's collector port 4318 (`--otlp-endpoint`). @default - none */
  readonly otlpEndpoint?: string;
  /** @deprecated the old name of `otlpEndpoint` (the CLI's `--jaeger-url`). */
  readonly jaegerUrl?: string;
  /** Caps of the embedded OTLP receiver (body size, bytes in flight, stored spans, body idle bound). @default - its defaults */
  readonly receiverLimits?: Pick<OtlpReceiverOptions, 'maxBodyBytes' | 'maxInflightBytes' | 'maxSpans' | 'maxStoredBytes' | 'bodyIdleTimeoutMs'>;
  /** Deadline for the whole run, start to stop. @default 60000 */
  readonly deadlineMs?: number;
  /** Deadline for each hop's start-up line. @default 20000 */
  readonly readyTimeoutMs?: number;
  /** Longest wait for spans after the last request. @default - the spec's `poll.timeout`, capped at 15 s */
  readonly pollTimeoutMs?: number;
  /** Progress events (the CLI prints them; `--json` ignores them). */
  readonly onEvent?: (event: DemoEvent) => void;
  /** Called with the supervisor as soon as it exists (tests read pids; the CLI wires Ctrl-C). */
  readonly onSupervisor?: (supervisor: ProcessSupervisor) => void;
  /** Each line a hop writes (`--verbose`). */
  readonly onHopOutput?: (hop: string, line: string) => void;
}

export type DemoEvent =
  | { readonly type: 'receiver'; readonly url: string }
  | { readonly type: 'hop-starting'; readonly hop: DemoHop }
  | { readonly type: 'hop-ready'; readonly hop: StartedHop }
  | { readonly type: 'request'; readonly index: number; readonly of: number; readonly request: DrivenRequest }
  | { readonly type: 'poll'; readonly poll: number; readonly spans: number; readonly traces: number; readonly complete: number; readonly of: number }
  | { readonly type: 'stopping'; readonly pids: readonly number[] }
  | { readonly type: 'note'; readonly message: string };

export interface DemoTimings {
  readonly startMs: number;
  readonly driveMs: number;
  readonly pollMs: number;
  readonly stopMs: number;
  readonly totalMs: number;
}

export interface DemoOutcome {
  /** 0 the spec passed, 1 it failed, 2 the demo could not run (bad flags, a hop did not start, deadline, Ctrl-C, the OTLP endpoint unreachable). */
  readonly exitCode: 0 | 1 | 2;
  readonly topology?: DemoTopology;
  readonly hops: readonly StartedHop[];
  readonly requests: readonly DrivenRequest[];
  readonly result?: VerifyResult;
  /** The traces of the driven requests (what was verified). */
  readonly traces: readonly Trace[];
  /** Every trace received (fragments of split traces included). */
  readonly pool: readonly Trace[];
  readonly polls: number;
  readonly timings: DemoTimings;
  /** Pids of every process started, and of those still alive after the stop (should be none). */
  readonly pids: readonly number[];
  readonly leftRunning: readonly number[];
  /** Why the demo could not run (exit code 2). */
  readonly error?: string;
  /** Last output of the hop that failed to start. */
  readonly errorOutput?: readonly string[];
  readonly htmlPath?: string;
  /** What happened with `--otlp-endpoint`. */
  readonly jaeger?: string;
  /** The spans could not be sent to `--otlp-endpoint` (exit 2: asked for, not done). */
  readonly exportFailed?: boolean;
  readonly specPath: string;
}


/** Stopped by the overall deadline or by a signal. */
class DemoAborted extends Error {}

interface PollResult {
  readonly result: VerifyResult;
  readonly traces: Trace[];
  readonly pool: Trace[];
  readonly polls: number;
}

/** A receiver source that stops the poller at its next fetch once the demo is aborted. */
function abortableSource(source: TraceSource, signal: AbortSignal): TraceSource {
  return {
    ...source,
    fetch: (req) => {
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      return source.fetch(req);
    },
  };
}

function htmlAssertions(result: VerifyResult): HtmlAssertion[] {
  const out: HtmlAssertion[] = result.assertions.map((a) => ({ name: a.text, passed: a.passed, detail: a.detail }));
  for (const verdict of result.traces) {
    const prefix = result.traces.length > 1 ? `trace ${verdict.traceId.slice(0, 8)}…: ` : '';
    for (const a of verdict.assertions) out.push({ name: `${prefix}${a.text}`, passed: a.passed, detail: a.detail });
  }
  return out;
}

/** Runs the demo; never throws for expected failures (they become exit codes with a message). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoOutcome> {
  const t0 = performance.now();
  const emit = options.onEvent ?? (() => undefined);
  const specPath = options.specPath ?? DEFAULT_DEMO_SPEC;
  const deadlineMs = options.deadlineMs ?? 60_000;
  const abort = new AbortController();
  const marks = { started: 0, driven: 0, polled: 0, stopping: 0 };
  let topology: DemoTopology | undefined;
  let receiver: OtlpReceiver | undefined;
  // Kept so a receiver still starting when the demo is aborted is closed too.
  let receiverStart: Promise<OtlpReceiver> | undefined;
  let hops: StartedHop[] = [];
  const requests: DrivenRequest[] = [];
  let poll: PollResult | undefined;
  let error: string | undefined;
  let errorOutput: readonly string[] | undefined;
  let jaeger: string | undefined;
  let exportFailed = false;
  let phase = 'starting';

  const supervisor = new ProcessSupervisor({ onOutput: options.onHopOutput, killGraceMs: 3000 });
  options.onSupervisor?.(supervisor);
  supervisor.onInterrupt((signal) => abort.abort(new DemoAborted(`interrupted by ${signal} while ${phase}; every process was stopped`)));
  const deadline = setTimeout(() => abort.abort(new DemoAborted(`the demo did not finish within ${formatDuration(deadlineMs * 1000)} (stuck while ${phase})`)), deadlineMs);
  const aborted = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }));
  aborted.catch(() => undefined);
  // Everything that waits races the abort, so neither the deadline nor Ctrl-C can be outlived.
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]);

  try {
    let spec: Spec;
    try {
      topology = buildTopology(options.topology);
      spec = await loadSpec(specPath);
    } catch (err) {
      if (err instanceof SpecError || (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as Error).name === 'TopologyError') throw new DemoAborted((err as Error).message);
      throw err;
    }
    let jaegerUrl: URL | undefined;
    try {
      const endpoint = options.otlpEndpoint ?? options.jaegerUrl;
      jaegerUrl = endpoint ? jaegerTracesUrl(endpoint, options.otlpEndpoint === undefined ? '--jaeger-url' : '--otlp-endpoint') : undefined;
    } catch (err) {
      throw new DemoAborted((err as Error).message);
    }
    // A report that cannot be written should fail now, not after five processes ran.
    if (options.htmlPath && !existsSync(dirname(resolve(options.htmlPath)))) {
      throw new DemoAborted(`--html ${JSON.stringify(options.htmlPath)}: the folder ${dirname(resolve(options.htmlPath))} does not exist`);
    }
    const requestCount = options.requests ?? spec.trigger?.requests ?? 3;
    if (!Number.isInteger(requestCount) || requestCount < 1 || requestCount > 1000) throw new DemoAborted(`--requests ${requestCount}: expected a whole number from 1 to 1000`);

    phase = 'starting the OTLP receiver';
    receiverStart = startOtlpReceiver({ host: '127.0.0.1', port: 0, ...options.receiverLimits });
    receiver = await guard(receiverStart);
    emit({ type: 'receiver', url: receiver.url });

    phase = 'starting the relay hops';
    const started = await guard(
      startTopology(topology, supervisor, {
        otlpEndpoint: receiver.url,
        readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
        onHopStarting: (hop) => emit({ type: 'hop-starting', hop }),
        onHopReady: (hop) => emit({ type: 'hop-ready', hop }),
      }),
    );
    hops = DEMO_HOPS.map((name) => started[name]);
    marks.started = performance.now();

    phase = 'driving requests through the edge';
    const method = spec.trigger?.method ?? 'GET';
    const entryUrl = new URL(triggerPath(spec.trigger?.url, '/productpage'), started[topology.entry].url).href;
    // One unsampled request first: it opens the keep-alive connections along the path and warms
    // every hop's code, so the traced requests show steady-state timing, not first-request set-up
    // (which otherwise makes the demo's own client span the "bottleneck"). Hops record no span for it.
    await guard(drive({ url: entryUrl, method, requests: 1, propagation: ['w3c'], sampled: false, headers: spec.trigger?.headers }));
    // One request at a time, so progress shows each as it returns.
    for (let index = 0; index < requestCount; index++) {
      const one = await guard(drive({ url: entryUrl, method, requests: 1, propagation: ['w3c'], headers: spec.trigger?.headers }));
      const request = one.requests[0]!;
      requests.push(request);
      emit({ type: 'request', index, of: requestCount, request });
    }
    marks.driven = performance.now();

    phase = 'waiting for spans';
    const driver: DriverReport = { sampled: true, formats: ['w3c'], requests: requestCount };
    const driverSpanIds = new Set(requests.map((r) => r.spanId));
    const outcome = await guard(
      // The driver's minted span id is the edge span's parent but is never exported: the edge span
      // becomes the root (the cluster smoke lane does the same), so `noOrphans` judges the hops.
      // The demo does not export a client span of its own: its timing includes this process's
      // receiver work and would show the demo itself as the "bottleneck".
      pollAndVerify(spec, withDriverAsRoot(abortableSource(receiverSource(receiver), abort.signal), driverSpanIds), {
        traceIds: requests.map((r) => r.traceId),
        driver,
        requests: requestCount,
        timeoutMs: options.pollTimeoutMs ?? Math.min(spec.poll.timeoutUs / 1000, 15_000),
        // Every hop runs on this machine's one clock: a child ending after its parent here is
        // span-boundary timing under load (a server span closes after the response is written),
        // never skew. Only report what could not be scheduling noise.
        clockSkewToleranceUs: 50_000,
        onPoll: (n, result) => emit({ type: 'poll', poll: n, spans: result.spansSeen, traces: result.tracesSeen, complete: result.traces.length, of: requestCount }),
      }),
    );
    const pool = [...outcome.traces];
    const driven = new Set(requests.map((r) => r.traceId));
    poll = { result: outcome.result, traces: pool.filter((t) => driven.has(t.traceId)), pool, polls: outcome.polls };
    marks.polled = performance.now();

    if (options.htmlPath) {
      phase = 'writing the HTML report';
      // The HTML marks the same bottleneck as the terminal tree (the verifier's), not a second opinion.
      const bottleneckSpanIds = Object.fromEntries(poll.traces.flatMap((t) => {
        const b = findBottleneck(indexTrace(t));
        return b ? [[t.traceId, b.span.spanId]] : [];
      }));
      const shown = withFragments(poll.traces, poll.pool, poll.result);
      const html = renderHtmlReport({
        title: `meshtrace demo — ${spec.name}`,
        subtitle: `${hops.length} relay hops · ${requests.length} request(s) · faults: ${describeFaults(topology)}`,
        passed: poll.result.passed,
        traces: shown,
        traceNotes: Object.fromEntries(shown.filter((t) => !poll!.traces.includes(t)).map((t) => [t.traceId, 'A fragment: this trace began without the context of a driven request (see the diagnosis); it is the lost downstream part of a split trace.'])),
        bottleneckSpanIds,
        assertions: htmlAssertions(poll.result),
        diagnoses: poll.result.diagnoses.map((d) => `${d.title} — ${d.hint}`),
      });
      await writeFile(options.htmlPath, html);
    }
    if (jaegerUrl) {
      phase = 'sending spans to Jaeger';
      try {
        jaeger = await guard(forwardToJaeger(jaegerUrl, poll.pool.flatMap((t) => t.spans)));
      } catch (err) {
        if (err instanceof DemoAborted) throw err;
        // Not a failed trace (the verdict stands) but not done either: "could not check" (2), said before the verdict.
        jaeger = `warning: ${(err as Error).message}`;
        exportFailed = true;
      }
      emit({ type: 'note', message: jaeger });
    }
  } catch (err) {
    if (err instanceof DemoAborted) error = err.message;
    else if (err instanceof ProcessStartError) {
      error = `relay hop ${err.message}`;
      errorOutput = err.recentOutput;
    } else error = (err as Error)?.message ?? String(err);
  } finally {
    clearTimeout(deadline);
    marks.stopping = performance.now();
    emit({ type: 'stopping', pids: supervisor.pids });
    // Hops first (they flush their last spans on SIGTERM), then the receiver.
    await supervisor.stopAll();
    receiver ??= await receiverStart?.catch(() => undefined);
    await receiver?.close();
  }
  const end = performance.now();
  const leftRunning = supervisor.pids.filter(isProcessAlive);
  const timings: DemoTimings = {
    startMs: (marks.started || marks.stopping) - t0,
    driveMs: marks.driven ? marks.driven - marks.started : 0,
    pollMs: marks.polled ? marks.polled - marks.driven : 0,
    stopMs: end - marks.stopping,
    totalMs: end - t0,
  };
  const exitCode = error !== undefined || !poll ? EXIT_CANNOT_CHECK : !poll.result.passed ? EXIT_FAILED : exportFailed ? EXIT_CANNOT_CHECK : EXIT_OK;
  return {
    exitCode,
    topology,
    hops,
    requests,
    result: poll?.result,
    traces: poll?.traces ?? [],
    pool: poll?.pool ?? [],
    polls: poll?.polls ?? 0,
    timings,
    pids: supervisor.pids,
    leftRunning,
    error,
    errorOutput,
    htmlPath: error === undefined ? options.htmlPath : undefined,
    jaeger,
    ...(exportFailed ? { exportFailed } : {}),
    specPath,
  };
}

function describeFaults(topology: DemoTopology): string {
  const faults = Object.values(topology.hops).flatMap((h) => h.faults.map((f) => `${h.name}:${f}`));
  const formats = Object.values(topology.hops).filter((h) => h.propagate.length > 0).map((h) => `${h.name} writes ${h.propagate.join(',')}`);
  return [faults.length ? faults.join(', ') : 'none', ...formats].join(' · ');
}

/**
 * The traces to draw: the driven ones, plus for a failed run the fragments the diagnosis points
 * at (a split trace's lost downstream part is a separate trace with its own id).
 */
function withFragments(traces: readonly Trace[], pool: readonly Trace[], result: VerifyResult): Trace[] {
  const ids = new Set(traces.map((t) => t.traceId));
  const extra = new Set<string>();
  for (const d of result.diagnoses) {
    for (const spanId of d.spanIds ?? []) {
      const owner = pool.find((t) => t.spans.some((s) => s.spanId === spanId));
      if (owner && !ids.has(owner.traceId)) extra.add(owner.traceId);
    }
  }
  return [...traces, ...pool.filter((t) => extra.has(t.traceId))];
}
