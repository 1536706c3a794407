/**
 * Grafana Tempo's trace answers → the Trace model. `GET /api/traces/{id}` answers OTLP/JSON under
 * `batches` (ids base64, as protobuf JSON writes bytes; kinds as `SPAN_KIND_*` names); `GET
 * /api/v2/traces/{id}` under `trace.resourceSpans`. Both are whole traces. A search answer
 * (`GET /api/search`, `traces[].spanSet(s)`) is not: it holds only the spans the query selected,
 * with the attributes it selected and no parent ids, so it is refused with the ids to fetch
 * (left-padded: Tempo's search drops leading zeros, giving 31-hex ids).
 */
import type { Trace } from '../model';
import { normalizeTraceId } from '../ids';
import { groupTraces, spansFromOtlp } from './otlp';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Loose = any;

/** `/api/traces/{id}` (`{"batches": [...]}`) or `/api/v2/traces/{id}` (`{"trace": {"resourceSpans": [...]}}`). */
export function isTempoTrace(doc: Loose): boolean {
  return Boolean(doc && typeof doc === 'object' && (Array.isArray(doc.batches) || (doc.trace && Array.isArray(doc.trace.resourceSpans))));
}

export function tracesFromTempo(doc: Loose): Trace[] {
  const resourceSpans = Array.isArray(doc?.batches) ? doc.batches : doc?.trace?.resourceSpans;
  return groupTraces(spansFromOtlp({ resourceSpans: Array.isArray(resourceSpans) ? resourceSpans : [] }));
}

/** A Tempo search answer: `{"traces": [{"traceID", "rootServiceName", …}]}`. */
export function isTempoSearch(doc: Loose): boolean {
  return Boolean(
    doc && typeof doc === 'object' && Array.isArray(doc.traces) && doc.traces.every((t: Loose) => t && typeof t.traceID === 'string'),
  );
}

/** The trace ids a search answer names, as 32 hex characters. */
export function tempoSearchTraceIds(doc: Loose): string[] {
  return isTempoSearch(doc) ? doc.traces.map((t: Loose) => normalizeTraceId(String(t.traceID))) : [];
}
