/**
 * A trace source, as the poller sees it: "give me what you have now for these trace ids / this
 * window". Four kinds: fixed traces (files), the embedded OTLP receiver, Jaeger's query API and
 * Zipkin's API v2 (the last two through one lookup-and-search loop).
 */
import type { Trace } from '../model';
import type { BackendReport } from '../diagnosis';
import type { Spec } from '../spec';
import { matchSpan } from '../matcher';
import type { OtlpReceiver } from './otlp-receiver';
import { JaegerV3Source, type JaegerQueryOptions, type TraceWindow } from './jaeger-v3';
import { JaegerLegacySource } from './jaeger-legacy';
import type { FindQuery } from './jaeger-v3';
import type { ZipkinSource } from './zipkin';
import { BackendUnreachableError } from './http-get';

export interface FetchRequest {
  readonly spec: Spec;
  readonly traceIds?: readonly string[];
  /** When the traces were made (epoch µs). */
  readonly window?: TraceWindow;
}

export interface FetchResult {
  /** Traces to judge from (the ids asked for, or everything relevant). */
  readonly traces: readonly Trace[];
  /** Everything seen around them, for split-trace diagnosis. */
  readonly pool: readonly Trace[];
  readonly backend: BackendReport;
}

export interface TraceSource {
  readonly description: string;
  /** The data cannot change (a file): one evaluation is the answer. */
  readonly once?: boolean;
  fetch(req: FetchRequest): Promise<FetchResult>;
  /** Calls `wake` whenever new data may be there (push sources); returns an unsubscribe. */
  subscribe?(wake: () => void): () => void;
}

/** Traces known up front (a trace file). */
export function staticSource(traces: readonly Trace[], description: string): TraceSource {
  return {
    description,
    once: true,
    fetch: async () => ({ traces, pool: traces, backend: { kind: 'file', url: description } }),
  };
}

export function receiverSource(receiver: OtlpReceiver): TraceSource {
  return {
    description: `OTLP receiver ${receiver.url}/v1/traces`,
    fetch: async () => {
      const traces = receiver.traces();
      return {
        traces,
        pool: traces,
        backend: { kind: 'otlp-receiver', url: `${receiver.url}/v1/traces`, spansReceived: receiver.spansReceived },
      };
    },
    subscribe: (wake) => receiver.onSpans(() => wake()),
  };
}

export type JaegerApi = 'v3' | 'legacy' | 'auto';

/** Picks the API: v3 when `/api/v3/services` answers, else the legacy UI API. Throws BackendUnreachableError. */
export async function connectJaeger(opts: JaegerQueryOptions, api: JaegerApi = 'auto'): Promise<JaegerV3Source | JaegerLegacySource> {
  if (api === 'v3') return new JaegerV3Source(opts);
  if (api === 'legacy') return new JaegerLegacySource(opts);
  const v3 = new JaegerV3Source(opts);
  const services = await v3.services();
  if (services !== undefined) return v3;
  const legacy = new JaegerLegacySource(opts);
  if ((await legacy.services()) !== undefined) return legacy;
  throw new BackendUnreachableError(
    opts.baseUrl,
    `${opts.baseUrl} is reachable but serves neither /api/v3/services nor /api/services: is it the Jaeger query port (16686), and does Jaeger run with a base path (then add it, e.g. ${opts.baseUrl.replace(/\/+$/, '')}/jaeger)?`,
  );
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** The name the Jaeger source's options had first; the same options. */
export type JaegerSourceOptions = QuerySourceOptions;

/** A query API that looks traces up by id and searches a service's traces in a window (Jaeger, Zipkin). */
export interface TraceQueryClient {
  getTrace(traceId: string, window?: TraceWindow): Promise<Trace | undefined>;
  findTraces(q: FindQuery): Promise<Trace[]>;
  /** `undefined` when the backend has no services endpoint. */
  services(): Promise<string[] | undefined>;
}

/** How a query-API source (Jaeger, Zipkin) searches. */
export interface QuerySourceOptions {
  /** How far back to search when no trace id is known. @default 15 min */
  readonly lookbackUs?: number;
  /** Traces per service search. @default 20 */
  readonly searchLimit?: number;
}

export function jaegerSource(client: JaegerV3Source | JaegerLegacySource, baseUrl: string, opts: QuerySourceOptions = {}): TraceSource {
  return queryApiSource(
    client,
    { description: `Jaeger ${client.kind === 'v3' ? '/api/v3' : '/api'} at ${baseUrl}`, backend: 'jaeger', url: baseUrl },
    opts,
  );
}

/** Zipkin's API v2 as a trace source: lookups by id, and searches of the spec's services over the window. */
export function zipkinSource(client: ZipkinSource, baseUrl: string, opts: QuerySourceOptions = {}): TraceSource {
  return queryApiSource(client, { description: `Zipkin /api/v2 at ${baseUrl}`, backend: 'zipkin', url: baseUrl }, opts);
}

/**
 * The poll step of a query API: the given ids looked up; unless every one is there with every expected
 * span, the spec's services searched over the window (without ids that finds the traces; with them, the
 * split-off fragments).
 */
function queryApiSource(
  client: TraceQueryClient,
  about: { description: string; backend: 'jaeger' | 'zipkin'; url: string },
  opts: QuerySourceOptions,
): TraceSource {
  const baseUrl = about.url;
  let knownServices: string[] | undefined;
  async function servicesMatching(spec: Spec): Promise<string[]> {
    const wanted = spec.matchers.map((m) => m.service).filter((p) => p !== undefined);
    const exact = wanted.filter((p) => 'exact' in p).map((p) => (p as { exact: string }).exact);
    if (exact.length === wanted.length) return [...new Set(exact)];
    // Asked again on every search: a list read before the services' first spans arrived would hide them
    // for the rest of the poll (seen with real Jaeger: the first poll ran before any proxy had flushed).
    knownServices = (await client.services()) ?? [];
    return knownServices.filter((s) => wanted.some((p) => ('exact' in p ? p.exact === s : p.regex.test(s))));
  }
  return {
    description: about.description,
    async fetch(req) {
      const now = Date.now() * 1000;
      const window = req.window ?? { startUs: now - (opts.lookbackUs ?? 15 * 60_000_000), endUs: now };
      const limit = opts.searchLimit ?? 20;
      let traces: Trace[] = [];
      if (req.traceIds && req.traceIds.length > 0) {
        traces = (await mapLimit(req.traceIds, 8, (id) => client.getTrace(id, window))).filter((t): t is Trace => t !== undefined);
      }
      const found = new Set(traces.map((t) => t.traceId));
      const pool = [...traces];
      const complete =
        req.traceIds &&
        req.traceIds.length > 0 &&
        traces.length === req.traceIds.length &&
        traces.every((t) => req.spec.matchers.every((m) => t.spans.some((s) => matchSpan(m, s))));
      if (!complete) {
        // Searching the spec's services in the window finds split-off fragments (and, without ids, the traces).
        const services = await servicesMatching(req.spec);
        const searched = await mapLimit(services.slice(0, 12), 4, (service) =>
          client.findTraces({ service, startUs: window.startUs - 1_000_000, endUs: window.endUs + 5_000_000, limit }),
        );
        for (const list of searched) {
          for (const t of list) {
            if (found.has(t.traceId)) continue;
            found.add(t.traceId);
            pool.push(t);
          }
        }
      }
      if (!req.traceIds || req.traceIds.length === 0) traces = pool;
      let services: string[] | undefined;
      if (pool.length === 0) services = knownServices ?? (await client.services()) ?? [];
      return { traces, pool, backend: { kind: about.backend, url: baseUrl, ...(services ? { services } : {}) } };
    },
  };
}
