/**
 * Evaluates a compiled spec against one trace. Pure: a trace in, a list of assertions (each with
 * pass/fail and the evidence) out. One pass over the spans per matcher; edges look parents up
 * in the index, so a 10 000-span trace is evaluated in a few milliseconds.
 */
import { ATTR_K8S_CLUSTER_NAME } from '../attribute-names';
import type { AttributeValue, Span, SpanLink, Trace } from './model';
import { attributeText } from './attribute-text';
import type { AttributeAssertion, EdgeRule, LinkRule, Pattern, SpanMatcher, Spec } from './spec';
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
  for (const [k, v] of m.where)
    parts.push(`${k}=${typeof v === 'object' && v !== null && !Array.isArray(v) ? patternText(v as Pattern) : String(v)}`);
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
      return actual !== undefined && a.regex!.test(attributeText(actual))
        ? undefined
        : `${a.key} is ${shown}, expected to match ${a.regex}`;
    case '!~':
      return actual !== undefined && a.regex!.test(attributeText(actual))
        ? `${a.key} is ${shown}, expected not to match ${a.regex}`
        : undefined;
    case '=':
      return actual !== undefined && attributeText(actual) === String(a.value)
        ? undefined
        : `${a.key} is ${shown}, expected ${JSON.stringify(a.value)}`;
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
  return (s.links ?? []).filter(
    (l) =>
      (targets === undefined || (l.traceId === s.traceId && targets.has(l.spanId))) &&
      rule.where.every(([k, v]) => valueMatches(l.attributes[k], v)),
  );
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

/** Spans matched by each positive matcher, by matcher id. */
type Matches = Readonly<Record<string, readonly Span[]>>;

/** What the trace-level rules look at: the trace, its index and what the matchers found. */
interface RuleInput {
  readonly spec: Spec;
  readonly spans: readonly Span[];
  readonly index: TraceIndex;
  readonly matches: Matches;
  readonly services: readonly string[];
  readonly durationUs: number;
}

/** `spanIds` only when there are some: the assertions' JSON stays free of empty lists. */
const idsIfAny = (ids: readonly string[]): { spanIds?: readonly string[] } => (ids.length ? { spanIds: ids } : {});

/** `; … N more` after the first three of a list. */
const moreThanThree = (n: number): string => (n > 3 ? `; … ${n - 3} more` : '');

/** The spans each matcher matches, in matcher order. */
function matchEach(matchers: readonly SpanMatcher[], spans: readonly Span[]): Span[][] {
  return matchers.map((m) => {
    const found: Span[] = [];
    for (const s of spans) if (matchSpan(m, s)) found.push(s);
    return found;
  });
}

function countAssertion(m: SpanMatcher, found: readonly Span[]): Assertion {
  const n = found.length;
  return {
    category: 'count',
    text: `${m.id}: ${countText(m.count)} span(s) with ${describeMatcher(m)}`,
    passed: (m.count.min === undefined || n >= m.count.min) && (m.count.max === undefined || n <= m.count.max),
    detail: `${n} found`,
    spanIds: found.slice(0, 20).map((s) => s.spanId),
  };
}

function attributeAssertion(m: SpanMatcher, a: AttributeAssertion, found: readonly Span[]): Assertion {
  const bad: string[] = [];
  const badIds: string[] = [];
  for (const s of found) {
    const why = checkAssertion(a, s);
    if (why !== undefined) {
      bad.push(`${spanLabel(s)}: ${why}`);
      badIds.push(s.spanId);
    }
  }
  const n = found.length;
  return {
    category: 'attribute',
    text: `${m.id}: ${a.text}`,
    passed: bad.length === 0,
    detail: bad.length === 0 ? `holds on ${n} span(s)` : `${bad.length} of ${n} span(s) fail: ${bad.slice(0, 3).join('; ')}`,
    ...idsIfAny(badIds),
  };
}

function spanDurationAssertion(m: SpanMatcher, found: readonly Span[]): Assertion | undefined {
  if (m.maxDurationUs === undefined && m.minDurationUs === undefined) return undefined;
  const bad = found.filter(
    (s) =>
      (m.maxDurationUs !== undefined && s.durationUs > m.maxDurationUs) ||
      (m.minDurationUs !== undefined && s.durationUs < m.minDurationUs),
  );
  const bounds = [
    m.minDurationUs !== undefined ? `≥ ${formatDuration(m.minDurationUs)}` : '',
    m.maxDurationUs !== undefined ? `≤ ${formatDuration(m.maxDurationUs)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return {
    category: 'duration',
    text: `${m.id}: duration ${bounds}`,
    passed: bad.length === 0,
    detail:
      bad.length === 0
        ? `longest ${formatDuration(Math.max(...found.map((s) => s.durationUs)))}`
        : bad
            .slice(0, 3)
            .map((s) => `${spanLabel(s)} took ${formatDuration(s.durationUs)}`)
            .join('; '),
    ...idsIfAny(bad.map((s) => s.spanId)),
  };
}

function spanErrorsAssertion(m: SpanMatcher, found: readonly Span[]): Assertion | undefined {
  if (m.expectErrors === undefined) return undefined;
  const errs = found.filter(isError);
  return {
    category: 'errors',
    text: `${m.id}: ${m.expectErrors ? 'has an error span' : 'no error spans'}`,
    passed: m.expectErrors ? errs.length > 0 : errs.length === 0,
    detail: `${errs.length} of ${found.length} span(s) have status ERROR${errs[0]?.status.message ? ` ("${errs[0].status.message}")` : ''}`,
    ...idsIfAny(errs.map((s) => s.spanId)),
  };
}

/** A positive matcher's own assertions: its count, then (when it matched) attributes, duration, errors. */
function matcherAssertions(m: SpanMatcher, found: readonly Span[]): Assertion[] {
  const count = countAssertion(m, found);
  if (found.length === 0) return [count];
  const optional = [spanDurationAssertion(m, found), spanErrorsAssertion(m, found)].filter((a): a is Assertion => a !== undefined);
  return [count, ...m.asserts.map((a) => attributeAssertion(m, a, found)), ...optional];
}

function linkAssertion(m: SpanMatcher, rule: LinkRule, found: readonly Span[], matches: Matches): Assertion {
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
  const noTarget = targets !== undefined && targets.size === 0 ? ` (no ${rule.to} span in the trace)` : '';
  return {
    category: 'link',
    text: `${m.id}: ${rule.text}`,
    passed: bad.length === 0,
    detail:
      bad.length === 0
        ? `holds on ${found.length} span(s)`
        : `${bad.length} of ${found.length} span(s) fail: ${bad.slice(0, 3).join('; ')}${noTarget}`,
    ...idsIfAny(badIds),
  };
}

/** Link rules of the matchers that matched (a rule needs its `to` matcher's spans, so after all matching). */
function linkAssertions(matchers: readonly SpanMatcher[], matches: Matches): Assertion[] {
  return matchers.flatMap((m) => {
    const found = matches[m.id] ?? [];
    return found.length === 0 ? [] : m.links.map((rule) => linkAssertion(m, rule, found, matches));
  });
}

function edgeDetail(e: EdgeRule, pairs: number, parents: number, children: number): string {
  if (pairs > 0) return `${pairs} ${e.child} span(s) under ${e.parent}`;
  if (parents === 0 || children === 0)
    return [parents === 0 ? `no ${e.parent} span` : '', children === 0 ? `no ${e.child} span` : ''].filter(Boolean).join(' and ');
  return `${children} ${e.child} span(s), none ${e.direct ? 'a direct child' : 'a descendant'} of the ${parents} ${e.parent} span(s)`;
}

function edgeAssertion(e: EdgeRule, matches: Matches, index: TraceIndex): Assertion {
  const parents = matches[e.parent] ?? [];
  const children = matches[e.child] ?? [];
  const parentIds = new Set(parents.map((s) => s.spanId));
  let pairs = 0;
  for (const c of children) {
    if (e.direct ? c.parentSpanId !== undefined && parentIds.has(c.parentSpanId) : isDescendant(index, c, parentIds)) pairs++;
  }
  return {
    category: 'edge',
    text: e.text,
    passed: pairs > 0,
    detail: edgeDetail(e, pairs, parents.length, children.length),
    spanIds: children.slice(0, 20).map((s) => s.spanId),
  };
}

function absentAssertion(m: SpanMatcher, spans: readonly Span[]): Assertion {
  const found = spans.filter((s) => matchSpan(m, s));
  return {
    category: 'absent',
    text: `absent ${m.id}: ${countText(m.count)} span(s) with ${describeMatcher(m)}`,
    passed: m.count.max === undefined || found.length <= m.count.max,
    detail: found.length === 0 ? 'none found' : `${found.length} found: ${found.slice(0, 3).map(spanLabel).join('; ')}`,
    ...idsIfAny(found.map((s) => s.spanId)),
  };
}

function noOrphansRule({ index }: RuleInput): Assertion {
  const orphans = index.orphans;
  return {
    category: 'rule',
    text: 'noOrphans: every parent span id is in the trace',
    passed: orphans.length === 0,
    detail:
      orphans.length === 0
        ? 'no orphans'
        : `${orphans.length} span(s) point at missing parents: ${orphans
            .slice(0, 3)
            .map((s) => `${spanLabel(s)} → ${s.parentSpanId}`)
            .join('; ')}${moreThanThree(orphans.length)}`,
    ...idsIfAny(orphans.map((s) => s.spanId)),
  };
}

/** Error spans a matcher expects (`errors: true`) are allowed. */
function noErrorsRule({ spec, spans, matches }: RuleInput): Assertion {
  const allowed = new Set(spec.matchers.filter((m) => m.expectErrors === true).flatMap((m) => (matches[m.id] ?? []).map((s) => s.spanId)));
  const errs = spans.filter((s) => isError(s) && !allowed.has(s.spanId));
  const listed = errs
    .slice(0, 3)
    .map((s) => `${spanLabel(s)}${s.status.message ? ` "${s.status.message}"` : ''}`)
    .join('; ');
  return {
    category: 'rule',
    text: 'noErrors: no span has status ERROR',
    passed: errs.length === 0,
    detail: errs.length === 0 ? 'no error spans' : `${errs.length} error span(s): ${listed}${moreThanThree(errs.length)}`,
    ...idsIfAny(errs.map((s) => s.spanId)),
  };
}

function endToEndDurationRule({ spec, durationUs }: RuleInput): Assertion {
  const max = spec.rules.maxDurationUs!;
  return {
    category: 'duration',
    text: `end to end ≤ ${formatDuration(max)}`,
    passed: durationUs <= max,
    detail: `took ${formatDuration(durationUs)}`,
  };
}

function servicesRule({ spec, services }: RuleInput): Assertion {
  const { min, max } = spec.rules.services!;
  return {
    category: 'rule',
    text: `services: ${min !== undefined ? `≥ ${min}` : ''}${min !== undefined && max !== undefined ? ' and ' : ''}${max !== undefined ? `≤ ${max}` : ''}`,
    passed: (min === undefined || services.length >= min) && (max === undefined || services.length <= max),
    detail: `${services.length}: ${services.join(', ')}`,
  };
}

function noSensitiveDataRule({ spans }: RuleInput): Assertion {
  const found = findSensitiveData(spans);
  return {
    category: 'rule',
    text: 'noSensitiveData: no credentials, e-mail addresses or card numbers in spans',
    passed: found.length === 0,
    detail:
      found.length === 0
        ? 'none found'
        : found
            .slice(0, 5)
            .map((f) => `${f.service} ${f.key}: ${f.what} ${f.masked}`)
            .join('; '),
    ...idsIfAny([...new Set(found.map((f) => f.spanId))]),
  };
}

function bottleneckRule({ spec, index }: RuleInput): Assertion {
  const want = spec.rules.bottleneck!;
  const b = findBottleneck(index);
  return {
    category: 'rule',
    text: `bottleneck: ${patternText(want.service)} with ≥ ${Math.round(want.minShare * 100)}% of the time`,
    passed: b !== undefined && testPattern(want.service, b.span.service) && b.share >= want.minShare,
    detail: b ? `bottleneck is ${spanLabel(b.span)}: ${formatDuration(b.selfUs)} self time, ${Math.round(b.share * 100)}%` : 'empty trace',
    ...(b ? { spanIds: [b.span.spanId] } : {}),
  };
}

function clustersRule({ spec, spans }: RuleInput): Assertion {
  const min = spec.rules.clusters!.min;
  const clusters = [
    ...new Set(
      spans
        .map((s) => s.resource[ATTR_K8S_CLUSTER_NAME])
        .filter((c) => c !== undefined)
        .map(attributeText),
    ),
  ].sort();
  return {
    category: 'rule',
    text: `clusters: spans from ≥ ${min} clusters (${ATTR_K8S_CLUSTER_NAME})`,
    passed: clusters.length >= min,
    detail: clusters.length ? `${clusters.length}: ${clusters.join(', ')}` : `no span has the ${ATTR_K8S_CLUSTER_NAME} resource attribute`,
  };
}

/** The trace-level rules, in report order: each runs when the spec sets it. */
const TRACE_RULES: readonly { readonly set: (rules: Spec['rules']) => boolean; readonly check: (input: RuleInput) => Assertion }[] = [
  { set: (r) => Boolean(r.noOrphans), check: noOrphansRule },
  { set: (r) => Boolean(r.noErrors), check: noErrorsRule },
  { set: (r) => r.maxDurationUs !== undefined, check: endToEndDurationRule },
  { set: (r) => Boolean(r.services), check: servicesRule },
  { set: (r) => Boolean(r.noSensitiveData), check: noSensitiveDataRule },
  { set: (r) => Boolean(r.bottleneck), check: bottleneckRule },
  { set: (r) => Boolean(r.clusters), check: clustersRule },
];

/**
 * Every assertion of the spec on one trace, in report order: each matcher's own (count, attributes,
 * duration, errors), the link rules, the edges, the absent matchers, then the trace-level rules.
 */
export function verifyTrace(spec: Spec, trace: Trace, opts: VerifyTraceOptions = {}): TraceVerdict {
  const index = opts.index ?? indexTrace(trace);
  const spans = trace.spans;
  const found = matchEach(spec.matchers, spans);
  const matches: Matches = Object.fromEntries(spec.matchers.map((m, i) => [m.id, found[i]!]));
  const ruleInput: RuleInput = {
    spec,
    spans,
    index,
    matches,
    services: [...new Set(spans.map((s) => s.service))].sort(),
    durationUs: index.endUs - index.startUs,
  };
  const assertions: Assertion[] = [
    ...spec.matchers.flatMap((m, i) => matcherAssertions(m, found[i]!)),
    ...linkAssertions(spec.matchers, matches),
    ...spec.edges.map((e) => edgeAssertion(e, matches, index)),
    ...spec.absent.map((m) => absentAssertion(m, spans)),
    ...TRACE_RULES.filter((rule) => rule.set(spec.rules)).map((rule) => rule.check(ruleInput)),
  ];
  return {
    traceId: trace.traceId,
    passed: assertions.every((a) => a.passed),
    assertions,
    matches: Object.fromEntries(Object.entries(matches).map(([k, v]) => [k, v.map((s) => s.spanId)])),
    spanCount: spans.length,
    services: ruleInput.services,
    durationUs: ruleInput.durationUs,
  };
}
