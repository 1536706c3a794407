/**
 * Says *why* a trace is broken and *where*. Pure: traces, the spec and what the driver and the
 * backend reported go in; named diagnoses, each with its evidence, come out.
 *
 * Classes (DiagnosisKind): no trace at all (with the likely cause), a split trace (the hop where
 * context was lost: a client span with no server child and a new root at the downstream service
 * in the same time window), orphan spans, a propagation-format mismatch at a hop, sampled=0
 * propagated, and clock skew between services.
 *
 * Header evidence comes from span attributes: the semantic-convention captures
 * `http.request.header.<name>` (server spans: what arrived; client spans: what was sent) and the
 * kit's own `meshtrace.propagation.extracted` / `.injected` (format lists) and
 * `meshtrace.propagation.sampled` that relay hops record. List values are read as arrays or as the JSON
 * text Jaeger stores arrays as (`["w3c"]`, `[]`: its storage model has no array type).
 * What *arrived* at a callee is never taken for what it *reads*: that is known only from
 * `meshtrace.propagation.accepted` (a relay hop restricted by `--accept` records it; any service may
 * set it as a resource attribute), from `meshtrace.propagation.extracted` (it read at least those) and
 * from `meshtrace.propagation.ignored` (it saw those and did not read them). So a split is blamed on
 * the downstream when the headers demonstrably reached it, on the caller only when nothing shows
 * that they were sent.
 */
import { ATTR_HTTP_REQUEST_HEADER, ATTR_SERVER_ADDRESS } from '@opentelemetry/semantic-conventions';
import {
  ATTR_HTTP_HOST,
  ATTR_NET_PEER_NAME,
  ATTR_PEER_SERVICE,
  ATTR_PROPAGATION_ACCEPTED,
  ATTR_PROPAGATION_EXTRACTED,
  ATTR_PROPAGATION_IGNORED,
  ATTR_PROPAGATION_INJECTED,
  ATTR_PROPAGATION_INVALID,
  ATTR_PROPAGATION_SAMPLED,
} from '../attribute-names';
import type { AttributeValue, Span, Trace } from './model';
import { attributeText, listElements } from './attribute-text';
import type { Spec, SpanMatcher } from './spec';
import { patternText } from './spec';
import { indexTrace, type TraceIndex } from './trace-index';
import { formatDuration } from '../duration';
import { describeMatcher, matchSpan } from './matcher';
import { extract } from '../propagation';

export type DiagnosisKind =
  'no-trace' | 'split-trace' | 'orphan-spans' | 'format-mismatch' | 'sampled-0-propagated' | 'clock-skew' | 'untraced-hop';

export type NoTraceCause = 'not-sampled' | 'collector-unreachable' | 'wrong-service-names' | 'context-not-joined';

export interface Diagnosis {
  readonly kind: DiagnosisKind;
  /** One line: what is broken and where (`productpage → reviews lost context; check header propagation`). */
  readonly title: string;
  /** The facts behind it, one per line. */
  readonly evidence: readonly string[];
  /** What to try. */
  readonly hint: string;
  readonly traceId?: string;
  readonly spanIds?: readonly string[];
  /** no-trace only. */
  readonly cause?: NoTraceCause;
  /** The hop, when the diagnosis is about one (`{from: 'productpage', to: 'reviews'}`). */
  readonly hop?: { readonly from: string; readonly to?: string };
  /** The service that must change, when the evidence says which end of the hop it is. */
  readonly party?: string;
}

export interface DriverReport {
  /** Whether the minted context asked for sampling (true too when it left the decision to the first hop). */
  readonly sampled: boolean;
  /** The driver sent ids without a decision (B3 deferred): missing traces are the sampler's choice. */
  readonly deferred?: boolean;
  /** Formats the driver sent (w3c, b3, b3multi, jaeger, envoy). */
  readonly formats: readonly string[];
  readonly requests: number;
  /** Trace ids the application returned itself (`traceresponse`, `server-timing`). */
  readonly returnedTraceIds?: readonly string[];
  /** Flags the application returned in `traceresponse` (e.g. `00` = it did not sample). */
  readonly returnedSampled?: readonly boolean[];
  /** Requests the application answered with another trace id than the driver sent: it started a new trace. */
  readonly restarted?: readonly { readonly sent: string; readonly returned: string }[];
}

export interface BackendReport {
  readonly kind: 'jaeger' | 'zipkin' | 'otlp-receiver' | 'file';
  readonly url?: string;
  /** Spans the embedded receiver got in total (any trace). */
  readonly spansReceived?: number;
  /** Services the backend knows (Jaeger `/api/v3/services`, Zipkin `/api/v2/services`). */
  readonly services?: readonly string[];
}

export interface DiagnosisInput {
  readonly spec: Spec;
  /** The traces verified (the driven requests' traces, or those picked by the entry matcher). */
  readonly subjects: readonly Trace[];
  /** Every trace seen around the same time (fragments of split traces are found here). */
  readonly pool: readonly Trace[];
  /** Trace ids expected (driver) but not found. */
  readonly missingTraceIds?: readonly string[];
  readonly driver?: DriverReport;
  readonly backend?: BackendReport;
  /** Cross-service timing slack before calling it clock skew. @default 1 ms */
  readonly clockSkewToleranceUs?: number;
  /** How far around a client span a new root may start and still count as its lost downstream. @default 100 ms */
  readonly splitWindowUs?: number;
  /** Index lookup shared with the matcher (one index per trace per evaluation). @default indexTrace */
  readonly indexOf?: (trace: Trace) => TraceIndex;
}

type Format = 'w3c' | 'b3' | 'b3multi' | 'jaeger';
const FORMAT_LABEL: Readonly<Record<Format, string>> = { w3c: 'W3C', b3: 'B3 single', b3multi: 'B3 multi', jaeger: 'Jaeger' };
const HEADER_FORMAT: Readonly<Record<string, Format>> = {
  traceparent: 'w3c',
  b3: 'b3',
  'x-b3-traceid': 'b3multi',
  'x-b3-sampled': 'b3multi',
  'uber-trace-id': 'jaeger',
};
/** `http.request.header.<name>` without the name: the prefix every captured request header shares. */
const REQ_HEADER = ATTR_HTTP_REQUEST_HEADER('');

function listOf(v: AttributeValue | undefined): string[] {
  if (v === undefined) return [];
  const list = listElements(v);
  if (list) return list.map(attributeText);
  return attributeText(v)
    .split(/[\s,]+/)
    .filter(Boolean);
}

function normalizeFormat(f: string): Format | undefined {
  const x = f.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (x === 'w3c' || x === 'tracecontext' || x === 'traceparent') return 'w3c';
  if (x === 'b3' || x === 'b3single') return 'b3';
  if (x === 'b3multi') return 'b3multi';
  if (x === 'jaeger' || x === 'ubertraceid') return 'jaeger';
  return undefined;
}

function formatsOf(v: AttributeValue | undefined): Set<Format> {
  const out = new Set<Format>();
  for (const f of listOf(v)) {
    const n = normalizeFormat(f);
    if (n) out.add(n);
  }
  return out;
}

/** Formats of the trace headers recorded as `http.request.header.<name>` (what was on the request). */
function capturedHeaderFormats(span: Span): Set<Format> {
  const out = new Set<Format>();
  for (const key of Object.keys(span.attributes)) {
    if (!key.startsWith(REQ_HEADER)) continue;
    const f = HEADER_FORMAT[key.slice(REQ_HEADER.length).toLowerCase()];
    if (f) out.add(f);
  }
  return out;
}

const union = (...sets: Set<Format>[]): Set<Format> => new Set(sets.flatMap((x) => [...x]));

/**
 * Propagation formats a span's attributes show were on the wire: a client span, what it sent
 * (`injected` and the captured request headers); a server span, what arrived (read, malformed or
 * ignored, and the captured headers). What arrived is not what the service reads: see `readFormats`.
 */
export function headerFormats(span: Span): Set<Format> {
  const a = span.attributes;
  if (isOutbound(span)) return union(formatsOf(a[ATTR_PROPAGATION_INJECTED]), capturedHeaderFormats(span));
  return union(
    formatsOf(a[ATTR_PROPAGATION_EXTRACTED]),
    formatsOf(a[ATTR_PROPAGATION_INVALID]),
    formatsOf(a[ATTR_PROPAGATION_IGNORED]),
    capturedHeaderFormats(span),
  );
}

/** What a server span says its service reads. */
export interface ReadEvidence {
  /** Every format it reads (`meshtrace.propagation.accepted` on the span or its resource); undefined when not recorded. */
  readonly accepted?: Set<Format>;
  /** Formats it did read on this request (`meshtrace.propagation.extracted`). */
  readonly extracted: Set<Format>;
  /** Formats that arrived and it did not read (`meshtrace.propagation.ignored`). */
  readonly ignored: Set<Format>;
}

export function readFormats(span: Span): ReadEvidence {
  const acceptedValue = span.attributes[ATTR_PROPAGATION_ACCEPTED] ?? span.resource[ATTR_PROPAGATION_ACCEPTED];
  const accepted = acceptedValue === undefined ? undefined : formatsOf(acceptedValue);
  return {
    ...(accepted && accepted.size > 0 ? { accepted } : {}),
    extracted: formatsOf(span.attributes[ATTR_PROPAGATION_EXTRACTED]),
    ignored: formatsOf(span.attributes[ATTR_PROPAGATION_IGNORED]),
  };
}

/**
 * The sampling decision a span's attributes show it sent/received; undefined when unknown. The kit's
 * own `meshtrace.propagation.sampled` first; else the recorded trace headers
 * (`http.request.header.<name>`), read by the propagation core like a hop would read them.
 */
export function headerSampled(span: Span): boolean | undefined {
  const a = span.attributes;
  const own = a[ATTR_PROPAGATION_SAMPLED];
  if (typeof own === 'boolean') return own;
  if (own === 'true' || own === 'false') return own === 'true';
  const headers: Record<string, string | string[]> = {};
  for (const key of Object.keys(a)) {
    if (!key.startsWith(REQ_HEADER)) continue;
    const value = a[key]!;
    const list = listElements(value);
    headers[key.slice(REQ_HEADER.length).toLowerCase()] = list ? list.map(attributeText) : attributeText(value);
  }
  const { context, samplingOnly } = extract(headers);
  const decision = context ?? samplingOnly;
  if (!decision || decision.sampling === 'deferred') return undefined;
  return decision.sampling === 'sampled' || decision.debug;
}

const isOutbound = (s: Span): boolean => s.kind === 'client' || s.kind === 'producer';
const endOf = (s: Span): number => s.startUs + s.durationUs;
const label = (s: Span): string => `${s.service} "${s.name}"`;

function formatsText(set: Set<Format>): string {
  return [...set].map((f) => FORMAT_LABEL[f]).join(' + ');
}

/**
 * Service a client span was calling, when its attributes say so. Envoy's `upstream_cluster`
 * (`outbound|9080||reviews.bookinfo.svc.cluster.local`) names the host; Istio's service names are
 * `<app>.<namespace>`, the host's first two labels.
 */
function peerOf(span: Span): string | undefined {
  for (const key of [ATTR_PEER_SERVICE, ATTR_SERVER_ADDRESS, ATTR_NET_PEER_NAME, ATTR_HTTP_HOST]) {
    const v = span.attributes[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  const cluster = span.attributes['upstream_cluster'];
  if (typeof cluster !== 'string' || cluster === '') return undefined;
  const host = /^outbound\|\d*\|[^|]*\|(.+)$/.exec(cluster)?.[1];
  return host ? host.split('.').slice(0, 2).join('.') : cluster;
}

/** The nearest server span of the same service above a span: what the hop received. */
function inboundOf(index: TraceIndex, span: Span): Span | undefined {
  let cur = span.parentSpanId ? index.byId.get(span.parentSpanId) : undefined;
  for (let hops = 0; cur && hops < 1000; hops++) {
    if (cur.service !== span.service) return undefined;
    if (cur.kind === 'server' || cur.kind === 'consumer') return cur;
    cur = cur.parentSpanId ? index.byId.get(cur.parentSpanId) : undefined;
  }
  return undefined;
}

interface Fragment {
  readonly trace: Trace;
  readonly root: Span;
}

/** Roots (or orphans) of other traces: candidates for the downstream half of a split. */
function fragmentsOf(pool: readonly Trace[], exclude: ReadonlySet<string>, spec: Spec, indexOf: (t: Trace) => TraceIndex): Fragment[] {
  const out: Fragment[] = [];
  const entry = spec.matchers[0];
  for (const t of pool) {
    if (exclude.has(t.traceId)) continue;
    const idx = indexOf(t);
    for (const r of idx.roots.length ? idx.roots : idx.orphans) {
      // A root at the entry point is another complete request, not the lost half of this one.
      if (entry && matchSpan(entry, r)) continue;
      out.push({ trace: t, root: r });
    }
  }
  return out;
}

const disjoint = (a: Set<Format>, b: Set<Format>): boolean => a.size > 0 && b.size > 0 && ![...a].some((f) => b.has(f));

/** What one split hop's spans say about the trace headers on it. */
interface SplitHop {
  readonly c: Span;
  readonly root: Span;
  readonly to: string;
  readonly sentByCaller: Set<Format>;
  readonly arrived: Set<Format>;
  readonly sent: Set<Format>;
  readonly reads: ReturnType<typeof readFormats>;
  readonly inFormats: Set<Format>;
  /** Headers the callee saw and did not read. */
  readonly ignoredSent: Set<Format>;
  /** Formats sent that the callee cannot read at all. */
  readonly unreadable: Set<Format>;
  readonly translated: boolean;
  readonly truncated: boolean;
  readonly fragment: Fragment;
  readonly evidence: readonly string[];
  readonly base: Pick<Diagnosis, 'traceId' | 'spanIds' | 'hop'>;
}

function splitHop(trace: Trace, index: TraceIndex, c: Span, inbound: Span | undefined, fragment: Fragment): SplitHop {
  const to = fragment.root.service;
  const root = fragment.root;
  const sentByCaller = headerFormats(c);
  const arrived = headerFormats(root);
  const sent = union(sentByCaller, arrived);
  const reads = readFormats(root);
  const inFormats = inbound ? headerFormats(inbound) : new Set<Format>();
  const truncated =
    fragment.trace.traceId === `0000000000000000${trace.traceId.slice(16)}` && trace.traceId.slice(0, 16) !== '0000000000000000';
  const base = { traceId: trace.traceId, spanIds: [c.spanId, root.spanId], hop: { from: c.service, to } };
  const evidence = [
    `client span ${label(c)} (${c.spanId}), ${formatDuration(c.startUs - index.startUs)} into trace ${trace.traceId}, has no server child`,
    `trace ${fragment.trace.traceId} starts at ${label(root)} (${root.spanId}) ${formatDuration(Math.abs(root.startUs - c.startUs))} ${root.startUs >= c.startUs ? 'after' : 'before'} that call, with no parent`,
  ];
  const ignoredSent = reads.ignored.size > 0 && reads.extracted.size === 0 ? reads.ignored : new Set<Format>();
  const unreadable = reads.accepted && disjoint(sent, reads.accepted) ? sent : new Set<Format>();
  const translated = disjoint(inFormats, sentByCaller);
  return {
    c,
    root,
    to,
    sentByCaller,
    arrived,
    sent,
    reads,
    inFormats,
    ignoredSent,
    unreadable,
    translated,
    truncated,
    fragment,
    evidence,
    base,
  };
}

/** The facts behind a format mismatch, in the order the evidence lists them. */
function mismatchFacts(h: SplitHop): string[] {
  const { c, to, sent, reads, inFormats, sentByCaller, ignoredSent } = h;
  const facts: string[] = [];
  if (inFormats.size && sentByCaller.size)
    facts.push(`${c.service} received ${formatsText(inFormats)} and sent ${formatsText(sentByCaller)}`);
  if (sent.size)
    facts.push(
      reads.accepted
        ? `${to} was sent ${formatsText(sent)} and reads ${formatsText(reads.accepted)} only`
        : `${to} was sent ${formatsText(sent)}; what ${to} reads is not recorded`,
    );
  if (ignoredSent.size > 0)
    facts.push(`${to} ignored the ${formatsText(ignoredSent)} headers that arrived (${ATTR_PROPAGATION_IGNORED} on ${label(h.root)})`);
  if (h.truncated)
    facts.push(
      `the new trace id is the old one cut to 64 bits (${h.fragment.trace.traceId}): a 64-bit format (B3/Jaeger) sat between them`,
    );
  return facts;
}

function formatMismatch(h: SplitHop): Diagnosis {
  const { c, to, sent, reads, inFormats, sentByCaller, ignoredSent } = h;
  const facts = mismatchFacts(h);
  // The caller is at fault when it wrote other formats than it received and the callee reads what it
  // received; otherwise the headers reached the callee, which did not read them.
  const calleeReadsInput = reads.accepted !== undefined && [...inFormats].some((f) => reads.accepted!.has(f));
  const party = h.translated && (calleeReadsInput || (reads.accepted === undefined && ignoredSent.size === 0)) ? c.service : to;
  const shortFacts =
    inFormats.size && sentByCaller.size
      ? `${formatsText(inFormats)} in, ${formatsText(sentByCaller)} out`
      : reads.accepted && sent.size
        ? `${formatsText(sent)} sent, ${to} reads ${formatsText(reads.accepted)}`
        : ignoredSent.size
          ? `${to} ignored ${formatsText(ignoredSent)}`
          : (facts.at(-1) ?? 'formats differ');
  const wanted = reads.accepted ? formatsText(reads.accepted) : undefined;
  return {
    kind: 'format-mismatch',
    title: `${c.service} → ${to}: propagation format mismatch (${shortFacts}); the trace splits here`,
    evidence: [...h.evidence, ...facts],
    hint:
      party === c.service
        ? `make ${c.service} write a format ${to} reads${wanted ? ` (${wanted})` : ''} (e.g. inject W3C and B3 both), or configure ${to}'s propagator for ${formatsText(sentByCaller) || 'the format sent'}`
        : `configure ${to}'s propagator to read ${formatsText(sent) || 'the format sent'} (OTEL_PROPAGATORS, the relay's --accept), or make ${c.service} write a format ${to} reads${wanted ? ` (${wanted})` : ''} too`,
    ...h.base,
    party,
  };
}

/** Headers reached the callee in a format it reads, and it started a new trace anyway. */
function contextNotContinued(h: SplitHop): Diagnosis {
  const { c, root, to, sent, reads, sentByCaller, arrived } = h;
  return {
    kind: 'split-trace',
    title: `${c.service} → ${to} lost context: ${to} received ${formatsText(sent)} headers and started a new trace`,
    evidence: [
      ...h.evidence,
      `${sentByCaller.size ? `${c.service} sent ${formatsText(sentByCaller)}` : `${formatsText(arrived)} arrived at ${to}`} (recorded on ${sentByCaller.size ? label(c) : label(root)})`,
      reads.accepted ? `${to} reads ${formatsText(reads.accepted)}` : `what ${to} reads is not recorded`,
    ],
    hint: `${to} does not continue the trace it was sent: configure its propagator for ${formatsText(sent)} (OTEL_PROPAGATORS) and check that its server instrumentation extracts the incoming context`,
    ...h.base,
    party: to,
  };
}

/** No span records headers on the call; the caller is blamed only if it recorded writing none. */
function headersNotRecorded(h: SplitHop): Diagnosis {
  const { c, root, to } = h;
  // The caller recorded that it wrote no trace headers at all (a relay's drop-context, an empty injected list).
  const injected = c.attributes[ATTR_PROPAGATION_INJECTED];
  const sentNothing = injected !== undefined && listOf(injected).length === 0;
  return {
    kind: 'split-trace',
    title: `${c.service} → ${to} lost context; check header propagation`,
    evidence: [
      ...h.evidence,
      sentNothing
        ? `${c.service} sent no trace headers on this call (${ATTR_PROPAGATION_INJECTED} is empty on ${label(c)})`
        : `no span records the trace headers on this call (${label(c)}, ${label(root)})`,
    ],
    ...(sentNothing ? { party: c.service } : {}),
    hint: `${c.service} must copy the incoming trace headers (traceparent/tracestate, b3, x-request-id) onto its call to ${to}${sentNothing ? '' : `; or ${to} ignores them (propagator not configured for the format sent)`}`,
    ...h.base,
  };
}

/**
 * A client span `c` whose call came back as the root of another trace (`fragment`): which end lost
 * the context, and why. The caller is blamed only when nothing shows that it sent trace headers.
 */
function diagnoseSplitHop(trace: Trace, index: TraceIndex, c: Span, inbound: Span | undefined, fragment: Fragment): Diagnosis {
  const h = splitHop(trace, index, c, inbound, fragment);
  if (h.ignoredSent.size > 0 || h.unreadable.size > 0 || h.translated || h.truncated) return formatMismatch(h);
  if (h.sent.size > 0) return contextNotContinued(h);
  return headersNotRecorded(h);
}

const requestIdOf = (s: Span): string | undefined => {
  const v = s.attributes['guid:x-request-id'];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** The app behind a sidecar: Istio's `istio.canonical_service` tag, else the service name. */
function appOf(s: Span): string {
  const v = s.attributes['istio.canonical_service'];
  return typeof v === 'string' && v !== '' ? v : s.service;
}

/** The service an outbound root called: its first child of another service, else its cluster tag. */
function calleeOf(fragment: Fragment, indexOf: (t: Trace) => TraceIndex): string | undefined {
  const children = indexOf(fragment.trace).children.get(fragment.root.spanId) ?? [];
  return children.find((c) => c.service !== fragment.root.service)?.service ?? peerOf(fragment.root);
}

/**
 * Context lost INSIDE a service. Behind a sidecar (Istio, no shared span context) the proxy's
 * SERVER span (the app's inbound request) and its CLIENT span (the app's own call) are joined only
 * by the app copying the trace headers from one to the other: when it does not, the server span is
 * a leaf and the call starts a new trace at a CLIENT root of the same service.
 */
function lostInsideService(
  trace: Trace,
  index: TraceIndex,
  fragments: readonly Fragment[],
  used: Set<string>,
  window: number,
): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const s of trace.spans) {
    if ((s.kind !== 'server' && s.kind !== 'consumer') || (index.children.get(s.spanId)?.length ?? 0) > 0) continue;
    // The app calls while its request is open (it answers after its calls): only roots inside the server
    // span belong to it; another request's lost call, a few ms later, does not.
    const slack = Math.min(window, 5000);
    const lost = fragments.filter(
      (f) =>
        !used.has(f.trace.traceId + f.root.spanId) &&
        f.root.service === s.service &&
        isOutbound(f.root) &&
        f.root.startUs >= s.startUs - slack &&
        f.root.startUs <= endOf(s) + slack,
    );
    for (const f of lost) {
      used.add(f.trace.traceId + f.root.spanId);
      const app = appOf(s);
      const to = calleeOf(f, indexTrace) ?? 'its upstream';
      // Envoy reads a request_header tag after its tracer wrote its own headers, so the proxy's own format
      // shows on both of its spans (real Envoy 1.40 output): only formats beyond it are the app's.
      const own = headerFormats(s);
      const appSent = new Set([...headerFormats(f.root)].filter((x) => !own.has(x)));
      const inId = requestIdOf(s);
      const outId = requestIdOf(f.root);
      const evidence = [
        `server span ${label(s)} (${s.spanId}), ${formatDuration(s.startUs - index.startUs)} into trace ${trace.traceId}, has no child: ${app}'s own calls are not in this trace`,
        `trace ${f.trace.traceId} starts at ${label(f.root)} (${f.root.spanId}), a call to ${to} ${formatDuration(Math.max(0, f.root.startUs - s.startUs))} after the request reached ${app}, with no parent`,
        inId && outId && inId === outId
          ? `both carry x-request-id ${inId}: ${app} forwarded x-request-id but no trace context its sidecar reads`
          : `x-request-id ${inId ?? '(none)'} in, ${outId ?? '(none)'} on the call: ${app} forwarded neither x-request-id nor the trace context`,
      ];
      if (appSent.size > 0) {
        const ownText = own.size > 0 ? formatsText(own) : 'another format';
        out.push({
          kind: 'format-mismatch',
          title: `${app} (behind ${s.service}'s sidecar) → ${to}: propagation format mismatch (${app} sent ${formatsText(appSent)}, its sidecar reads ${ownText}); the trace splits inside ${s.service}`,
          evidence: [
            ...evidence,
            `${app}'s call carried ${formatsText(appSent)} headers, yet its sidecar started a new trace: the sidecar's tracer does not read ${formatsText(appSent)}${own.size > 0 ? ` (it reads and writes ${ownText})` : ''}`,
          ],
          hint: `make ${app} forward the format its sidecar's tracer reads (${ownText}: traceparent/tracestate for Istio's OpenTelemetry provider, x-b3-* for Zipkin), or configure the mesh provider for ${formatsText(appSent)} (zipkin, traceContextOption USE_B3_WITH_W3C_PROPAGATION)`,
          traceId: trace.traceId,
          spanIds: [s.spanId, f.root.spanId],
          hop: { from: s.service, to },
          // The app behind this service's sidecar: only it can join its inbound request to its own call.
          party: s.service,
        });
        continue;
      }
      out.push({
        kind: 'split-trace',
        title: `${app} (behind ${s.service}'s sidecar) did not forward the trace context to its call to ${to}; the trace splits inside ${s.service}`,
        evidence,
        hint: `${app} must copy traceparent/tracestate (b3 for Zipkin) and x-request-id from the request it received onto its call to ${to}: a sidecar cannot join the two, only the app can`,
        traceId: trace.traceId,
        spanIds: [s.spanId, f.root.spanId],
        hop: { from: s.service, to },
        // The app behind this service's sidecar: only it can join its inbound request to its own call.
        party: s.service,
      });
    }
  }
  return out;
}

/** A service pattern as a name for messages: `/^traefik/` → `traefik`; other patterns as written. */
function serviceLabel(m: SpanMatcher): string {
  if (!m.service) return m.id;
  if ('exact' in m.service) return m.service.exact;
  return /^\^?([A-Za-z0-9._-]+)\$?$/.exec(m.service.regex.source)?.[1] ?? patternText(m.service);
}

/**
 * Hops the spec puts above the trace's entry span that recorded nothing around it, when something
 * shows the request came with a context: the entry's parent is a span nobody reported (the caller's
 * context arrived unchanged), or the application answered the driver with another trace id (it
 * started a new trace: the context was lost in front of it). Either way the first hop to fix is the
 * one the spec expects there that traced nothing. Real Traefik 3.6 with its entrypoint's tracing off
 * does the first: no span, the caller's traceparent passed on as it came (test/real/hotrod-traefik.test.ts).
 */
function untracedHops(input: DiagnosisInput, trace: Trace, index: TraceIndex): Diagnosis[] {
  const entry = index.roots[0];
  if (!entry) return [];
  const fromCaller = entry.parentSpanId !== undefined && entry.parentSpanId !== entry.spanId;
  const restarted = input.driver?.restarted?.find((r) => r.returned === trace.traceId);
  if (!fromCaller && !restarted) return [];
  const byId = new Map(input.spec.matchers.map((m) => [m.id, m]));
  // Only spans around this request count: the pool holds earlier requests too, which that hop did trace.
  const window = input.splitWindowUs ?? 100_000;
  const around = (s: Span) => s.startUs <= entry.startUs + window && endOf(s) >= entry.startUs - window;
  const recorded = (m: SpanMatcher) => [trace, ...input.pool].some((t) => t.spans.some((s) => around(s) && matchSpan(m, s)));
  const childOfEntry = input.spec.edges.map((e) => byId.get(e.child)).find((m): m is SpanMatcher => m !== undefined && matchSpan(m, entry));
  if (!childOfEntry) return [];
  // Climb the edges from the entry's matcher: every ancestor matcher that matches nothing is missing.
  const missing: SpanMatcher[] = [];
  let frontier = [childOfEntry.id];
  for (let depth = 0; frontier.length > 0 && depth < input.spec.edges.length; depth++) {
    const up = input.spec.edges
      .filter((e) => frontier.includes(e.child))
      .map((e) => byId.get(e.parent))
      .filter((m): m is SpanMatcher => m !== undefined && (m.count.min ?? 0) >= 1 && !missing.includes(m));
    const absent = up.filter((m) => !recorded(m));
    // An ancestor that did record spans is not untraced: the break is elsewhere (split-trace's case).
    if (absent.length < up.length) return [];
    missing.push(...absent);
    frontier = absent.map((m) => m.id);
  }
  if (missing.length === 0) return [];
  const who = [...new Set(missing.map(serviceLabel))];
  const whoText = who.join(', ');
  const noSpan = `no span around this request matches ${missing.map((m) => `${m.id} (${describeMatcher(m)})`).join(', ')}`;
  const base = {
    kind: 'untraced-hop' as const,
    traceId: trace.traceId,
    spanIds: [entry.spanId],
    hop: { from: who[0]!, to: entry.service },
    party: who[0]!,
  };
  if (restarted) {
    return [
      {
        ...base,
        title: `${whoText} recorded no span and ${entry.service} started a new trace: the driver's context never reached ${entry.service}`,
        evidence: [
          noSpan,
          `the driver sent trace ${restarted.sent}; the application answered with trace ${restarted.returned}, which starts at ${label(entry)} (${entry.spanId}) with no parent`,
        ],
        hint: `turn tracing on in ${whoText} for this route (Traefik: entryPoints.<name>.observability.tracing, the router's observability.tracing, tracing.otlp): a proxy with tracing off does not pass the trace context on. If it is on, check that it exports (its log, the collector address), and whether the request bypassed it (is the trigger URL ${whoText}'s?)`,
      },
    ];
  }
  return [
    {
      ...base,
      title: `${whoText} recorded no span: ${entry.service} received the caller's trace context unchanged, so ${whoText} passed the request on untraced`,
      evidence: [
        noSpan,
        `${label(entry)} (${entry.spanId}) is the first span of trace ${trace.traceId}; its parent ${entry.parentSpanId} is the caller's (the driver's or another untraced client's), not a span of ${whoText}`,
      ],
      hint: `turn tracing on in ${whoText} for this route (Traefik: entryPoints.<name>.observability.tracing, the router's observability.tracing, tracing.otlp), check that it exports (its log, the collector address), or the request bypassed it: is the trigger URL ${whoText}'s?`,
    },
  ];
}

/** What the diagnosis steps of one trace share. */
interface TraceContext {
  readonly input: DiagnosisInput;
  readonly trace: Trace;
  readonly index: TraceIndex;
  readonly fragments: readonly Fragment[];
  /** Fragments already blamed on a hop (`fragmentKey`): each explains one hop only, across all subjects. */
  readonly used: Set<string>;
  readonly window: number;
}

const fragmentKey = (f: Fragment): string => f.trace.traceId + f.root.spanId;

/** The fragment most likely to be a leaf client span's lost downstream: the service it says it called, then the closest start. */
function lostDownstreamOf(ctx: TraceContext, c: Span, peer: string | undefined): Fragment | undefined {
  const candidates = ctx.fragments.filter(
    (f) =>
      !ctx.used.has(fragmentKey(f)) &&
      f.root.service !== c.service &&
      f.root.startUs >= c.startUs - ctx.window &&
      f.root.startUs <= endOf(c) + ctx.window &&
      (f.root.kind === 'server' || f.root.kind === 'consumer' || f.root.kind === 'unspecified'),
  );
  candidates.sort(
    (a, b) =>
      Number(peer !== undefined && b.root.service.includes(peer)) - Number(peer !== undefined && a.root.service.includes(peer)) ||
      Math.abs(a.root.startUs - c.startUs) - Math.abs(b.root.startUs - c.startUs),
  );
  return candidates[0];
}

function sampledZeroDiagnosis(ctx: TraceContext, c: Span, inbound: Span | undefined, peer: string | undefined): Diagnosis {
  return {
    kind: 'sampled-0-propagated',
    title: `${c.service} sent sampled=0${peer ? ` to ${peer}` : ''}: nothing downstream of this hop was recorded`,
    evidence: [
      `client span ${label(c)} (${c.spanId}) has no child span`,
      `its outgoing trace context says not sampled${ctx.input.driver?.sampled ? ' although the driver sent sampled=1' : ''}`,
      ...(inbound ? [`it received ${headerSampled(inbound) === false ? 'sampled=0' : 'sampled=1'} on ${label(inbound)}`] : []),
    ],
    hint: 'a hop turned the sampling decision off (sampler, x-request-id from a non-Envoy proxy → x-b3-sampled: 0, or a relay fault); forward the incoming decision unchanged',
    traceId: ctx.trace.traceId,
    spanIds: [c.spanId],
    hop: { from: c.service, ...(peer ? { to: peer } : {}) },
  };
}

/** Hops that end in a leaf client span: the request left the service but no server span came back in this trace. */
function leafClientDiagnoses(ctx: TraceContext): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const c of ctx.trace.spans) {
    if (!isOutbound(c) || (ctx.index.children.get(c.spanId)?.length ?? 0) > 0) continue;
    const inbound = inboundOf(ctx.index, c);
    const peer = peerOf(c);
    const fragment = lostDownstreamOf(ctx, c, peer);
    if (fragment) {
      ctx.used.add(fragmentKey(fragment));
      out.push(diagnoseSplitHop(ctx.trace, ctx.index, c, inbound, fragment));
    } else if (headerSampled(c) === false) {
      out.push(sampledZeroDiagnosis(ctx, c, inbound, peer));
    }
  }
  return out;
}

function orphanDiagnoses({ input, trace, index }: TraceContext): Diagnosis[] {
  if (index.orphans.length === 0) return [];
  const elsewhere = new Map<string, string>();
  for (const t of input.pool) {
    if (t.traceId === trace.traceId) continue;
    for (const s of t.spans) elsewhere.set(s.spanId, t.traceId);
  }
  const lines = index.orphans.slice(0, 5).map((o) => {
    const other = elsewhere.get(o.parentSpanId!);
    return `${label(o)} (${o.spanId}) → parent ${o.parentSpanId} ${other ? `is in another trace ${other}: the trace id changed at this hop` : 'was never reported'}`;
  });
  const services = [...new Set(index.orphans.map((o) => o.service))];
  return [
    {
      kind: 'orphan-spans',
      title: `${index.orphans.length} orphan span(s) at ${services.join(', ')}: parent span id not in the trace`,
      evidence: lines,
      hint: 'a hop forwarded a span id it never exported (a proxy that rewrites ids without reporting spans, a dropped or not-yet-flushed batch, or a sampler that drops the parent); give the poller more time or export that hop',
      traceId: trace.traceId,
      spanIds: index.orphans.map((o) => o.spanId),
      hop: { from: services[0]! },
    },
  ];
}

interface Skew {
  readonly parent: Span;
  readonly child: Span;
  readonly offsetUs: number;
}

/** Cross-service parent → child pairs whose timing is causally impossible, grouped by `parent → child` service. */
function clockSkews(trace: Trace, index: TraceIndex, toleranceUs: number): Map<string, Skew[]> {
  const pairs = new Map<string, Skew[]>();
  for (const child of trace.spans) {
    const parent = child.parentSpanId ? index.byId.get(child.parentSpanId) : undefined;
    if (!parent || parent.service === child.service) continue;
    // Only what is causally impossible counts: a child starting before its parent. A server span
    // ending after its client returned is common and harmless (spans end after the response is
    // flushed; timeouts; async work), so it is not called skew.
    const early = parent.startUs - child.startUs;
    if (early <= toleranceUs) continue;
    const key = `${parent.service} → ${child.service}`;
    pairs.set(key, [...(pairs.get(key) ?? []), { parent, child, offsetUs: -early }]);
  }
  return pairs;
}

function clockSkewDiagnosis(traceId: string, key: string, list: readonly Skew[]): Diagnosis {
  const worst = list.reduce((a, b) => (Math.abs(b.offsetUs) > Math.abs(a.offsetUs) ? b : a));
  return {
    kind: 'clock-skew',
    title: `clock skew ${key}: ${worst.child.service}'s clock is about ${formatDuration(Math.abs(worst.offsetUs))} ${worst.offsetUs < 0 ? 'behind' : 'ahead of'} ${worst.parent.service}'s`,
    evidence: list
      .slice(0, 3)
      .map((s) =>
        s.offsetUs < 0
          ? `${label(s.child)} starts ${formatDuration(-s.offsetUs)} before its parent ${label(s.parent)}`
          : `${label(s.child)} ends ${formatDuration(s.offsetUs)} after its parent ${label(s.parent)} returned`,
      ),
    hint: 'sync node clocks (NTP/chrony); durations across these services are unreliable until then. Jaeger UI shows the same as a clock-skew warning',
    traceId,
    spanIds: list.map((s) => s.child.spanId),
    hop: { from: worst.parent.service, to: worst.child.service },
  };
}

function clockSkewDiagnoses({ input, trace, index }: TraceContext): Diagnosis[] {
  const skews = clockSkews(trace, index, input.clockSkewToleranceUs ?? 1000);
  return [...skews].map(([key, list]) => clockSkewDiagnosis(trace.traceId, key, list));
}

/**
 * The diagnosis steps for one trace, in report order. Leaf client spans go first: a fragment they
 * claim (`used`) is not offered to the sidecar step after them.
 */
const TRACE_DIAGNOSES: readonly ((ctx: TraceContext) => Diagnosis[])[] = [
  leafClientDiagnoses,
  (ctx) => lostInsideService(ctx.trace, ctx.index, ctx.fragments, ctx.used, ctx.window),
  (ctx) => untracedHops(ctx.input, ctx.trace, ctx.index),
  orphanDiagnoses,
  clockSkewDiagnoses,
];

function diagnoseTrace(input: DiagnosisInput, trace: Trace, fragments: readonly Fragment[], used: Set<string>): Diagnosis[] {
  const ctx: TraceContext = {
    input,
    trace,
    index: (input.indexOf ?? indexTrace)(trace),
    fragments,
    used,
    window: input.splitWindowUs ?? 100_000,
  };
  return TRACE_DIAGNOSES.flatMap((step) => step(ctx));
}

function expectedServices(spec: Spec): string[] {
  return [...new Set(spec.matchers.flatMap((m) => (m.service ? [patternText(m.service)] : [])))];
}

/** `<app>.<namespace>`: how Istio's proxies name services. */
const ISTIO_SERVICE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Why the spec's services are not in the data. Istio's naming is the cause only when one side
 * names services the Istio way and the other does not; otherwise the plain service.name advice.
 */
function serviceNameHint(expected: readonly string[], seen: readonly string[]): string {
  const expectsIstio = expected.some((e) => /\\\.|^[^/]*\.[a-z]/.test(e));
  const seesIstio = seen.some((s) => ISTIO_SERVICE_NAME.test(s));
  if (expectsIstio !== seesIstio) {
    return expectsIstio
      ? 'the spec expects Istio-style names <app>.<namespace> but the spans carry plain service names: is this trace from the mesh, or should the spec match the plain names?'
      : "the spans carry Istio-style names <app>.<namespace> (the mesh's proxies) but the spec expects plain names: match them as /^productpage\\./ or similar";
  }
  return "service names differ: fix the spec, or set the applications' service.name (OTEL_SERVICE_NAME or the resource attributes)";
}

/** What every no-trace cause looks at. */
interface NoTraceFacts {
  readonly input: DiagnosisInput;
  /** `trace <ids>` or `a trace with the entry span`. */
  readonly idText: string;
  /** Services seen in the pool or known to the backend, sorted. */
  readonly seen: readonly string[];
  readonly expected: readonly string[];
  /** ` at <backend url>`, or empty. */
  readonly where: string;
  readonly base: Pick<Diagnosis, 'kind' | 'traceId'> & { readonly kind: 'no-trace' };
}

function noTraceFacts(input: DiagnosisInput): NoTraceFacts {
  const ids = input.missingTraceIds ?? [];
  const idText = ids.length
    ? `trace ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`
    : 'a trace with the entry span';
  const seen = [...new Set([...input.pool.flatMap((t) => t.spans.map((s) => s.service)), ...(input.backend?.services ?? [])])].sort();
  const where = input.backend?.url ? ` at ${input.backend.url}` : '';
  const base = { kind: 'no-trace' as const, ...(ids[0] ? { traceId: ids[0] } : {}) };
  return { input, idText, seen, expected: expectedServices(input.spec), where, base };
}

function driverSentUnsampled({ input, idText, base }: NoTraceFacts): Diagnosis | undefined {
  if (!input.driver || input.driver.sampled) return undefined;
  return {
    ...base,
    cause: 'not-sampled',
    title: `no trace found: the driver sent sampled=0, so no hop recorded ${idText}`,
    evidence: [`driver sent ${input.driver.formats.join(', ') || 'no trace headers'} with the sampled flag off`],
    hint: 'drive with sampling on (the default), or add x-client-trace-id / x-envoy-force-trace for Envoy',
  };
}

function noSpansArrived({ input, seen, where, base }: NoTraceFacts): Diagnosis | undefined {
  const nothing = seen.length === 0 && (input.backend?.spansReceived ?? 0) === 0;
  if (!nothing) return undefined;
  return {
    ...base,
    cause: 'collector-unreachable',
    title: `no trace found: no spans at all arrived${where}`,
    evidence: [
      input.backend?.kind === 'otlp-receiver'
        ? `the receiver${where} got 0 spans`
        : `the backend${where} knows no services and returned no spans`,
      ...(input.driver?.returnedSampled?.includes(false)
        ? ['the application answered traceresponse with flags 00: it did not sample']
        : []),
    ],
    hint: `the applications cannot reach the collector or do not export: check OTEL_EXPORTER_OTLP_ENDPOINT (4318 for OTLP/HTTP, 4317 for gRPC), the mesh tracing provider address, and the collector logs${input.driver && !input.driver.formats.includes('envoy') ? '; or an Envoy sampled nothing (its random sampling decides even when traceparent says sampled): drive one request with x-client-trace-id (propagation: envoy) to tell the two apart' : ''}`,
  };
}

function noSpecServiceSeen({ input, seen, expected, where, base }: NoTraceFacts): Diagnosis | undefined {
  const matchesAny = input.spec.matchers.some(
    (m) => !m.service || seen.some((s) => ('exact' in m.service! ? m.service!.exact === s : m.service!.regex.test(s))),
  );
  if (matchesAny) return undefined;
  const spans = input.pool.reduce((n, t) => n + t.spans.length, 0);
  // say what was seen, so the title never contradicts the "N trace(s) / M span(s) seen" header
  const found =
    input.pool.length > 0
      ? `${input.pool.length} trace(s) with ${spans} span(s) arrived, but none from the spec's services`
      : `none of the spec's services appear`;
  return {
    ...base,
    cause: 'wrong-service-names',
    title: `no trace matches the spec: ${found}${where}`,
    evidence: [
      `spec expects services ${expected.join(', ')}`,
      `spans came from ${seen.slice(0, 12).join(', ')}${seen.length > 12 ? ', …' : ''}`,
    ],
    hint: serviceNameHint(expected, seen),
  };
}

// Envoy tags a trace it was forced to take (x-client-trace-id) with guid:x-client-trace-id. When only
// forced traces arrived and the driven requests (sampled traceparent, no x-client-trace-id) left none,
// the proxies export fine and their random sampling dropped the rest: Envoy's random sampling decides
// even when the incoming traceparent says sampled (real Envoy 1.40, OpenTelemetry tracer).
function onlyForcedTraces({ input, idText, base }: NoTraceFacts): Diagnosis | undefined {
  const forced = input.pool.filter((t) => t.spans.some((sp) => sp.attributes['guid:x-client-trace-id'] !== undefined));
  if (!(input.driver && !input.driver.formats.includes('envoy') && forced.length > 0 && forced.length === input.pool.length))
    return undefined;
  return {
    ...base,
    cause: 'not-sampled',
    title: `no trace found for ${idText}: the first proxy did not sample them; only requests forced with x-client-trace-id were traced`,
    evidence: [
      `the driver sent ${input.driver.formats.join(', ') || 'no trace headers'} with sampled=1 and no x-client-trace-id`,
      `all ${forced.length} trace(s) that arrived carry guid:x-client-trace-id (forced by the client), e.g. ${forced[0]!.traceId}: the proxies reach the collector`,
    ],
    hint: "the first proxy's random sampling is (near) 0 %: Envoy decides by its own random sampling even when traceparent says sampled. Set Istio's Telemetry randomSamplingPercentage (or meshConfig defaultConfig.tracing.sampling / traceSampling), or force single requests with x-client-trace-id",
  };
}

// Either the first hop reads none of the driver's headers (a B3-only tracer such as Istio's default
// zipkin provider ignores traceparent) or its sampler dropped the driven requests while others were
// traced: the spans cannot tell which, so the hint names both and what the driver sent.
function notJoinedHint(formats: readonly string[] | undefined): string {
  const sent = formats?.length ? `the ${formats.join(', ')} headers the driver sent` : "the driver's trace headers";
  return (
    `the entry service started its own trace instead of joining the driver's: it does not read ${sent} ` +
    "(a tracer reading only B3, e.g. Istio's zipkin provider by default, ignores traceparent; send a format it reads with --propagation), " +
    "or its sampler dropped the driven requests while others were traced: check the first hop's propagator and sampling (Istio: Telemetry randomSamplingPercentage)"
  );
}

function contextNotJoined({ input, idText, seen, base }: NoTraceFacts): Diagnosis {
  return {
    ...base,
    cause: 'context-not-joined',
    title: `no trace found for ${idText}, although spans of the expected services arrived`,
    evidence: [
      `services with spans: ${seen.slice(0, 12).join(', ')}`,
      ...(input.driver?.returnedTraceIds?.length
        ? [`the application reported its own trace id(s): ${input.driver.returnedTraceIds.slice(0, 3).join(', ')}`]
        : []),
    ],
    hint: notJoinedHint(input.driver?.formats),
  };
}

/** Why no trace was found, most telling cause first; the first that applies answers. */
const NO_TRACE_CAUSES: readonly ((facts: NoTraceFacts) => Diagnosis | undefined)[] = [
  driverSentUnsampled,
  noSpansArrived,
  noSpecServiceSeen,
  onlyForcedTraces,
];

function noTrace(input: DiagnosisInput): Diagnosis {
  const facts = noTraceFacts(input);
  for (const cause of NO_TRACE_CAUSES) {
    const found = cause(facts);
    if (found) return found;
  }
  return contextNotJoined(facts);
}

/** Every diagnosis for one verification. An empty list means nothing broken was found. */
export function diagnose(input: DiagnosisInput): Diagnosis[] {
  const out: Diagnosis[] = [];
  if (input.subjects.length === 0 || (input.missingTraceIds?.length ?? 0) > 0) {
    if (input.subjects.length === 0 || !input.spec.rules.sampling) out.push(noTrace(input));
  }
  const subjectIds = new Set(input.subjects.map((t) => t.traceId));
  const fragments = fragmentsOf(input.pool, subjectIds, input.spec, input.indexOf ?? indexTrace);
  const used = new Set<string>();
  for (const t of input.subjects) out.push(...diagnoseTrace(input, t, fragments, used));
  out.push(...restartedSplits(input));
  return mergeRepeats(out);
}

/**
 * The application answered the driver with a trace of its own (`traceresponse`), so that trace is
 * judged; the driver's own trace, with the hops in front, is only in the pool. When a leaf client
 * span there was open as the application's trace began, that call is where the context was lost
 * (real Traefik 3.6 in front of HotROD, with a hop between them that drops the trace headers).
 */
function restartedSplits(input: DiagnosisInput): Diagnosis[] {
  const indexOf = input.indexOf ?? indexTrace;
  const window = input.splitWindowUs ?? 100_000;
  const out: Diagnosis[] = [];
  for (const r of input.driver?.restarted ?? []) {
    const sent = input.pool.find((t) => t.traceId === r.sent);
    const returned = input.subjects.find((t) => t.traceId === r.returned) ?? input.pool.find((t) => t.traceId === r.returned);
    const root = returned ? indexOf(returned).roots[0] : undefined;
    if (!sent || !returned || !root) continue;
    const index = indexOf(sent);
    const open = sent.spans.filter(
      (c) =>
        isOutbound(c) &&
        (index.children.get(c.spanId)?.length ?? 0) === 0 &&
        c.service !== root.service &&
        root.startUs >= c.startUs - window &&
        root.startUs <= endOf(c) + window,
    );
    // The innermost call still open when the application's trace began: the latest to start.
    const c = open.sort((a, b) => b.startUs - a.startUs)[0];
    if (c) out.push(diagnoseSplitHop(sent, index, c, inboundOf(index, c), { trace: returned, root }));
  }
  return out;
}

/** The same finding in many traces (N driven requests, one broken hop) is reported once, with the count. */
function mergeRepeats(list: readonly Diagnosis[]): Diagnosis[] {
  const byKey = new Map<string, { first: Diagnosis; traceIds: string[] }>();
  for (const d of list) {
    const key = `${d.kind}\u0000${d.title}`;
    const seen = byKey.get(key);
    if (seen) {
      if (d.traceId) seen.traceIds.push(d.traceId);
    } else {
      byKey.set(key, { first: d, traceIds: d.traceId ? [d.traceId] : [] });
    }
  }
  return [...byKey.values()].map(({ first, traceIds }) =>
    traceIds.length <= 1
      ? first
      : {
          ...first,
          evidence: [
            ...first.evidence,
            `the same in ${traceIds.length} traces: ${traceIds.slice(0, 5).join(', ')}${traceIds.length > 5 ? ', …' : ''}`,
          ],
        },
  );
}
