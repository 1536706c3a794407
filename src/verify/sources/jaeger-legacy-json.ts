/**
 * Jaeger's internal UI JSON (`GET /api/traces/{id}`, the Jaeger UI's "Download JSON") → the Trace
 * model. Times are µs; `references` carry the parent; `processes` carry service names; tags are
 * typed (`int64` may arrive as a string past 2^53; `bool` sometimes as the string "true").
 * Pure, never throws: malformed spans are skipped. Query API answers are checked against
 * jaeger-responses.ts before they get here; trace files (the UI's download) are read leniently.
 */
import { ATTR_OTEL_STATUS_CODE, ATTR_OTEL_STATUS_DESCRIPTION, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { AttributeValue, Span, SpanEvent, SpanKind, SpanLink, SpanStatus, Trace } from '../model';
import { normalizeSpanId, normalizeTraceId } from '../ids';
import { scopeOfTags } from './scope-tags';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Loose = any;

const KINDS: readonly SpanKind[] = ['server', 'client', 'producer', 'consumer', 'internal'];

function tagValue(tag: Loose): AttributeValue | undefined {
  const v = tag?.value;
  switch (tag?.type) {
    case 'bool':
      return v === true || v === 'true';
    case 'int64': {
      const n = typeof v === 'number' ? v : Number(v);
      return Number.isSafeInteger(n) ? n : String(v);
    }
    case 'float64':
      return typeof v === 'number' ? v : Number(v);
    default:
      // string, binary (base64 text) and unknown types are kept as text.
      return v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : (v as AttributeValue);
  }
}

function tagsOf(tags: Loose): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!Array.isArray(tags)) return out;
  for (const t of tags) {
    if (!t || typeof t.key !== 'string') continue;
    const v = tagValue(t);
    if (v !== undefined) out[t.key] = v;
  }
  return out;
}

function statusOf(tags: Record<string, AttributeValue>): SpanStatus {
  const code = tags[ATTR_OTEL_STATUS_CODE];
  const message = tags[ATTR_OTEL_STATUS_DESCRIPTION];
  const withMessage = (c: SpanStatus['code']): SpanStatus => (typeof message === 'string' ? { code: c, message } : { code: c });
  if (code === 'ERROR' || tags['error'] === true) return withMessage('error');
  if (code === 'OK') return withMessage('ok');
  return { code: 'unset' };
}

function logsOf(logs: Loose): SpanEvent[] {
  if (!Array.isArray(logs) || logs.length === 0) return [];
  return logs.map((log: Loose) => {
    const fields = tagsOf(log?.fields);
    const { event, ...rest } = fields;
    return { name: typeof event === 'string' ? event : 'log', timeUs: Number(log?.timestamp) || 0, attributes: rest };
  });
}

/**
 * The parent is the first CHILD_OF reference inside the same trace; failing that, the first
 * FOLLOWS_FROM in the same trace (what the Jaeger UI draws). Every other reference (a second
 * CHILD_OF, a FOLLOWS_FROM beside a parent, any reference into another trace) is a link, with its
 * type kept: Jaeger's OTLP translation turns span links into such references.
 */
function referencesOf(refs: Loose, traceId: string): { parentSpanId?: string; links?: SpanLink[] } {
  if (!Array.isArray(refs)) return {};
  const valid = refs.filter((r: Loose) => r && typeof r.spanID === 'string' && r.spanID !== '');
  const same = valid.filter((r: Loose) => normalizeTraceId(String(r.traceID ?? traceId)) === traceId);
  const parent = same.find((r: Loose) => r.refType === 'CHILD_OF') ?? same.find((r: Loose) => r.refType === 'FOLLOWS_FROM');
  const links: SpanLink[] = valid
    .filter((r: Loose) => r !== parent)
    .map((r: Loose) => ({
      traceId: normalizeTraceId(String(r.traceID ?? traceId)),
      spanId: normalizeSpanId(r.spanID),
      attributes: {},
      ...(r.refType === 'CHILD_OF' || r.refType === 'FOLLOWS_FROM' ? { refType: r.refType } : {}),
    }));
  return { ...(parent ? { parentSpanId: normalizeSpanId(parent.spanID) } : {}), ...(links.length ? { links } : {}) };
}

/** One trace of the UI model (`{traceID, spans, processes}`). */
export function traceFromJaegerJson(t: Loose): Trace | undefined {
  if (!t || !Array.isArray(t.spans)) return undefined;
  const processes: Loose = t.processes && typeof t.processes === 'object' ? t.processes : {};
  const traceId = normalizeTraceId(String(t.traceID ?? t.spans[0]?.traceID ?? ''));
  const spans: Span[] = [];
  for (const s of t.spans) {
    if (!s || typeof s.spanID !== 'string') continue;
    const process = processes[s.processID] ?? s.process ?? {};
    const serviceName = typeof process.serviceName === 'string' ? process.serviceName : undefined;
    const attributes = tagsOf(s.tags);
    const kindTag = attributes['span.kind'];
    const spanTraceId = normalizeTraceId(String(s.traceID ?? traceId));
    const { parentSpanId, links } = referencesOf(s.references, spanTraceId);
    const scope = scopeOfTags(attributes);
    spans.push({
      traceId: spanTraceId,
      spanId: normalizeSpanId(s.spanID),
      ...(parentSpanId === undefined ? {} : { parentSpanId }),
      service: serviceName ?? 'unknown_service',
      name: typeof s.operationName === 'string' ? s.operationName : '',
      kind: typeof kindTag === 'string' && (KINDS as string[]).includes(kindTag) ? (kindTag as SpanKind) : 'unspecified',
      startUs: Number(s.startTime) || 0,
      durationUs: Number(s.duration) || 0,
      attributes,
      // Jaeger takes service.name out of the resource into serviceName (real 2.x: process tags []);
      // put it back, so a resource assertion reads the same from /api/traces as from /api/v3.
      resource: { ...(serviceName === undefined ? {} : { [ATTR_SERVICE_NAME]: serviceName }), ...tagsOf(process.tags) },
      events: logsOf(s.logs),
      status: statusOf(attributes),
      ...(links ? { links } : {}),
      ...(scope ? { scope } : {}),
    });
  }
  return { traceId, spans };
}

/** `{data: [trace…]}` envelope, a bare trace, or an array of traces. */
export function tracesFromJaegerJson(doc: Loose): Trace[] {
  const list: Loose[] = Array.isArray(doc) ? doc : Array.isArray(doc?.data) ? doc.data : doc?.spans ? [doc] : [];
  return list.map(traceFromJaegerJson).filter((t): t is Trace => t !== undefined);
}

/** True when a document looks like the UI model rather than OTLP. */
export function isJaegerJson(doc: Loose): boolean {
  const first = Array.isArray(doc) ? doc[0] : Array.isArray(doc?.data) ? doc.data[0] : doc;
  return Boolean(first && Array.isArray(first.spans) && (first.processes || first.spans[0]?.operationName !== undefined));
}
