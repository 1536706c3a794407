/**
 * Parent/child index of one trace, built once per evaluation and shared by the matcher, the
 * diagnosis and the reports; plus the slowest (critical) path and the bottleneck on it.
 */
import type { Span, Trace } from './model';
import { criticalPath as jaegerCriticalPath, type CriticalPath } from './critical-path';

export interface TraceIndex {
  readonly trace: Trace;
  /** First span seen for each id (Jaeger fixtures may repeat an id). */
  readonly byId: ReadonlyMap<string, Span>;
  /** Children by parent span id, each list sorted by start time. */
  readonly children: ReadonlyMap<string, readonly Span[]>;
  /** Spans without a parent id (or, when there is none, the earliest span whose parent is outside the trace), sorted by start time. */
  readonly roots: readonly Span[];
  /** Spans whose parent id is not in the trace (parent lost, not reported yet, or another trace's). */
  readonly orphans: readonly Span[];
  readonly startUs: number;
  readonly endUs: number;
}

const byStart = (a: Span, b: Span): number => a.startUs - b.startUs;

export function indexTrace(trace: Trace): TraceIndex {
  const byId = new Map<string, Span>();
  for (const s of trace.spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  const orphans: Span[] = [];
  let startUs = Infinity;
  let endUs = -Infinity;
  for (const s of trace.spans) {
    if (s.startUs < startUs) startUs = s.startUs;
    if (s.startUs + s.durationUs > endUs) endUs = s.startUs + s.durationUs;
    if (s.parentSpanId === undefined || s.parentSpanId === s.spanId) {
      roots.push(s);
      continue;
    }
    if (!byId.has(s.parentSpanId)) orphans.push(s);
    let list = children.get(s.parentSpanId);
    if (!list) children.set(s.parentSpanId, (list = []));
    list.push(s);
  }
  for (const list of children.values()) list.sort(byStart);
  roots.sort(byStart);
  orphans.sort(byStart);
  // A request that came with a context from an untraced caller (curl, the verify driver, a load
  // balancer) has no root: its first span's parent is the caller's, which nobody reports. That span
  // is the entry point, not an orphan; any other missing parent still is.
  if (roots.length === 0 && orphans.length > 0) roots.push(orphans.shift()!);
  if (trace.spans.length === 0) startUs = endUs = 0;
  return { trace, byId, children, roots, orphans, startUs, endUs };
}

/** The span a report hangs the tree from: the longest root, else the earliest orphan. */
export function mainRoot(index: TraceIndex): Span | undefined {
  const tops = index.roots.length > 0 ? index.roots : index.orphans;
  let best: Span | undefined;
  for (const s of tops) if (!best || s.durationUs > best.durationUs) best = s;
  return best;
}

/** True when `ancestorId` is on the parent chain of `span` (cycle-safe). */
export function isDescendant(index: TraceIndex, span: Span, ancestorIds: ReadonlySet<string>): boolean {
  let parent = span.parentSpanId;
  for (let hops = 0; parent !== undefined && hops < 10_000; hops++) {
    if (ancestorIds.has(parent)) return true;
    parent = index.byId.get(parent)?.parentSpanId;
  }
  return false;
}

const endOf = (s: Span): number => s.startUs + s.durationUs;

/**
 * Time a span spends on its own: its duration minus the union of its children's intervals
 * (clipped to the span). Children running in parallel are not counted twice.
 */
export function selfTimeUs(index: TraceIndex, span: Span): number {
  const kids = index.children.get(span.spanId);
  if (!kids || kids.length === 0) return span.durationUs;
  const start = span.startUs;
  const end = endOf(span);
  let covered = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const k of kids) {
    const ks = Math.max(start, k.startUs);
    const ke = Math.min(end, endOf(k));
    if (ke <= ks) continue;
    if (ks > curEnd) {
      if (curEnd > curStart) covered += curEnd - curStart;
      curStart = ks;
      curEnd = ke;
    } else if (ke > curEnd) {
      curEnd = ke;
    }
  }
  if (curEnd > curStart) covered += curEnd - curStart;
  return Math.max(0, span.durationUs - covered);
}

/**
 * The critical path, computed the way Jaeger UI does it (one implementation for the kit: the HTML
 * report's, so the terminal tree and the HTML page always name the same bottleneck): from the
 * root's end, step back to the child that finished last before that moment, descend into it, then
 * continue from that child's start. Sequential calls are all on the path; parallel ones are not.
 */
function jaegerPathOf(index: TraceIndex): CriticalPath {
  let path = pathCache.get(index);
  if (!path) pathCache.set(index, (path = jaegerCriticalPath(index.trace)));
  return path;
}

const pathCache = new WeakMap<TraceIndex, CriticalPath>();

/** Spans on the critical path, in the order their work starts. */
export function criticalPath(index: TraceIndex): Span[] {
  const path = jaegerPathOf(index);
  const out: Span[] = [];
  const seen = new Set<string>();
  for (const seg of path.segments) {
    if (seen.has(seg.spanId)) continue;
    seen.add(seg.spanId);
    const span = index.byId.get(seg.spanId);
    if (span) out.push(span);
  }
  return out;
}

export interface Bottleneck {
  readonly span: Span;
  /** The span's own time on the critical path (outside its children). */
  readonly selfUs: number;
  /** selfUs over the critical path's length (the request's duration), 0..1. */
  readonly share: number;
}

/** The span with the most self time on the critical path: where the request's time went. */
export function findBottleneck(index: TraceIndex): Bottleneck | undefined {
  const path = jaegerPathOf(index);
  const id = path.bottleneckSpanId;
  const span = id ? index.byId.get(id) : undefined;
  if (!span) return undefined;
  let total = 0;
  for (const seg of path.segments) total += seg.endUs - seg.startUs;
  const selfUs = path.selfTimeUs.get(span.spanId) ?? 0;
  return { span, selfUs, share: total > 0 ? selfUs / total : 0 };
}
