/**
 * Polls a source and re-verifies until the spec holds, the span count has been stable for N
 * polls, or the deadline passes; it always says how many polls it made, how many spans it saw
 * and the closest partial match. Push sources (the OTLP receiver) wake it as spans land, so the
 * verdict comes well inside one poll interval after the last span.
 */
import type { Trace } from './model';
import type { Spec } from './spec';
import type { DriverReport } from './diagnosis';
import { verifyTraces, type VerifyResult } from './verify-traces';
import type { TraceSource, FetchResult } from './sources/trace-source';
import type { TraceWindow } from './sources/jaeger-v3';
import { BackendUnreachableError } from './sources/http-get';

export interface PollOptions {
  readonly traceIds?: readonly string[];
  readonly window?: TraceWindow;
  readonly driver?: DriverReport;
  readonly requests?: number;
  /** @default spec.poll.intervalUs / 1000 */
  readonly intervalMs?: number;
  /** @default spec.poll.timeoutUs / 1000 */
  readonly timeoutMs?: number;
  /** @default spec.poll.stablePolls */
  readonly stablePolls?: number;
  readonly clockSkewToleranceUs?: number;
  /** Called after every poll (progress output). */
  readonly onPoll?: (poll: number, result: VerifyResult) => void;
}

export type PollStop = 'matched' | 'stable' | 'timeout' | 'single';

export interface PollOutcome {
  readonly result: VerifyResult;
  /** The traces of the last poll (for the tree report). */
  readonly traces: readonly Trace[];
  readonly polls: number;
  readonly elapsedMs: number;
  readonly stoppedBy: PollStop;
  readonly spansSeen: number;
}

function spanCount(fr: FetchResult): number {
  let n = 0;
  for (const t of fr.pool) n += t.spans.length;
  return n;
}

/** Where the polling stands between polls. */
interface PollState {
  polls: number;
  lastCount: number;
  stableFor: number;
  lastError?: BackendUnreachableError;
}

/** The wait between polls, cut short when a push source reports spans (`pending` says one did since `reset`). */
interface PushWaker {
  readonly pending: () => boolean;
  readonly reset: () => void;
  readonly wait: (ms: number) => Promise<void>;
  readonly unsubscribe?: () => void;
}

function pushWaker(source: TraceSource): PushWaker {
  let woken: (() => void) | undefined;
  let pending = false;
  const unsubscribe = source.subscribe?.(() => {
    pending = true;
    woken?.();
  });
  const wait = async (ms: number): Promise<void> => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      woken = () => {
        clearTimeout(timer);
        // Let the rest of a burst of batches land before re-evaluating.
        setTimeout(resolve, Math.min(20, ms));
      };
    });
    woken = undefined;
  };
  return { pending: () => pending, reset: () => (pending = false), wait, unsubscribe };
}

/** One fetch; a retryable backend error is kept in `state` (undefined result) unless it is a wrong address on the first poll. */
async function fetchPoll(spec: Spec, source: TraceSource, opts: PollOptions, state: PollState): Promise<FetchResult | undefined> {
  try {
    const fr = await source.fetch({
      spec,
      ...(opts.traceIds ? { traceIds: opts.traceIds } : {}),
      ...(opts.window ? { window: opts.window } : {}),
    });
    state.lastError = undefined;
    return fr;
  } catch (err) {
    if (!(err instanceof BackendUnreachableError)) throw err;
    if (!err.retryable) throw err;
    // Refused on the first poll is a wrong URL or a missing port-forward: say so now, not after the timeout.
    if (state.polls === 1 && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(err.message)) throw err;
    state.lastError = err;
    return undefined;
  }
}

function verifyPoll(spec: Spec, fr: FetchResult, opts: PollOptions): VerifyResult {
  return verifyTraces(spec, fr.traces, {
    pool: fr.pool,
    backend: fr.backend,
    ...(opts.traceIds ? { traceIds: opts.traceIds } : {}),
    ...(opts.driver ? { driver: opts.driver } : {}),
    ...(opts.requests !== undefined ? { requests: opts.requests } : {}),
    ...(opts.clockSkewToleranceUs !== undefined ? { clockSkewToleranceUs: opts.clockSkewToleranceUs } : {}),
  });
}

/** Whether this poll ends the polling, and why; updates the stable-count streak. */
function stopReason(
  spec: Spec,
  source: TraceSource,
  fr: FetchResult,
  result: VerifyResult,
  { state, stablePolls, deadline }: { state: PollState; stablePolls: number; deadline: number },
): PollStop | undefined {
  if (source.once) return result.passed ? 'matched' : 'single';
  const count = spanCount(fr);
  state.stableFor = count > 0 && count === state.lastCount ? state.stableFor + 1 : 0;
  state.lastCount = count;
  // A sampling-rate verdict counts traces: early polls see too few, so it waits for a stable count.
  if (result.passed && !spec.rules.sampling) return 'matched';
  if (state.stableFor >= stablePolls) return result.passed ? 'matched' : 'stable';
  if (Date.now() >= deadline) return 'timeout';
  return undefined;
}

export async function pollAndVerify(spec: Spec, source: TraceSource, opts: PollOptions = {}): Promise<PollOutcome> {
  const started = Date.now();
  const intervalMs = opts.intervalMs ?? spec.poll.intervalUs / 1000;
  const timeoutMs = opts.timeoutMs ?? spec.poll.timeoutUs / 1000;
  const stablePolls = opts.stablePolls ?? spec.poll.stablePolls;
  const deadline = started + timeoutMs;
  const waker = pushWaker(source);
  const state: PollState = { polls: 0, lastCount: -1, stableFor: 0 };
  try {
    for (;;) {
      state.polls++;
      waker.reset();
      const fr = await fetchPoll(spec, source, opts, state);
      if (fr) {
        const result = verifyPoll(spec, fr, opts);
        opts.onPoll?.(state.polls, result);
        const stoppedBy = stopReason(spec, source, fr, result, { state, stablePolls, deadline });
        if (stoppedBy)
          return { result, traces: fr.traces, polls: state.polls, elapsedMs: Date.now() - started, stoppedBy, spansSeen: spanCount(fr) };
      } else if (Date.now() >= deadline) {
        throw state.lastError!;
      }
      const wait = Math.max(0, Math.min(intervalMs, deadline - Date.now()));
      if (!waker.pending()) await waker.wait(wait);
    }
  } finally {
    waker.unsubscribe?.();
  }
}
