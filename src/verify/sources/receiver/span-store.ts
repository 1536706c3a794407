/**
 * The receiver's spans, grouped by trace id, under two caps: a span count, and the decoded body bytes
 * the stored spans came from (a batch's bytes shared evenly by its spans). The count alone would not
 * bound memory (one span can carry a whole body of attributes); bytes alone would let millions of
 * tiny spans in. Spans beyond either cap are not stored: `add` says how many it dropped.
 */
import type { Span, Trace } from '../../model';

export class SpanStore {
  private readonly byTrace = new Map<string, Span[]>();
  private spans = 0;
  private bytes = 0;

  constructor(
    readonly maxSpans: number,
    readonly maxBytes: number,
  ) {}

  /** Stores what fits of one batch (in order); returns the spans stored. */
  add(batch: readonly Span[], batchBytes: number): readonly Span[] {
    if (batch.length === 0) return batch;
    const perSpan = batchBytes / batch.length;
    const bySpans = this.maxSpans - this.spans;
    const byBytes = perSpan > 0 ? Math.floor((this.maxBytes - this.bytes) / perSpan) : batch.length;
    const room = Math.max(0, Math.min(batch.length, bySpans, byBytes));
    const kept = room === batch.length ? batch : batch.slice(0, room);
    for (const s of kept) {
      let list = this.byTrace.get(s.traceId);
      if (!list) this.byTrace.set(s.traceId, (list = []));
      list.push(s);
    }
    this.spans += kept.length;
    this.bytes += perSpan * kept.length;
    return kept;
  }

  get storedSpans(): number {
    return this.spans;
  }

  get storedBytes(): number {
    return Math.round(this.bytes);
  }

  traces(): Trace[] {
    return [...this.byTrace].map(([traceId, spans]) => ({ traceId, spans: [...spans] }));
  }

  clear(): void {
    this.byTrace.clear();
    this.spans = 0;
    this.bytes = 0;
  }
}
