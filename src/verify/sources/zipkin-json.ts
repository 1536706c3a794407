/**
 * Zipkin's API v2 JSON (`GET /api/v2/trace/{id}`: a list of spans; `GET /api/v2/traces`: a list of
 * such lists) → the Trace model. The answer is checked against the API's span schema first (zod),
 * so an answer that is off fails naming the field and the value, instead of judging half a trace.
 *
 * Zipkin's model differs from OTLP's in ways the conversion has to undo:
 * - ids: trace ids are 16 or 32 hex (a 128-bit id whose high half is zero is written as 16), span ids 16;
 * - `kind` is CLIENT/SERVER/PRODUCER/CONSUMER or absent ("local or incomplete": unspecified here);
 * - tags are strings only, and an `error` tag (any value, even empty) marks a failed span, its value
 *   the message; OpenTelemetry's Zipkin exporter adds `otel.status_code`;
 * - annotations are timestamped strings (Envoy writes `cr`/`ss`): events without attributes;
 * - a span reported in parts arrives as several entries with the same id: they are merged;
 * - B3's shared span model (`shared: true`, Envoy's `shared_span_context`): the callee's SERVER half
 *   has the caller's CLIENT span id. The server half keeps the id (the callee's own calls name it as
 *   their parent) and the client half gets a derived one, parent of the server half, so the tree
 *   reads client → server as with unshared spans.
 * Pure.
 */
import { ATTR_OTEL_STATUS_CODE, ATTR_OTEL_STATUS_DESCRIPTION, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { z } from 'zod';
import type { AttributeValue, Span, SpanKind, SpanStatus, Trace } from '../model';
import { isEmptyId, normalizeSpanId, normalizeTraceId } from '../ids';
import { issuesToProblems, problemLine } from '../../config/problems';
import { scopeOfTags } from './scope-tags';
import { CliError, EXIT_CANNOT_CHECK } from '../../errors';

const hexId = (pattern: RegExp, allowed: string) =>
  z.string().regex(pattern, { message: `is not a Zipkin ${allowed.split(':')[0]}; allowed: ${allowed.split(':')[1]}` });

const endpointSchema = z.object({
  serviceName: z.string().optional(),
  ipv4: z.string().optional(),
  ipv6: z.string().optional(),
  port: z.number().int().nonnegative().optional(),
});

/** One span of Zipkin's API v2 (zipkin-api/zipkin2-api.yaml `Span`); unknown fields are ignored. */
export const zipkinSpanSchema = z.object({
  traceId: hexId(/^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i, 'trace id:16 or 32 hex characters'),
  id: hexId(/^[0-9a-f]{16}$/i, 'span id:16 hex characters'),
  parentId: hexId(/^[0-9a-f]{16}$/i, 'parent span id:16 hex characters').optional(),
  name: z.string().optional(),
  kind: z.enum(['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER']).optional(),
  /** Epoch µs. */
  timestamp: z.number().nonnegative().optional(),
  /** µs. */
  duration: z.number().nonnegative().optional(),
  debug: z.boolean().optional(),
  shared: z.boolean().optional(),
  localEndpoint: endpointSchema.optional(),
  remoteEndpoint: endpointSchema.optional(),
  annotations: z.array(z.object({ timestamp: z.number().nonnegative(), value: z.string() })).optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
export type ZipkinSpan = z.infer<typeof zipkinSpanSchema>;

/** `GET /api/v2/trace/{id}`. */
export const zipkinTraceSchema = z.array(zipkinSpanSchema);
/** `GET /api/v2/traces`. */
export const zipkinTracesSchema = z.array(zipkinTraceSchema);

/**
 * An answer that does not fit Zipkin's API v2: the message names the field, the value and what is
 * allowed. "Could not check" (exit 2), at once: polling again would only get the same answer.
 */
export class ZipkinFormatError extends CliError {
  constructor(message: string) {
    super(message, EXIT_CANNOT_CHECK);
    this.name = 'ZipkinFormatError';
  }
}

/** Problems printed; a broken answer of 10 000 spans says how many more there were. */
const MAX_PROBLEMS = 5;

/** Validates `doc` against `schema`, or throws ZipkinFormatError naming what `origin` got wrong. */
export function parseZipkin<S extends z.ZodType>(schema: S, doc: unknown, origin: string): z.infer<S> {
  const parsed = schema.safeParse(doc);
  if (parsed.success) return parsed.data;
  const problems = issuesToProblems(parsed.error.issues, doc, schema);
  const more = problems.length > MAX_PROBLEMS ? `; … ${problems.length - MAX_PROBLEMS} more` : '';
  throw new ZipkinFormatError(
    `${origin}: not a Zipkin API v2 answer: ${problems.slice(0, MAX_PROBLEMS).map(problemLine).join('; ')}${more}`,
  );
}

const KINDS: Readonly<Record<NonNullable<ZipkinSpan['kind']>, SpanKind>> = {
  CLIENT: 'client',
  SERVER: 'server',
  PRODUCER: 'producer',
  CONSUMER: 'consumer',
};

function statusOf(tags: Readonly<Record<string, string>>): SpanStatus {
  const error = tags['error'];
  const code = tags[ATTR_OTEL_STATUS_CODE];
  const description = tags[ATTR_OTEL_STATUS_DESCRIPTION];
  if (error !== undefined || code === 'ERROR') {
    // Brave and Envoy write the message as the tag's value; OpenTelemetry writes its description there too.
    const message = error !== undefined && error !== '' && error !== 'true' ? error : description;
    return message ? { code: 'error', message } : { code: 'error' };
  }
  if (code === 'OK') return { code: 'ok' };
  return { code: 'unset' };
}

const serviceOf = (s: ZipkinSpan): string => s.localEndpoint?.serviceName ?? '';

function joinTags(parts: readonly ZipkinSpan[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const p of parts) Object.assign(tags, p.tags);
  return tags;
}

/** Entries of one span reported in parts (same trace, id, half and service) → one. */
function mergeParts(parts: readonly ZipkinSpan[]): ZipkinSpan {
  if (parts.length === 1) return parts[0]!;
  const starts = parts.map((p) => p.timestamp).filter((t): t is number => t !== undefined);
  const ends = parts.filter((p) => p.timestamp !== undefined && p.duration !== undefined).map((p) => p.timestamp! + p.duration!);
  // Loops, never spreads: a hostile answer may repeat one id more times than a call takes arguments.
  const timestamp = starts.length ? starts.reduce((a, b) => Math.min(a, b)) : undefined;
  const end = ends.length ? ends.reduce((a, b) => Math.max(a, b)) : undefined;
  const seen = new Set<string>();
  const annotations = parts
    .flatMap((p) => p.annotations ?? [])
    .filter((a) => (seen.has(`${a.timestamp} ${a.value}`) ? false : (seen.add(`${a.timestamp} ${a.value}`), true)))
    .sort((a, b) => a.timestamp - b.timestamp);
  const first = <K extends keyof ZipkinSpan>(key: K): ZipkinSpan[K] | undefined =>
    parts.find((p) => p[key] !== undefined && p[key] !== '')?.[key];
  const merged: ZipkinSpan = {
    ...parts[0]!,
    ...Object.fromEntries(
      (['parentId', 'name', 'kind', 'localEndpoint', 'remoteEndpoint'] as const)
        .map((k) => [k, first(k)])
        .filter(([, v]) => v !== undefined),
    ),
    tags: joinTags(parts),
    annotations,
  };
  if (timestamp !== undefined) merged.timestamp = timestamp;
  if (timestamp !== undefined && end !== undefined) merged.duration = end - timestamp;
  return merged;
}

/** The derived id of a shared span's client half: its bitwise complement, stepped on until unused. */
function derivedId(id: string, used: ReadonlySet<string>): string {
  let n = BigInt(`0x${id}`) ^ 0xffffffffffffffffn;
  for (;;) {
    const candidate = n.toString(16).padStart(16, '0');
    if (!used.has(candidate) && !isEmptyId(candidate)) return candidate;
    n = (n + 1n) & 0xffffffffffffffffn;
  }
}

function toSpan(s: ZipkinSpan, traceId: string, spanId: string, parentSpanId: string | undefined): Span {
  const tags = s.tags ?? {};
  const attributes: Record<string, AttributeValue> = { ...tags };
  const service = serviceOf(s) || 'unknown_service';
  const events = (s.annotations ?? []).map((a) => ({ name: a.value, timeUs: a.timestamp, attributes: {} }));
  const scope = scopeOfTags(attributes);
  return {
    traceId,
    spanId,
    ...(parentSpanId === undefined ? {} : { parentSpanId }),
    service,
    name: s.name ?? '',
    kind: s.kind ? KINDS[s.kind] : 'unspecified',
    // An incomplete span (only annotations reported) starts at its first annotation.
    startUs: s.timestamp ?? events[0]?.timeUs ?? 0,
    durationUs: s.duration ?? 0,
    attributes,
    resource: { [ATTR_SERVICE_NAME]: service },
    events,
    status: statusOf(tags),
    ...(scope ? { scope } : {}),
  };
}

/** The spans of one trace id (already validated) → one Trace. */
function traceOf(traceId: string, spans: readonly ZipkinSpan[]): Trace {
  const parts = new Map<string, ZipkinSpan[]>();
  for (const s of spans) {
    const key = `${normalizeSpanId(s.id)} ${s.shared === true ? 'shared' : ''} ${serviceOf(s)}`;
    const list = parts.get(key);
    if (list) list.push(s);
    else parts.set(key, [s]);
  }
  const byId = new Map<string, ZipkinSpan[]>();
  for (const list of parts.values()) {
    const merged = mergeParts(list);
    const id = normalizeSpanId(merged.id);
    const halves = byId.get(id);
    if (halves) halves.push(merged);
    else byId.set(id, [merged]);
  }
  const used = new Set(byId.keys());
  const out: Span[] = [];
  const parentOf = (s: ZipkinSpan): string | undefined =>
    s.parentId === undefined || isEmptyId(s.parentId) ? undefined : normalizeSpanId(s.parentId);
  for (const [id, halves] of byId) {
    // The half that keeps the id is the server one (flagged shared, or, from a Zipkin v1 conversion that
    // lost the flag, the SERVER beside a CLIENT): the callee's own calls name this id as their parent.
    const keeper =
      halves.find((h) => h.shared === true) ?? (halves.length > 1 ? halves.find((h) => h.kind === 'SERVER') : undefined) ?? halves[0]!;
    const serverHalf = halves.length > 1 && (keeper.shared === true || keeper.kind === 'SERVER');
    let keeperParent = parentOf(keeper);
    let reparented = false;
    for (const other of halves.filter((h) => h !== keeper)) {
      const otherId = derivedId(id, used);
      used.add(otherId);
      out.push(toSpan(other, traceId, otherId, parentOf(other)));
      // A shared server half is the child of the client half it shares the id with.
      if (serverHalf && !reparented && other.shared !== true && other.kind !== 'SERVER') {
        keeperParent = otherId;
        reparented = true;
      }
    }
    out.push(toSpan(keeper, traceId, id, keeperParent));
  }
  return { traceId, spans: out };
}

/** Validated spans (one answer of `/api/v2/trace/{id}`, or several) → traces, grouped by trace id. */
export function tracesFromZipkinSpans(spans: readonly ZipkinSpan[]): Trace[] {
  const byTrace = new Map<string, ZipkinSpan[]>();
  for (const s of spans) {
    const id = normalizeTraceId(s.traceId);
    const list = byTrace.get(id);
    if (list) list.push(s);
    else byTrace.set(id, [s]);
  }
  return [...byTrace].map(([id, list]) => traceOf(id, list));
}

/** True when a document looks like a Zipkin API v2 answer: a list of spans, or a list of such lists (a search). */
export function isZipkinJson(doc: unknown): boolean {
  if (!Array.isArray(doc) || doc.length === 0) return false;
  const first: unknown = Array.isArray(doc[0]) ? doc[0][0] : doc[0];
  return Boolean(first && typeof first === 'object' && 'traceId' in first && 'id' in first && !('spans' in first));
}

/** A saved trace or search answer (Zipkin UI's "Download JSON" is the `/api/v2/trace/{id}` list). */
export function tracesFromZipkinJson(doc: unknown, origin = 'Zipkin JSON'): Trace[] {
  return Array.isArray(doc) && Array.isArray(doc[0]) ? tracesFromZipkinSearch(doc, origin) : tracesFromZipkinTrace(doc, origin);
}

/** `GET /api/v2/trace/{id}` body → traces; throws ZipkinFormatError when it is not a list of Zipkin spans. */
export function tracesFromZipkinTrace(doc: unknown, origin = 'Zipkin trace'): Trace[] {
  return tracesFromZipkinSpans(parseZipkin(zipkinTraceSchema, doc, origin));
}

/** `GET /api/v2/traces` body → traces; throws ZipkinFormatError when it is not a list of span lists. */
export function tracesFromZipkinSearch(doc: unknown, origin = 'Zipkin search'): Trace[] {
  return tracesFromZipkinSpans(parseZipkin(zipkinTracesSchema, doc, origin).flat());
}
