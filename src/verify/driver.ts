/**
 * The driver: sends N requests to a trigger URL, each with a freshly minted, sampled trace
 * context (W3C by default; B3, Jaeger and Envoy's `x-client-trace-id` on request), so the
 * resulting traces are looked up by id instead of searched for. It also reads the id an
 * application returns itself (`traceresponse`, `server-timing: traceparent;desc=…`).
 * Every request has a timeout; a failed request is recorded, never thrown.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { childContext, extractResponseTrace, inject, type PropagationFormat, type SamplingDecision } from '../propagation';
import type { PropagationFormatName } from './spec';
import type { DriverReport } from './diagnosis';
import { RANDOM_IDS } from '../random-ids';

export interface DriveOptions {
  readonly url: string;
  /** @default 'GET' */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** @default 1 */
  readonly requests?: number;
  /** Requests in flight at once. @default 1 */
  readonly concurrency?: number;
  /** Context formats to send. @default ['w3c'] */
  readonly propagation?: readonly PropagationFormatName[];
  /** Ask for sampling. @default true (a driver that sends sampled=0 finds nothing) */
  readonly sampled?: boolean;
  /**
   * Send ids WITHOUT a decision (B3 with no sampled state), so the first hop's sampler decides:
   * the found/driven ratio then measures that sampler. Needs propagation b3 or b3multi only.
   * Overrides `sampled`.
   * @default false
   */
  readonly deferSampling?: boolean;
  /** Per-request timeout. @default 10 000 ms */
  readonly timeoutMs?: number;
}

export interface DrivenRequest {
  readonly traceId: string;
  readonly spanId: string;
  readonly status?: number;
  /** Connection or timeout error text (no status then). */
  readonly error?: string;
  readonly durationMs: number;
  /** Trace id the application reported back, when it did. */
  readonly returnedTraceId?: string;
  readonly returnedSampled?: boolean;
}

export interface DriveResult {
  readonly requests: readonly DrivenRequest[];
  /** The ids to look up: the application's own id when it returned one, else the minted one. */
  readonly traceIds: readonly string[];
  readonly report: DriverReport;
  readonly startedAtUs: number;
  readonly endedAtUs: number;
}

const FORMAT_MAP: Readonly<Record<Exclude<PropagationFormatName, 'envoy'>, PropagationFormat>> = {
  w3c: 'w3c',
  b3: 'b3single',
  b3multi: 'b3multi',
  jaeger: 'jaeger',
};

/**
 * Reads the context the application reports on its response (`server-timing` trace metric or
 * `traceresponse`) with the propagation parsers, so an id the request header would refuse
 * (all zeros, wrong length, version ff) is refused here too.
 */
export function returnedContext(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): { traceId: string; sampled: boolean } | undefined {
  const back = extractResponseTrace(headers);
  return back ? { traceId: back.traceId, sampled: (back.flags & 1) === 1 } : undefined;
}

/** The path (and query) of the triggering request: the spec's own trigger URL wins over the lane's default (pure). */
export function triggerPath(specTriggerUrl: string | undefined, fallback: string): string {
  if (!specTriggerUrl) return fallback;
  try {
    const url = new URL(specTriggerUrl);
    return `${url.pathname}${url.search}`;
  } catch {
    return fallback;
  }
}

/** Headers for one request: the minted context in every asked format. */
export function mintHeaders(
  propagation: readonly PropagationFormatName[],
  sampled: boolean | SamplingDecision,
): { traceId: string; spanId: string; headers: Record<string, string> } {
  const sampling: SamplingDecision = sampled === true ? 'sampled' : sampled === false ? 'not-sampled' : sampled;
  // A new root: traceparent flags 01, without the Level 2 random bit (childContext), which
  // OpenTelemetry Go 1.41 and older (real Traefik 3.6.12, HotROD) refuse.
  const minted = childContext(RANDOM_IDS, undefined, { sampling: sampling === 'deferred' ? 'sampled' : sampling, debug: false });
  // childContext always decides a new root; a deferred one keeps its fresh ids and drops the decision.
  const ctx = sampling === 'deferred' ? { ...minted, sampling: 'deferred' as const } : minted;
  const formats = propagation.filter((p): p is Exclude<PropagationFormatName, 'envoy'> => p !== 'envoy').map((p) => FORMAT_MAP[p]);
  const headers = formats.length ? inject({ context: ctx, formats }) : {};
  // Envoy joins x-client-trace-id to its x-request-id and forces the trace (Istio: client sampling 100 %).
  if (propagation.includes('envoy')) headers['x-client-trace-id'] = randomUUID();
  return { traceId: ctx.traceId, spanId: ctx.spanId, headers };
}

async function one(opts: DriveOptions, sampled: boolean | SamplingDecision): Promise<DrivenRequest> {
  const minted = mintHeaders(opts.propagation ?? ['w3c'], sampled);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const started = performance.now();
  try {
    const res = await request(opts.url, {
      method: (opts.method ?? 'GET') as 'GET',
      headers: { ...opts.headers, ...minted.headers },
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    const back = returnedContext(res.headers as Record<string, string | string[] | undefined>);
    return {
      traceId: minted.traceId,
      spanId: minted.spanId,
      status: res.statusCode,
      durationMs: performance.now() - started,
      ...(back ? { returnedTraceId: back.traceId, returnedSampled: back.sampled } : {}),
    };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code ?? e.name;
    return { traceId: minted.traceId, spanId: minted.spanId, error: `${code}: ${e.message}`, durationMs: performance.now() - started };
  }
}

export async function drive(opts: DriveOptions): Promise<DriveResult> {
  const n = Math.max(1, opts.requests ?? 1);
  const concurrency = Math.max(1, Math.min(n, opts.concurrency ?? 1));
  const formats = opts.propagation ?? ['w3c'];
  if (opts.deferSampling && formats.some((f) => f !== 'b3' && f !== 'b3multi')) {
    // W3C/Jaeger would send sampled=0 and Envoy's x-client-trace-id forces a trace: neither defers.
    throw new Error(
      `deferSampling needs propagation b3 or b3multi only (got ${formats.join(', ') || 'none'}): only B3 can send ids without a sampling decision`,
    );
  }
  const decision: boolean | SamplingDecision = opts.deferSampling ? 'deferred' : (opts.sampled ?? true);
  const sampled = decision !== false;
  const startedAtUs = Date.now() * 1000;
  const results: DrivenRequest[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await one(opts, decision);
      }
    }),
  );
  const returned = results.filter((r) => r.returnedTraceId).map((r) => r.returnedTraceId!);
  const restarted = results
    .filter((r) => r.returnedTraceId !== undefined && r.returnedTraceId !== r.traceId)
    .map((r) => ({ sent: r.traceId, returned: r.returnedTraceId! }));
  return {
    requests: results,
    traceIds: results.map((r) => r.returnedTraceId ?? r.traceId),
    report: {
      sampled,
      ...(opts.deferSampling ? { deferred: true } : {}),
      formats,
      requests: n,
      ...(returned.length
        ? {
            returnedTraceIds: returned,
            returnedSampled: results.filter((r) => r.returnedSampled !== undefined).map((r) => r.returnedSampled!),
          }
        : {}),
      ...(restarted.length ? { restarted } : {}),
    },
    startedAtUs,
    endedAtUs: Date.now() * 1000,
  };
}
