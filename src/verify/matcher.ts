/**
 * Evaluates a compiled spec against one trace. Pure: a trace in, a list of assertions (each with
 * pass/fail and the evidence) out. One pass over the spans per matcher; edges look parents up
 * in the index, so a 10 000-span trace is evaluated in a few milliseconds.
 */
import { ATTR_K8S_CLUSTER_NAME } from '../attribute-names';
import type { AttributeValue, Span, SpanLink, Trace } from './model';
import { attributeText } from './attribute-text';
import type { AttributeAssertion, LinkRule, Pattern, SpanMatcher, Spec } from './spec';
import { patternText, testPattern } from './spec';
import { findBottleneck, indexTrace, isDescendant, type TraceIndex } from './trace-index';
import { findSensitiveData } from './sensitive-data';
import { formatDuration } from '../duration';

export type AssertionCategory = 'count' | 'attribute' | 'duration' | 'errors' | 'edge' | 'link' | 'absent' | 'rule';

export interface Assertion {
  readonly category: AssertionCategory;
  /** What was asserted, in the spec's words (`productpage > reviews`, `gateway count = 1`). */
  readonly text: string;
  readonly passed: boolean;
  /** What was found (always set; on failure it says what is wrong with the values). */
  readonly detail: string;
  /** Spans the assertion is about (the offending ones on failure). */
  readonly spanIds?: readonly string[];
}

export interface TraceVerdict {
  readonly traceId: string;
  readonly passed: boolean;
  readonly assertions: readonly Assertion[];
  /** Span ids matched by each positive matcher. */
  readonly matches: Readonly<Record<string, readonly string[]>>;
  readonly spanCount: number;
  readonly services: readonly string[];
  readonly durationUs: number;
}

function attr(span: Span, key: string): AttributeValue | undefined {
  const v = span.attributes[key];
  return v !== undefined ? v : span.resource[key];
}

function valueMatches(actual: AttributeValue | undefined, expected: Pattern | AttributeValue): boolean {
  if (actual === undefined) return false;
  if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
    return testPattern(expected as Pattern, attributeText(actual));
  }
  // YAML `200` must match an int attribute 200 and a string "200" alike (Jaeger tags vary).
  return attributeText(actual) === String(expected);
}

export function matchSpan(m: SpanMatcher, s: Span): boolean {
  if (m.kind !== undefined && m.kind !== s.kind) return false;
  if (m.service !== undefined && !testPattern(m.service, s.service)) return false;
  if (m.name !== undefined && !testPattern(m.name, s.name)) return false;
  if (m.scope !== undefined && (s.scope === undefined || !testPattern(m.scope, s.scope.name))) return false;
  for (const [k, v] of m.where) if (!valueMatches(attr(s, k), v)) return false;
  return true;
}

export function describeMatcher(m: SpanMatcher): string {
  const parts: string[] = [];
  if (m.service) parts.push(`service ${patternText(m.service)}`);
  if (m.name) parts.push(`name ${patternText(m.name)}`);
  if (m.kind) parts.push(`kind ${m.kind}`);
  if (m.scope) parts.push(`scope ${patternText(m.scope)}`);
  for (const [k, v] of m.where) parts.push(`${k}=${typeof v === 'object' && v !== null && !Array.isArray(v) ? patternText(v as Pattern) : String(v)}`);
  return parts.join(', ') || 'any span';
}

function toNumber(v: AttributeValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

/** Checks one attribute assertion on one span; `undefined` = holds, else what is wrong. */
export function checkAssertion(a: AttributeAssertion, s: Span): string | undefined {
  const actual = attr(s, a.key);
  const shown = actual === undefined ? 'absent' : JSON.stringify(actual);
  switch (a.op) {
    case 'exists':
      return actual === undefined ? `${a.key} is absent` : undefined;
    case '!exists':
      return actual === undefined ? undefined : `${a.key} is present (${shown})`;
    case '~':
      return actual !== undefined && a.regex!.test(attributeText(actual)) ? undefined : `${a.key} is ${shown}, expected to match ${a.regex}`;
    case '!~':
      return actual !== undefined && a.regex!.test(attributeText(actual)) ? `${a.key} is ${shown}, expected not to match ${a.regex}` : undefined;
    case '=':
      return actual !== undefined && attributeText(actual) === String(a.value) ? undefined : `${a.key} is ${shown}, expected ${JSON.stringify(a.value)}`;
    case '!=':
      return actual !== undefined && attributeText(actual) === String(a.value) ? `${a.key} is ${shown}, expected anything else` : undefined;
    default: {
      const n = actual === undefined ? undefined : toNumber(actual);
      const limit = a.value as number;
      const ok = n !== undefined && (a.op === '<' ? n < limit : a.op === '<=' ? n <= limit : a.op === '>' ? n > limit : n >= limit);
      return ok ? undefined : `${a.key} is ${shown}, expected ${a.op} ${limit}`;
    }
  }
}

/** Links of a span that satisfy a link rule (`targets`: span ids of the rule's `to` matcher). */
function linksMatching(rule: LinkRule, s: Span, targets: ReadonlySet<string> | undefined): SpanLink[] {
  return (s.links ?? []).filter((l) => (targets === undefined || (l.traceId === s.traceId && targets.has(l.spanId))) && rule.where.every(([k, v]) => valueMatches(l.attributes[k], v)));
}

function countText(c: SpanMatcher['count']): string {
  if (c.min !== undefined && c.min === c.max) return `exactly ${c.min}`;
  if (c.min !== undefined && c.max !== undefined) return `${c.min}..${c.max}`;
  if (c.max !== undefined) return c.max === 0 ? 'none' : `at most ${c.max}`;
  return `at least ${c.min ?? 0}`;
}

function spanLabel(s: Span): string {
  return `${s.service} "${s.name}" (${s.spanId})`;
}

function isError(s: Span): boolean {
  return s.status.code === 'error';
}

export interface VerifyTraceOptions {
  /** A prebuilt index (the caller may have one already). */
  readonly index?: TraceIndex;
}

export function verifyTrace(spec: Spec, trace: Trace, opts: VerifyTraceOptions = {}): TraceVerdict {
  const index = opts.index ?? indexTrace(trace);
  const spans = trace.spans;
  const out: Assertion[] = [];
  const matches: Record<string, Span[]> = {};

  for (const m of spec.matchers) {
    const found: Span[] = [];
    for (const s of spans) if (matchSpan(m, s)) found.push(s);
    matches[m.id] = found;
    const n = found.length;
    const okCount = (m.count.min === undefined || n >= m.count.min) && (m.count.max === undefined || n <= m.count.max);
    out.push({
      category: 'count',
      text: `${m.id}: ${countText(m.count)} span(s) with ${describeMatcher(m)}`,
      passed: okCount,
      detail: `${n} found`,
      spanIds: found.slice(0, 20).map((s) => s.spanId),
    });
    if (n === 0) continue;
    for (const a of m.asserts) {
      const bad: string[] = [];
      const badIds: string[] = [];
      for (const s of found) {
        const why = checkAssertion(a, s);
        if (why !== undefined) {
          bad.push(`${spanLabel(s)}: ${why}`);
          badIds.push(s.spanId);
        }
      }
      out.push({
        category: 'attribute',
        text: `${m.id}: ${a.text}`,
        passed: bad.length === 0,
        detail: bad.length === 0 ? `holds on ${n} span(s)` : `${bad.length} of ${n} span(s) fail: ${bad.slice(0, 3).join('; ')}`,
        ...(badIds.length ? { spanIds: badIds } : {}),
      });
    }
    if (m.maxDurationUs !== undefined || m.minDurationUs !== undefined) {
      const bad = found.filter((s) => (m.maxDurationUs !== undefined && s.durationUs > m.maxDurationUs) || (m.minDurationUs !== undefined && s.durationUs < m.minDurationUs));
      const bounds = [m.minDurationUs !== undefined ? `≥ ${formatDuration(m.minDurationUs)}` : '', m.maxDurationUs !== undefined ? `≤ ${formatDuration(m.maxDurationUs)}` : ''].filter(Boolean).join(' and ');
      out.push({
        category: 'duration',
        text: `${m.id}: duration ${bounds}`,
        passed: bad.length === 0,
        detail: bad.length === 0 ? `longest ${formatDuration(Math.max(...found.map((s) => s.durationUs)))}` : bad.slice(0, 3).map((s) => `${spanLabel(s)} took ${formatDuration(s.durationUs)}`).join('; '),
        ...(bad.length ? { spanIds: bad.map((s) => s.spanId) } : {}),
      });
    }
    if (m.expectErrors !== undefined) {
      const errs = found.filter(isError);
      const ok = m.expectErrors ? errs.length > 0 : errs.length === 0;
      out.push({
        category: 'errors',
        text: `${m.id}: ${m.expectErrors ? 'has an error span' : 'no error spans'}`,
        passed: ok,
        detail: `${errs.length} of ${n} span(s) have status ERROR${errs[0]?.status.message ? ` ("${errs[0].status.message}")` : ''}`,
        ...(errs.length ? { spanIds: errs.map((s) => s.spanId) } : {}),
      });
    }
  }

  for (const m of spec.matchers) {
    const found = matches[m.id] ?? [];
    if (found.length === 0) continue;
    for (const rule of m.links) {
      const targets = rule.to === undefined ? undefined : new Set((matches[rule.to] ?? []).map((s) => s.spanId));
      const bad: string[] = [];
      const badIds: string[] = [];
      for (const s of found) {
        const n = linksMatching(rule, s, targets).length;
        if ((rule.count.min !== undefined && n < rule.count.min) || (rule.count.max !== undefined && n > rule.count.max)) {
          bad.push(`${spanLabel(s)} has ${n} of ${s.links?.length ?? 0} link(s) matching`);
          badIds.push(s.spanId);
        }
      }
      out.push({
        category: 'link',
        text: `${m.id}: ${rule.text}`,
        passed: bad.length === 0,
        detail:
          bad.length === 0
            ? `holds on ${found.length} span(s)`
            : `${bad.length} of ${found.length} span(s) fail: ${bad.slice(0, 3).join('; ')}${targets !== undefined && targets.size === 0 ? ` (no ${rule.to} span in the trace)` : ''}`,
        ...(badIds.length ? { spanIds: badIds } : {}),
      });
    }
  }

  for (const e of spec.edges) {
    const parents = matches[e.parent] ?? [];
    const children = matches[e.child] ?? [];
    const parentIds = new Set(parents.map((s) => s.spanId));
    let pairs = 0;
    for (const c of children) {
      if (e.direct ? c.parentSpanId !== undefined && parentIds.has(c.parentSpanId) : isDescendant(index, c, parentIds)) pairs++;
    }
    out.push({
      category: 'edge',
      text: e.text,
      passed: pairs > 0,
      detail:
        pairs > 0
          ? `${pairs} ${e.child} span(s) under ${e.parent}`
          : parents.length === 0 || children.length === 0
            ? [parents.length === 0 ? `no ${e.parent} span` : '', children.length === 0 ? `no ${e.child} span` : ''].filter(Boolean).join(' and ')
            : `${children.length} ${e.child} span(s), none ${e.direct ? 'a direct child' : 'a descendant'} of the ${parents.length} ${e.parent} span(s)`,
      spanIds: children.slice(0, 20).map((s) => s.spanId),
    });
  }

  for (const m of spec.absent) {
    const found = spans.filter((s) => matchSpan(m, s));
    const okCount = m.count.max === undefined || found.length <= m.count.max;
    out.push({
      category: 'absent',
      text: `absent ${m.id}: ${countText(m.count)} span(s) with ${describeMatcher(m)}`,
      passed: okCount,
      detail: found.length === 0 ? 'none found' : `${found.length} found: ${found.slice(0, 3).map(spanLabel).join('; ')}`,
      ...(found.length ? { spanIds: found.map((s) => s.spanId) } : {}),
    });
  }

  const r = spec.rules;
  if (r.noOrphans) {
    out.push({
      category: 'rule',
      text: 'noOrphans: every parent span id is in the trace',
      passed: index.orphans.length === 0,
      detail: index.orphans.length === 0 ? 'no orphans' : `${index.orphans.length} span(s) point at missing parents: ${index.orphans.slice(0, 3).map((s) => `${spanLabel(s)} → ${s.parentSpanId}`).join('; ')}${index.orphans.length > 3 ? `; … ${index.orphans.length - 3} more` : ''}`,
      ...(index.orphans.length ? { spanIds: index.orphans.map((s) => s.spanId) } : {}),
    });
  }
  if (r.noErrors) {
    const allowed = new Set(spec.matchers.filter((m) => m.expectErrors === true).flatMap((m) => (matches[m.id] ?? []).map((s) => s.spanId)));
    const errs = spans.filter((s) => isError(s) && !allowed.has(s.spanId));
    out.push({
      category: 'rule',
      text: 'noErrors: no span has status ERROR',
      passed: errs.length === 0,
      detail: errs.length === 0 ? 'no error spans' : `${errs.length} error span(s): ${errs.slice(0, 3).map((s) => `${spanLabel(s)}${s.status.message ? ` "${s.status.message}"` : ''}`).join('; ')}${errs.length > 3 ? `; … ${errs.length - 3} more` : ''}`,
      ...(errs.length ? { spanIds: errs.map((s) => s.spanId) } : {}),
    });
  }
  const durationUs = index.endUs - index.startUs;
  if (r.maxDurationUs !== undefined) {
    out.push({
      category: 'duration',
      text: `end to end ≤ ${formatDuration(r.maxDurationUs)}`,
      passed: durationUs <= r.maxDurationUs,
      detail: `took ${formatDuration(durationUs)}`,
    });
  }
  const services = [...new Set(spans.map((s) => s.service))].sort();
  if (r.services) {
    const { min, max } = r.services;
    out.push({
      category: 'rule',
      text: `services: ${min !== undefined ? `≥ ${min}` : ''}${min !== undefined && max !== undefined ? ' and ' : ''}${max !== undefined ? `≤ ${max}` : ''}`,
      passed: (min === undefined || services.length >= min) && (max === undefined || services.length <= max),
      detail: `${services.length}: ${services.join(', ')}`,
    });
  }
  if (r.noSensitiveData) {
    const found = findSensitiveData(spans);
    out.push({
      category: 'rule',
      text: 'noSensitiveData: no credentials, e-mail addresses or card numbers in spans',
      passed: found.length === 0,
      detail: found.length === 0 ? 'none found' : found.slice(0, 5).map((f) => `${f.service} ${f.key}: ${f.what} ${f.masked}`).join('; '),
      ...(found.length ? { spanIds: [...new Set(found.map((f) => f.spanId))] } : {}),
    });
  }
  if (r.bottleneck) {
    const b = findBottleneck(index);
    const ok = b !== undefined && testPattern(r.bottleneck.service, b.span.service) && b.share >= r.bottleneck.minShare;
    out.push({
      category: 'rule',
      text: `bottleneck: ${patternText(r.bottleneck.service)} with ≥ ${Math.round(r.bottleneck.minShare * 100)}% of the time`,
      passed: ok,
      detail: b ? `bottleneck is ${spanLabel(b.span)}: ${formatDuration(b.selfUs)} self time, ${Math.round(b.share * 100)}%` : 'empty trace',
      ...(b ? { spanIds: [b.span.spanId] } : {}),
    });
  }
  if (r.clusters) {
    const clusters = [...new Set(spans.map((s) => s.resource[ATTR_K8S_CLUSTER_NAME]).filter((c) => c !== undefined).map(attributeText))].sort();
    out.push({
      category: 'rule',
      text: `clusters: spans from ≥ ${r.clusters.min} clusters (${ATTR_K8S_CLUSTER_NAME})`,
      passed: clusters.length >= r.clusters.min,
      detail: clusters.length ? `${clusters.length}: ${clusters.join(', ')}` : `no span has the ${ATTR_K8S_CLUSTER_NAME} resource attribute`,
    });
  }

  return {
    traceId: trace.traceId,
    passed: out.every((a) => a.passed),
    assertions: out,
    matches: Object.fromEntries(Object.entries(matches).map(([k, v]) => [k, v.map((s) => s.spanId)])),
    spanCount: spans.length,
    services,
    durationUs,
  };
}
