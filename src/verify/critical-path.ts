/**
 * The critical path of a trace: the chain of work that decided its end-to-end duration, found
 * the way Jaeger UI does (jaegertracing/jaeger-ui `TracePage/CriticalPath`): start at the root's
 * end, step back to the child that finished last before that moment, descend into it, then
 * continue from that child's start. Time a span spends on the path outside its children is its
 * own (self) time; the span with the most of it is the bottleneck ("which service is slow").
 *
 * Pure: a trace in, segments out. Children that end after their parent (async work, clock skew)
 * are clipped to the parent's end, so the path always stays inside the root. Once a child is on
 * the path, only siblings that had finished by the moment it started can precede it: a sibling
 * still running then ran in parallel and the caller was not waiting for it (Jaeger UI would clip
 * it to that moment and put a sliver of it on the path, which a tree's per-span mark cannot show
 * as a sliver — labs and both reports use this one definition).
 */
import type { Span, Trace } from './model';

/** A piece of the critical path: `span` was the one doing the work from `startUs` to `endUs`. */
export interface CriticalSegment {
  readonly spanId: string;
  readonly startUs: number;
  readonly endUs: number;
}

export interface CriticalPath {
  /** Segments in time order. */
  readonly segments: readonly CriticalSegment[];
  /** Self time on the critical path, per span id. */
  readonly selfTimeUs: ReadonlyMap<string, number>;
  /** The span with the most self time on the critical path (ties: the deeper, later one). */
  readonly bottleneckSpanId?: string;
}

const endOf = (span: Span): number => span.startUs + span.durationUs;

/**
 * Children of each span id, and the roots (spans whose parent is absent from the trace, orphans
 * included: a picture of the trace draws every span; `trace-index.ts` keeps orphans apart for judging).
 */
export function spanTree(trace: Trace): { roots: Span[]; children: Map<string, Span[]> } {
  const ids = new Set(trace.spans.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const span of trace.spans) {
    if (span.parentSpanId !== undefined && ids.has(span.parentSpanId) && span.parentSpanId !== span.spanId) {
      const list = children.get(span.parentSpanId) ?? [];
      list.push(span);
      children.set(span.parentSpanId, list);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a: Span, b: Span): number => a.startUs - b.startUs || a.spanId.localeCompare(b.spanId);
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);
  return { roots, children };
}

/**
 * Critical path from the trace's main root (the root that ends last; orphaned fragments of a
 * broken trace are not part of the request's own timeline).
 */
export function criticalPath(trace: Trace): CriticalPath {
  const { roots, children } = spanTree(trace);
  if (roots.length === 0) return { segments: [], selfTimeUs: new Map() };
  const root = roots.reduce((best, s) => (endOf(s) > endOf(best) ? s : best));

  const segments: CriticalSegment[] = [];
  const visiting = new Set<string>();
  const walk = (span: Span, until: number): void => {
    if (visiting.has(span.spanId)) return; // a cycle in bad data must not recurse forever
    visiting.add(span.spanId);
    let cursor = Math.min(endOf(span), until);
    const kids = children.get(span.spanId) ?? [];
    // the first step clips children that outlive the span; later steps take only finished predecessors
    let clip = true;
    for (;;) {
      // The child that finished last before the cursor, among those that started before it.
      let next: Span | undefined;
      let nextEnd = -Infinity;
      for (const kid of kids) {
        if (kid.startUs >= cursor || visiting.has(kid.spanId)) continue;
        if (!clip && endOf(kid) > cursor) continue;
        const kidEnd = Math.min(endOf(kid), cursor);
        if (kidEnd > nextEnd || (kidEnd === nextEnd && next !== undefined && kid.startUs > next.startUs)) {
          next = kid;
          nextEnd = kidEnd;
        }
      }
      if (next === undefined) break;
      if (nextEnd < cursor) segments.push({ spanId: span.spanId, startUs: nextEnd, endUs: cursor });
      walk(next, nextEnd);
      clip = false;
      cursor = Math.max(next.startUs, span.startUs);
      if (cursor <= span.startUs) break;
    }
    if (cursor > span.startUs) segments.push({ spanId: span.spanId, startUs: span.startUs, endUs: cursor });
    visiting.delete(span.spanId);
  };
  walk(root, endOf(root));
  segments.sort((a, b) => a.startUs - b.startUs || a.endUs - b.endUs);

  const selfTimeUs = new Map<string, number>();
  for (const seg of segments) selfTimeUs.set(seg.spanId, (selfTimeUs.get(seg.spanId) ?? 0) + (seg.endUs - seg.startUs));
  let bottleneckSpanId: string | undefined;
  let most = -1;
  // Later segments win ties: the deepest span doing the work is the more useful answer.
  for (const seg of segments) {
    const self = selfTimeUs.get(seg.spanId)!;
    if (self >= most) {
      most = self;
      bottleneckSpanId = seg.spanId;
    }
  }
  return { segments, selfTimeUs, bottleneckSpanId };
}
