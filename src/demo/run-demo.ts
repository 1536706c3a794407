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
  readonly receiverLimits?: Pick<
    OtlpReceiverOptions,
    'maxBodyBytes' | 'maxInflightBytes' | 'maxSpans' | 'maxStoredBytes' | 'bodyIdleTimeoutMs'
  >;
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
  | {
      readonly type: 'poll';
      readonly poll: number;
      readonly spans: number;
      readonly traces: number;
      readonly complete: number;
      readonly of: number;
    }
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

/** What the checks before any process starts produced. */
interface DemoPlan {
  readonly topology: DemoTopology;
  readonly spec: Spec;
  readonly jaegerUrl?: URL;
  readonly requestCount: number;
}

/** The state of one run: the phases fill it in, the abort handlers and the stop read it. */
interface DemoRun {
  readonly options: DemoOptions;
  readonly emit: (event: DemoEvent) => void;
  readonly supervisor: ProcessSupervisor;
  readonly abort: AbortController;
  /** Races a wait against the abort, so neither the deadline nor Ctrl-C can be outlived. */
  readonly guard: <T>(p: Promise<T>) => Promise<T>;
  /** What the run is doing, for the abort messages. */
  phase: string;
  readonly marks: { started: number; driven: number; polled: number; stopping: number };
  topology?: DemoTopology;
  receiver?: OtlpReceiver;
  /** Kept so a receiver still starting when the demo is aborted is closed too. */
  receiverStart?: Promise<OtlpReceiver>;
  hops: StartedHop[];
  readonly requests: DrivenRequest[];
  poll?: PollResult;
  jaeger?: string;
  exportFailed: boolean;
}

function isBadInput(err: unknown): boolean {
  return err instanceof SpecError || (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as Error).name === 'TopologyError';
}

/**
 * Every check that can fail before a process starts: the topology, the spec, the flags. The
 * topology goes into the run as soon as it is built: the outcome shows it even when a later check fails.
 */
async function planDemo(run: DemoRun, specPath: string): Promise<DemoPlan> {
  const options = run.options;
  let topology: DemoTopology;
  let spec: Spec;
  try {
    topology = run.topology = buildTopology(options.topology);
    spec = await loadSpec(specPath);
  } catch (err) {
    if (isBadInput(err)) throw new DemoAborted((err as Error).message);
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
  if (!Number.isInteger(requestCount) || requestCount < 1 || requestCount > 1000)
    throw new DemoAborted(`--requests ${requestCount}: expected a whole number from 1 to 1000`);
  return { topology, spec, ...(jaegerUrl ? { jaegerUrl } : {}), requestCount };
}

async function startReceiver(run: DemoRun): Promise<OtlpReceiver> {
  run.phase = 'starting the OTLP receiver';
  run.receiverStart = startOtlpReceiver({ host: '127.0.0.1', port: 0, ...run.options.receiverLimits });
  run.receiver = await run.guard(run.receiverStart);
  run.emit({ type: 'receiver', url: run.receiver.url });
  return run.receiver;
}

async function startHops(run: DemoRun, topology: DemoTopology, receiver: OtlpReceiver): Promise<Record<DemoHop, StartedHop>> {
  run.phase = 'starting the relay hops';
  const started = await run.guard(
    startTopology(topology, run.supervisor, {
      otlpEndpoint: receiver.url,
      readyTimeoutMs: run.options.readyTimeoutMs ?? 20_000,
      onHopStarting: (hop) => run.emit({ type: 'hop-starting', hop }),
      onHopReady: (hop) => run.emit({ type: 'hop-ready', hop }),
    }),
  );
  run.hops = DEMO_HOPS.map((name) => started[name]);
  run.marks.started = performance.now();
  return started;
}

async function driveRequests(run: DemoRun, { spec, requestCount }: DemoPlan, entryUrl: string): Promise<void> {
  run.phase = 'driving requests through the edge';
  const method = spec.trigger?.method ?? 'GET';
  // One unsampled request first: it opens the keep-alive connections along the path and warms
  // every hop's code, so the traced requests show steady-state timing, not first-request set-up
  // (which otherwise makes the demo's own client span the "bottleneck"). Hops record no span for it.
  await run.guard(drive({ url: entryUrl, method, requests: 1, propagation: ['w3c'], sampled: false, headers: spec.trigger?.headers }));
  // One request at a time, so progress shows each as it returns.
  for (let index = 0; index < requestCount; index++) {
    const one = await run.guard(drive({ url: entryUrl, method, requests: 1, propagation: ['w3c'], headers: spec.trigger?.headers }));
    const request = one.requests[0]!;
    run.requests.push(request);
    run.emit({ type: 'request', index, of: requestCount, request });
  }
  run.marks.driven = performance.now();
}

async function pollSpans(run: DemoRun, { spec, requestCount }: DemoPlan, receiver: OtlpReceiver): Promise<PollResult> {
  run.phase = 'waiting for spans';
  const driver: DriverReport = { sampled: true, formats: ['w3c'], requests: requestCount };
  const driverSpanIds = new Set(run.requests.map((r) => r.spanId));
  const outcome = await run.guard(
    // The driver's minted span id is the edge span's parent but is never exported: the edge span
    // becomes the root (the cluster smoke lane does the same), so `noOrphans` judges the hops.
    // The demo does not export a client span of its own: its timing includes this process's
    // receiver work and would show the demo itself as the "bottleneck".
    pollAndVerify(spec, withDriverAsRoot(abortableSource(receiverSource(receiver), run.abort.signal), driverSpanIds), {
      traceIds: run.requests.map((r) => r.traceId),
      driver,
      requests: requestCount,
      timeoutMs: run.options.pollTimeoutMs ?? Math.min(spec.poll.timeoutUs / 1000, 15_000),
      // Every hop runs on this machine's one clock: a child ending after its parent here is
      // span-boundary timing under load (a server span closes after the response is written),
      // never skew. Only report what could not be scheduling noise.
      clockSkewToleranceUs: 50_000,
      onPoll: (n, result) =>
        run.emit({
          type: 'poll',
          poll: n,
          spans: result.spansSeen,
          traces: result.tracesSeen,
          complete: result.traces.length,
          of: requestCount,
        }),
    }),
  );
  const pool = [...outcome.traces];
  const driven = new Set(run.requests.map((r) => r.traceId));
  run.poll = { result: outcome.result, traces: pool.filter((t) => driven.has(t.traceId)), pool, polls: outcome.polls };
  run.marks.polled = performance.now();
  return run.poll;
}

/** The HTML report of a finished poll: pure, so what it shows is testable without a file. */
function demoHtml(spec: Spec, topology: DemoTopology, hopCount: number, requestCount: number, poll: PollResult): string {
  // The HTML marks the same bottleneck as the terminal tree (the verifier's), not a second opinion.
  const bottleneckSpanIds = Object.fromEntries(
    poll.traces.flatMap((t) => {
      const b = findBottleneck(indexTrace(t));
      return b ? [[t.traceId, b.span.spanId]] : [];
    }),
  );
  const shown = withFragments(poll.traces, poll.pool, poll.result);
  return renderHtmlReport({
    title: `meshtrace demo — ${spec.name}`,
    subtitle: `${hopCount} relay hops · ${requestCount} request(s) · faults: ${describeFaults(topology)}`,
    passed: poll.result.passed,
    traces: shown,
    traceNotes: Object.fromEntries(
      shown
        .filter((t) => !poll.traces.includes(t))
        .map((t) => [
          t.traceId,
          'A fragment: this trace began without the context of a driven request (see the diagnosis); it is the lost downstream part of a split trace.',
        ]),
    ),
    bottleneckSpanIds,
    assertions: htmlAssertions(poll.result),
    diagnoses: poll.result.diagnoses.map((d) => `${d.title} — ${d.hint}`),
  });
}

async function writeHtmlReport(run: DemoRun, plan: DemoPlan, poll: PollResult, htmlPath: string): Promise<void> {
  run.phase = 'writing the HTML report';
  await writeFile(htmlPath, demoHtml(plan.spec, plan.topology, run.hops.length, run.requests.length, poll));
}

async function sendToJaeger(run: DemoRun, jaegerUrl: URL, poll: PollResult): Promise<void> {
  run.phase = 'sending spans to Jaeger';
  try {
    run.jaeger = await run.guard(
      forwardToJaeger(
        jaegerUrl,
        poll.pool.flatMap((t) => t.spans),
      ),
    );
  } catch (err) {
    if (err instanceof DemoAborted) throw err;
    // Not a failed trace (the verdict stands) but not done either: "could not check" (2), said before the verdict.
    run.jaeger = `warning: ${(err as Error).message}`;
    run.exportFailed = true;
  }
  run.emit({ type: 'note', message: run.jaeger });
}

/** The phases in order; any of them may throw (a hop that does not start, the deadline, Ctrl-C). */
async function runPhases(run: DemoRun, specPath: string): Promise<void> {
  const plan = await planDemo(run, specPath);
  const receiver = await startReceiver(run);
  const started = await startHops(run, plan.topology, receiver);
  await driveRequests(run, plan, new URL(triggerPath(plan.spec.trigger?.url, '/productpage'), started[plan.topology.entry].url).href);
  const poll = await pollSpans(run, plan, receiver);
  if (run.options.htmlPath) await writeHtmlReport(run, plan, poll, run.options.htmlPath);
  if (plan.jaegerUrl) await sendToJaeger(run, plan.jaegerUrl, poll);
}

/** Why the run could not finish, as the outcome says it. */
function failureOf(err: unknown): { error: string; errorOutput?: readonly string[] } {
  if (err instanceof DemoAborted) return { error: err.message };
  if (err instanceof ProcessStartError) return { error: `relay hop ${err.message}`, errorOutput: err.recentOutput };
  return { error: (err as Error)?.message ?? String(err) };
}

/** Stops what the run started, on every path: hops first (they flush their last spans on SIGTERM), then the receiver. */
async function stopEverything(run: DemoRun): Promise<void> {
  run.marks.stopping = performance.now();
  run.emit({ type: 'stopping', pids: run.supervisor.pids });
  await run.supervisor.stopAll();
  run.receiver ??= await run.receiverStart?.catch(() => undefined);
  await run.receiver?.close();
}

function timingsOf(marks: DemoRun['marks'], t0: number, end: number): DemoTimings {
  return {
    startMs: (marks.started || marks.stopping) - t0,
    driveMs: marks.driven ? marks.driven - marks.started : 0,
    pollMs: marks.polled ? marks.polled - marks.driven : 0,
    stopMs: end - marks.stopping,
    totalMs: end - t0,
  };
}

function exitCodeOf(error: string | undefined, poll: PollResult | undefined, exportFailed: boolean): 0 | 1 | 2 {
  if (error !== undefined || !poll) return EXIT_CANNOT_CHECK;
  if (!poll.result.passed) return EXIT_FAILED;
  return exportFailed ? EXIT_CANNOT_CHECK : EXIT_OK;
}

function newRun(options: DemoOptions): DemoRun {
  const abort = new AbortController();
  const aborted = new Promise<never>((_, reject) =>
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }),
  );
  aborted.catch(() => undefined);
  const supervisor = new ProcessSupervisor({ onOutput: options.onHopOutput, killGraceMs: 3000 });
  return {
    options,
    emit: options.onEvent ?? (() => undefined),
    supervisor,
    abort,
    guard: <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]),
    phase: 'starting',
    marks: { started: 0, driven: 0, polled: 0, stopping: 0 },
    hops: [],
    requests: [],
    exportFailed: false,
  };
}

/** Runs the demo; never throws for expected failures (they become exit codes with a message). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoOutcome> {
  const t0 = performance.now();
  const specPath = options.specPath ?? DEFAULT_DEMO_SPEC;
  const deadlineMs = options.deadlineMs ?? 60_000;
  const run = newRun(options);
  options.onSupervisor?.(run.supervisor);
  run.supervisor.onInterrupt((signal) =>
    run.abort.abort(new DemoAborted(`interrupted by ${signal} while ${run.phase}; every process was stopped`)),
  );
  const deadline = setTimeout(
    () =>
      run.abort.abort(new DemoAborted(`the demo did not finish within ${formatDuration(deadlineMs * 1000)} (stuck while ${run.phase})`)),
    deadlineMs,
  );
  let failure: ReturnType<typeof failureOf> | undefined;
  try {
    await runPhases(run, specPath);
  } catch (err) {
    failure = failureOf(err);
  } finally {
    clearTimeout(deadline);
    await stopEverything(run);
  }
  const end = performance.now();
  const { poll } = run;
  const error = failure?.error;
  return {
    exitCode: exitCodeOf(error, poll, run.exportFailed),
    topology: run.topology,
    hops: run.hops,
    requests: run.requests,
    result: poll?.result,
    traces: poll?.traces ?? [],
    pool: poll?.pool ?? [],
    polls: poll?.polls ?? 0,
    timings: timingsOf(run.marks, t0, end),
    pids: run.supervisor.pids,
    leftRunning: run.supervisor.pids.filter(isProcessAlive),
    error,
    errorOutput: failure?.errorOutput,
    htmlPath: error === undefined ? options.htmlPath : undefined,
    jaeger: run.jaeger,
    ...(run.exportFailed ? { exportFailed: run.exportFailed } : {}),
    specPath,
  };
}

function describeFaults(topology: DemoTopology): string {
  const faults = Object.values(topology.hops).flatMap((h) => h.faults.map((f) => `${h.name}:${f}`));
  const formats = Object.values(topology.hops)
    .filter((h) => h.propagate.length > 0)
    .map((h) => `${h.name} writes ${h.propagate.join(',')}`);
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
