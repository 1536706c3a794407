/**
 * Trace files: whatever a user exports from Jaeger — the UI's "Download JSON" / `/api/traces/{id}`
 * (UI model), a `/api/v3/traces` response (`{"result": TracesData}`) —, a Zipkin API v2 answer (the
 * UI's "Download JSON", `/api/v2/trace/{id}`, or a `/api/v2/traces` search), a Grafana Tempo
 * `/api/traces/{id}` or `/api/v2/traces/{id}` answer, or plain OTLP/JSON `TracesData` (collector
 * file exporter: possibly one JSON document per line). The format is told by the document's shape.
 */
import { readFile } from 'node:fs/promises';
import type { Trace } from '../model';
import { groupTraces, spansFromOtlp } from './otlp';
import { OtlpLimitError } from './otlp-limits';
import { isJaegerJson, tracesFromJaegerJson } from './jaeger-legacy-json';
import { isTempoSearch, isTempoTrace, tempoSearchTraceIds, tracesFromTempo } from './tempo';
import { isZipkinJson, tracesFromZipkinJson, ZipkinFormatError } from './zipkin-json';

/* eslint-disable @typescript-eslint/no-explicit-any */

export class TraceFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceFileError';
  }
}

/** Any supported JSON document → traces. Throws TraceFileError naming what it saw when nothing fits. */
export function tracesFromDocument(doc: any, origin = 'document'): Trace[] {
  try {
    return tracesOf(doc, origin);
  } catch (err) {
    if (err instanceof OtlpLimitError) throw new TraceFileError(`${origin}: ${err.message}`);
    if (err instanceof ZipkinFormatError) throw new TraceFileError(err.message);
    throw err;
  }
}

function tracesOf(doc: any, origin: string): Trace[] {
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && doc.result && typeof doc.result === 'object') {
    return groupTraces(spansFromOtlp(doc.result));
  }
  if (doc && (doc.resourceSpans || doc.resource_spans)) return groupTraces(spansFromOtlp(doc));
  if (isJaegerJson(doc)) return tracesFromJaegerJson(doc);
  if (isZipkinJson(doc)) return tracesFromZipkinJson(doc, origin);
  if (isTempoTrace(doc)) return tracesFromTempo(doc);
  if (isTempoSearch(doc)) {
    const ids = tempoSearchTraceIds(doc);
    throw new TraceFileError(
      `${origin}: a Grafana Tempo search answer (GET /api/search), which holds only the spans and attributes the query selected, without parent ids, so no trace can be judged from it; ` +
        `fetch whole traces with GET /api/traces/{id}${ids.length ? ` for ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}` : ' (it names no trace)'}`,
    );
  }
  if (doc && Array.isArray(doc.data) && doc.data.length === 0) return [];
  const keys = doc && typeof doc === 'object' ? Object.keys(doc).slice(0, 5).join(', ') : typeof doc;
  throw new TraceFileError(
    `${origin}: not a trace document (top-level keys: ${keys || 'none'}); expected Jaeger UI JSON ({"data": [{"traceID", "spans", "processes"}]}), ` +
      'a Jaeger /api/v3 response ({"result": {"resourceSpans": …}}), a Zipkin /api/v2/trace/{id} response ([{"traceId", "id", …}]), a Tempo /api/traces/{id} response ({"batches": […]}) or OTLP/JSON ({"resourceSpans": …})',
  );
}

/** Parses file text: one JSON document, or JSON lines (OTLP file exporter). */
export function tracesFromText(text: string, origin = 'trace file'): Trace[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new TraceFileError(`${origin}: the file is empty`);
  try {
    return tracesFromDocument(JSON.parse(trimmed), origin);
  } catch (err) {
    if (err instanceof TraceFileError) throw err;
    const lines = trimmed.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 1) {
      const traces = lines.flatMap((line, i) => {
        try {
          return tracesFromDocument(JSON.parse(line), `${origin} line ${i + 1}`);
        } catch (lineErr) {
          if (lineErr instanceof TraceFileError) throw lineErr;
          throw new TraceFileError(`${origin} line ${i + 1}: not valid JSON (${(lineErr as Error).message})`);
        }
      });
      return mergeTraces(traces);
    }
    throw new TraceFileError(`${origin}: not valid JSON (${(err as Error).message})`);
  }
}

/** Reads a trace file. Errors name the path. */
export async function loadTraceFile(path: string): Promise<Trace[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TraceFileError(`cannot read trace file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return tracesFromText(text, path);
}

/** Traces with the same id (from several batches or lines) become one. */
export function mergeTraces(traces: readonly Trace[]): Trace[] {
  const byId = new Map<string, Trace>();
  for (const t of traces) {
    const prev = byId.get(t.traceId);
    byId.set(t.traceId, prev ? { traceId: t.traceId, spans: [...prev.spans, ...t.spans] } : t);
  }
  return [...byId.values()];
}
