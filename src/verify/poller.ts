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

export async function pollAndVerify(spec: Spec, source: TraceSource, opts: PollOptions = {}): Promise<PollOutcome> {
  const started = Date.now();
  const intervalMs = opts.intervalMs ?? spec.poll.intervalUs / 1000;
  const timeoutMs = opts.timeoutMs ?? spec.poll.timeoutUs / 1000;
  const stablePolls = opts.stablePolls ?? spec.poll.stablePolls;
  const deadline = started + timeoutMs;
  let woken: (() => void) | undefined;
  let pending = false;
  const unsubscribe = source.subscribe?.(() => {
    pending = true;
    woken?.();
  });
  let polls = 0;
  let lastCount = -1;
  let stableFor = 0;
  let lastError: BackendUnreachableError | undefined;
  try {
    for (;;) {
      polls++;
      pending = false;
      let fr: FetchResult | undefined;
      try {
        fr = await source.fetch({
          spec,
          ...(opts.traceIds ? { traceIds: opts.traceIds } : {}),
          ...(opts.window ? { window: opts.window } : {}),
        });
        lastError = undefined;
      } catch (err) {
        if (!(err instanceof BackendUnreachableError)) throw err;
        if (!err.retryable) throw err;
        // Refused on the first poll is a wrong URL or a missing port-forward: say so now, not after the timeout.
        if (polls === 1 && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(err.message)) throw err;
        lastError = err;
      }
      if (fr) {
        const result = verifyTraces(spec, fr.traces, {
          pool: fr.pool,
          backend: fr.backend,
          ...(opts.traceIds ? { traceIds: opts.traceIds } : {}),
          ...(opts.driver ? { driver: opts.driver } : {}),
          ...(opts.requests !== undefined ? { requests: opts.requests } : {}),
          ...(opts.clockSkewToleranceUs !== undefined ? { clockSkewToleranceUs: opts.clockSkewToleranceUs } : {}),
        });
        opts.onPoll?.(polls, result);
        const outcome = (stoppedBy: PollStop): PollOutcome => ({
          result,
          traces: fr!.traces,
          polls,
          elapsedMs: Date.now() - started,
          stoppedBy,
          spansSeen: spanCount(fr!),
        });
        if (source.once) return outcome(result.passed ? 'matched' : 'single');
        const count = spanCount(fr);
        stableFor = count > 0 && count === lastCount ? stableFor + 1 : 0;
        lastCount = count;
        // A sampling-rate verdict counts traces: early polls see too few, so it waits for a stable count.
        if (result.passed && !spec.rules.sampling) return outcome('matched');
        if (stableFor >= stablePolls) return outcome(result.passed ? 'matched' : 'stable');
        if (Date.now() >= deadline) return outcome('timeout');
      } else if (Date.now() >= deadline) {
        throw lastError!;
      }
      const wait = Math.max(0, Math.min(intervalMs, deadline - Date.now()));
      if (!pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          woken = () => {
            clearTimeout(timer);
            // Let the rest of a burst of batches land before re-evaluating.
            setTimeout(resolve, Math.min(20, wait));
          };
        });
        woken = undefined;
      }
    }
  } finally {
    unsubscribe?.();
  }
}
