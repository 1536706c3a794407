import type { Span, Trace } from '../model';
import type { TraceSource } from './trace-source';

/**
 * The driver's minted span is the parent of the entry span but is never exported. Spans whose
 * parent is exactly a driver span become roots: the driver is the client that started the trace,
 * and `noOrphans` must judge the mesh, not it. (The trace index also promotes the earliest orphan
 * of a rootless trace; this is the precise version: it holds when a retried or fanned-out entry
 * gives several spans with the driver as parent, and never excuses a hop that lost its parent.)
 */
export function withDriverAsRoot(source: TraceSource, driverSpanIds: ReadonlySet<string>): TraceSource {
  const rootSpan = (span: Span): Span => {
    if (span.parentSpanId === undefined || !driverSpanIds.has(span.parentSpanId)) return span;
    const { parentSpanId: _driver, ...rest } = span;
    return rest;
  };
  const rootTrace = (t: Trace): Trace => ({ ...t, spans: t.spans.map(rootSpan) });
  return {
    ...source,
    description: source.description,
    fetch: async (req) => {
      const result = await source.fetch(req);
      return { ...result, traces: result.traces.map(rootTrace), pool: result.pool.map(rootTrace) };
    },
    ...(source.subscribe ? { subscribe: (wake: () => void) => source.subscribe!(wake) } : {}),
  };
}
