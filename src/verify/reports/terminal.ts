/**
 * The terminal report. Quiet on success (one line per trace), precise on failure: the trace as a
 * tree (service, operation, duration, errors marked, the slowest path and its bottleneck
 * marked, like "which service is slow?"), then the failed assertions and the diagnoses.
 */
import type { Span, Trace } from '../model';
import type { VerifyResult } from '../verify-traces';
import type { TraceVerdict } from '../matcher';
import { criticalPath, findBottleneck, indexTrace, mainRoot, type TraceIndex } from '../trace-index';
import { formatDuration } from '../../duration';
import { jaegerTraceUrl } from './jaeger-link';

export interface TerminalOptions {
  /** ANSI colours. @default false */
  readonly color?: boolean;
  /** Jaeger UI base URL for links. */
  readonly jaegerUiUrl?: string;
  /** Print the tree even when everything passes. @default false */
  readonly verbose?: boolean;
  /** Children shown per span before "… N more". @default 12 */
  readonly maxChildren?: number;
  /** Tree lines in total. @default 120 */
  readonly maxLines?: number;
}

const ESC = {
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  reset: '\u001b[0m',
} as const;

type Paint = (code: keyof typeof ESC, text: string) => string;

function painter(color: boolean): Paint {
  return color ? (code, text) => `${ESC[code]}${text}${ESC.reset}` : (_code, text) => text;
}

/** The trace tree; marks error spans, the slowest path (◆) and the bottleneck. */
// long-function: a recursive walk whose small named helpers (line, groupLeaves, groupLine, walk) share the
// output lines, the seen set and the line budget of one rendering.
export function renderTree(trace: Trace, opts: TerminalOptions = {}, index: TraceIndex = indexTrace(trace)): string[] {
  const paint = painter(opts.color ?? false);
  const maxChildren = opts.maxChildren ?? 12;
  const maxLines = opts.maxLines ?? 120;
  const path = criticalPath(index);
  const onPath = new Set(path.map((s) => s.spanId));
  const bottleneck = findBottleneck(index);
  const services = new Set(trace.spans.map((s) => s.service));
  const lines: string[] = [
    paint(
      'bold',
      `Trace ${trace.traceId} (${formatDuration(index.endUs - index.startUs)} total) · ${trace.spans.length} spans · ${services.size} services`,
    ),
  ];
  const seen = new Set<string>();
  const orphanIds = new Set(index.orphans.map((o) => o.spanId));
  let truncated = false;

  function line(s: Span, prefix: string, last: boolean): void {
    const marks: string[] = [];
    if (s.status.code === 'error') marks.push(paint('red', `✗ ERROR${s.status.message ? ` "${s.status.message}"` : ''}`));
    if (bottleneck && bottleneck.span.spanId === s.spanId && path.length > 1) {
      marks.push(paint('yellow', `◀ BOTTLENECK ${formatDuration(bottleneck.selfUs)} self (${Math.round(bottleneck.share * 100)}%)`));
    } else if (onPath.has(s.spanId) && path.length > 1) {
      marks.push(paint('dim', '◆ slow path'));
    }
    if (orphanIds.has(s.spanId)) marks.push(paint('red', `orphan (parent ${s.parentSpanId} missing)`));
    const text = `${prefix}${last ? '└── ' : '├── '}${s.service}  ${s.name} (${formatDuration(s.durationUs)})${s.kind !== 'unspecified' && s.kind !== 'internal' ? paint('dim', ` ${s.kind}`) : ''}${marks.length ? ` ${marks.join(' ')}` : ''}`;
    lines.push(text);
  }

  /** Runs of leaf siblings doing the same thing (HotROD's 13 GetDriver calls) print as one line. */
  function groupLeaves(kids: readonly Span[]): Span[][] {
    const groups: Span[][] = [];
    const isLeaf = (k: Span) => (index.children.get(k.spanId)?.length ?? 0) === 0 && bottleneck?.span.spanId !== k.spanId;
    for (const k of kids) {
      const g = groups.at(-1);
      const head = g?.[0];
      if (g && head && isLeaf(k) && isLeaf(head) && head.service === k.service && head.name === k.name && head.kind === k.kind) g.push(k);
      else groups.push([k]);
    }
    return groups;
  }

  function groupLine(g: readonly Span[], prefix: string, last: boolean): void {
    for (const k of g) seen.add(k.spanId);
    const head = g[0]!;
    const durations = g.map((k) => k.durationUs);
    const min = Math.min(...durations);
    const max = Math.max(...durations);
    const errors = g.filter((k) => k.status.code === 'error');
    const marks: string[] = [];
    if (errors.length)
      marks.push(paint('red', `✗ ${errors.length} ERROR${errors[0]!.status.message ? ` "${errors[0]!.status.message}"` : ''}`));
    if (g.some((k) => onPath.has(k.spanId)) && path.length > 1) marks.push(paint('dim', '◆ slow path'));
    const range = min === max ? formatDuration(min) : `${formatDuration(min)}–${formatDuration(max)}`;
    lines.push(
      `${prefix}${last ? '└── ' : '├── '}${head.service}  ${head.name} ×${g.length} (${range} each)${head.kind !== 'unspecified' && head.kind !== 'internal' ? paint('dim', ` ${head.kind}`) : ''}${marks.length ? ` ${marks.join(' ')}` : ''}`,
    );
  }

  function walk(s: Span, prefix: string, last: boolean): void {
    if (lines.length >= maxLines) {
      truncated = true;
      return;
    }
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    line(s, prefix, last);
    const groups = groupLeaves(index.children.get(s.spanId) ?? []);
    const onPathGroup = (g: Span[]) => g.some((k) => onPath.has(k.spanId));
    const shown =
      groups.length > maxChildren
        ? [...groups.filter(onPathGroup), ...groups.filter((g) => !onPathGroup(g))]
            .slice(0, maxChildren)
            .sort((a, b) => a[0]!.startUs - b[0]!.startUs)
        : groups;
    const childPrefix = prefix + (last ? '    ' : '│   ');
    shown.forEach((g, i) => {
      const isLast = i === shown.length - 1 && shown.length === groups.length;
      if (g.length > 1) {
        if (lines.length >= maxLines) truncated = true;
        else groupLine(g, childPrefix, isLast);
      } else walk(g[0]!, childPrefix, isLast);
    });
    if (shown.length < groups.length) {
      const hidden = groups.filter((g) => !shown.includes(g)).reduce((n, g) => n + g.length, 0);
      lines.push(`${childPrefix}└── ${paint('dim', `… ${hidden} more`)}`);
    }
  }

  const tops = [...index.roots, ...index.orphans];
  const main = mainRoot(index);
  const ordered = main ? [main, ...tops.filter((s) => s !== main)] : tops;
  ordered.forEach((s, i) => walk(s, '', i === ordered.length - 1));
  if (truncated || seen.size < trace.spans.length) {
    lines.push(paint('dim', `… ${trace.spans.length - seen.size} more span(s) not shown`));
  }
  return lines;
}

function verdictSummary(v: TraceVerdict, paint: Paint, link?: string): string {
  const failed = v.assertions.filter((a) => !a.passed).length;
  const mark = v.passed ? paint('green', '✓') : paint('red', '✗');
  return `${mark} trace ${v.traceId}: ${v.spanCount} spans, ${v.services.length} services, ${formatDuration(v.durationUs)}; ${v.assertions.length - failed}/${v.assertions.length} assertions hold${link ? ` · ${link}` : ''}`;
}

export function renderTerminal(result: VerifyResult, traces: readonly Trace[], opts: TerminalOptions = {}): string {
  const paint = painter(opts.color ?? false);
  const byId = new Map(traces.map((t) => [t.traceId, t]));
  const link = (id: string): string | undefined => (opts.jaegerUiUrl ? jaegerTraceUrl(opts.jaegerUiUrl, id) : undefined);
  const out: string[] = [];
  const head = result.passed ? paint('green', `✓ ${result.spec}: PASS`) : paint('red', `✗ ${result.spec}: FAIL`);
  out.push(
    `${head} (${result.traces.length} trace(s) judged, match: ${result.match}; ${result.tracesSeen} trace(s) / ${result.spansSeen} span(s) seen)`,
  );
  for (const v of result.traces.slice(0, 20)) out.push(`  ${verdictSummary(v, paint, link(v.traceId))}`);
  if (result.traces.length > 20) out.push(`  … ${result.traces.length - 20} more trace(s)`);
  for (const a of result.assertions) {
    // A sampling rate is a measurement: its numbers are the point even when it passes.
    const measured = a.text.startsWith('sampling rate');
    if (!a.passed || opts.verbose || measured) out.push(`  ${a.passed ? paint('green', '✓') : paint('red', '✗')} ${a.text}: ${a.detail}`);
  }

  const show = result.passed
    ? opts.verbose
      ? result.traces[0]
      : undefined
    : (result.traces.find((v) => !v.passed && v === result.closest) ?? result.traces.find((v) => !v.passed));
  if (show) {
    const trace = byId.get(show.traceId);
    if (trace) {
      out.push('');
      out.push(...renderTree(trace, opts));
    }
    const failed = show.assertions.filter((a) => !a.passed || opts.verbose);
    if (failed.length) {
      out.push('');
      out.push(paint('bold', result.passed ? 'Assertions:' : `Failed assertions (trace ${show.traceId}):`));
      for (const a of failed) out.push(`  ${a.passed ? paint('green', '✓') : paint('red', '✗')} ${a.text}\n      ${a.detail}`);
    }
  }
  if (result.diagnoses.length) {
    out.push('');
    out.push(paint('bold', 'Diagnosis:'));
    for (const d of result.diagnoses) {
      out.push(`  ${paint('yellow', `[${d.kind}]`)} ${d.title}`);
      for (const e of d.evidence) out.push(`      · ${e}`);
      if (d.party) out.push(`      party to change: ${d.party}`);
      out.push(`      → ${d.hint}`);
    }
  }
  return out.join('\n') + '\n';
}
