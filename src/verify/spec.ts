/**
 * The expectation language (YAML). A spec names span matchers, then states edges between them,
 * counts, attribute assertions, durations and negative rules. `loadSpec` validates with zod and
 * compiles patterns once, so matching is allocation-light. Every error names the path in the
 * file, the bad value and what is allowed.
 *
 * Patterns: a string is an exact match; `/…/flags` is a regular expression.
 * Edges: `a > b` (a span of b is a direct child of a span of a), `a >> b` (descendant).
 * Assertions: `key OP value` with OP one of = != < <= > >= ~ (regex) !~, or `key exists` / `key !exists`.
 */
import { z } from 'zod';
import { parseYamlDocument, readYamlFile, YAML_LIMITS, YamlInputError } from '../yaml/load';
import type { AttributeValue, SpanKind } from './model';
import { parseDurationUs } from '../duration';
import { issuesToProblems, problemLine } from '../config/problems';
import { compileLinearRegex, type LinearRegex } from './linear-regex';

export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

// ---------------------------------------------------------------------------------------------
// Raw (YAML) shape

const KINDS = ['server', 'client', 'producer', 'consumer', 'internal', 'unspecified'] as const;
// Unions carry their allowed forms: zod's own message for a failed union is only "Invalid input".
const durationText = z.union([z.string(), z.number()], {
  error: 'is not a duration; allowed: a number of milliseconds, or text like 250ms, 2s, 1.5m',
});
const countShape = z.union(
  [z.number().int().min(0), z.object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).strict()],
  {
    error: 'is not a count; allowed: a whole number ≥ 0 (exactly that many), or {min: N} / {max: N} / {min: N, max: M}',
  },
);
const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'is not a plain value; allowed: a string (a /regex/ matches), a number or true/false',
});

/**
 * A link rule on a span matcher: every matched span has `count` links (default: at least 1) that
 * point at a span of matcher `to` in the same trace (any linked span when `to` is left out) and whose
 * attributes match `where`.
 */
const linkShape = z
  .object({
    to: z.string().optional(),
    where: z.record(z.string(), scalar).optional(),
    count: countShape.optional(),
  })
  .strict();

const matcherShape = z
  .object({
    service: z.string().optional(),
    name: z.string().optional(),
    kind: z.enum(KINDS).optional(),
    /** The instrumentation scope's name (OTLP `InstrumentationScope.name`, Jaeger `otel.scope.name`). */
    scope: z.string().optional(),
    links: z
      .union([linkShape, z.array(linkShape)], {
        error: 'is not a link rule; allowed: {to: <matcher>, where: {…}, count: …} or a list of them',
      })
      .optional(),
    where: z.record(z.string(), scalar).optional(),
    count: countShape.optional(),
    assert: z.array(z.string()).optional(),
    maxDuration: durationText.optional(),
    minDuration: durationText.optional(),
    expectErrors: z.boolean().optional(),
  })
  .strict();

const propagationFormats = ['w3c', 'b3', 'b3multi', 'jaeger', 'envoy'] as const;

const specShape = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    match: z.enum(['every', 'any']).optional(),
    trigger: z
      .object({
        url: z.string().optional(),
        method: z.string().optional(),
        headers: z.record(z.string(), z.string()).optional(),
        body: z.string().optional(),
        requests: z.number().int().min(1).optional(),
        concurrency: z.number().int().min(1).optional(),
        propagation: z.array(z.enum(propagationFormats)).optional(),
        /**
         * The decision the driver sends: `sampled` (default) or `deferred` (B3 ids without a sampled
         * flag, so the first hop decides: what a sampling-rate check needs). W3C, Jaeger and Envoy
         * headers cannot say "deferred", so `deferred` needs propagation [b3] or [b3multi].
         */
        sampling: z.enum(['sampled', 'deferred']).optional(),
        expectStatus: z.number().int().optional(),
      })
      .strict()
      .optional(),
    poll: z
      .object({ interval: durationText.optional(), timeout: durationText.optional(), stablePolls: z.number().int().min(1).optional() })
      .strict()
      .optional(),
    spans: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'matcher names use letters, digits, _ . -'), matcherShape),
    edges: z.array(z.string()).optional(),
    absent: z.array(z.union([z.string(), matcherShape])).optional(),
    rules: z
      .object({
        singleTrace: z.boolean().optional(),
        noOrphans: z.boolean().optional(),
        noErrors: z.boolean().optional(),
        maxDuration: durationText.optional(),
        noSensitiveData: z.boolean().optional(),
        services: z
          .object({ min: z.number().int().min(1).optional(), max: z.number().int().min(1).optional() })
          .strict()
          .optional(),
        bottleneck: z
          .object({ service: z.string(), minShare: z.number().min(0).max(1).optional() })
          .strict()
          .optional(),
        clusters: z
          .object({ min: z.number().int().min(1) })
          .strict()
          .optional(),
        sampling: z
          .object({ rate: z.number().min(0).max(1), confidence: z.number().gt(0).lt(1).optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type RawSpec = z.infer<typeof specShape>;

/**
 * The spec's JSON Schema (draft 2020-12), for editors: `samples/expectations/spec.schema.json` is
 * generated from it (test/verify/spec-schema.test.ts keeps the file in step) and shipped specs
 * point at it with a `# yaml-language-server: $schema=…` line. Patterns, edges and assertions are
 * strings there; their grammar is checked by `compileSpec`.
 */
export function specJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(specShape),
    $id: 'https://meshtrace.dev/schemas/verify-spec.json',
    title: 'meshtrace verify spec',
    description: 'Trace expectation for `meshtrace verify` (docs/verify.md)',
  };
}

// ---------------------------------------------------------------------------------------------
// Compiled shape

/** An exact string or a compiled regular expression. */
export type Pattern = { readonly exact: string } | { readonly regex: LinearRegex; readonly source: string };

export type AssertOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~' | 'exists' | '!exists';

export interface AttributeAssertion {
  readonly text: string;
  readonly key: string;
  readonly op: AssertOp;
  readonly value?: AttributeValue;
  readonly regex?: LinearRegex;
}

export interface LinkRule {
  /** As written, for reports (`links[0]: to producer, count 1`). */
  readonly text: string;
  /** A span matcher's name: links must point at one of its spans in the same trace. */
  readonly to?: string;
  readonly where: readonly (readonly [string, Pattern | AttributeValue])[];
  /** Links per matched span. */
  readonly count: { readonly min?: number; readonly max?: number };
}

export interface SpanMatcher {
  /** The matcher's name in the spec (`absent[2]` for inline absent matchers). */
  readonly id: string;
  readonly service?: Pattern;
  readonly name?: Pattern;
  readonly kind?: SpanKind;
  /** Pattern on the instrumentation scope's name; a span without a scope never matches it. */
  readonly scope?: Pattern;
  readonly links: readonly LinkRule[];
  readonly where: readonly (readonly [string, Pattern | AttributeValue])[];
  readonly count: { readonly min?: number; readonly max?: number };
  readonly asserts: readonly AttributeAssertion[];
  readonly maxDurationUs?: number;
  readonly minDurationUs?: number;
  readonly expectErrors?: boolean;
}

export interface EdgeRule {
  readonly text: string;
  readonly parent: string;
  readonly child: string;
  /** `>`: direct child; `>>`: any descendant. */
  readonly direct: boolean;
}

export type PropagationFormatName = (typeof propagationFormats)[number];

/** What the driver asks for: a sampled trace, or no decision at all (the first hop decides). */
export type DriverSampling = 'sampled' | 'deferred';

/** Formats that can carry ids without a sampling decision (B3 without its sampled state). */
export const DEFERRABLE_FORMATS: readonly PropagationFormatName[] = ['b3', 'b3multi'];

/** Why a deferred decision cannot be sent with these formats, or undefined when it can. */
export function deferredSamplingProblem(propagation: readonly PropagationFormatName[]): string | undefined {
  const bad = propagation.filter((f) => !DEFERRABLE_FORMATS.includes(f));
  if (propagation.length === 0) return 'sends no trace context, so no trace id is known; allowed: propagation [b3] or [b3multi]';
  if (bad.length > 0)
    return `cannot be sent with ${bad.join(', ')} (${bad.join(', ')} cannot say "no decision"); allowed: propagation [b3] or [b3multi] only`;
  return undefined;
}

export interface Spec {
  readonly name: string;
  readonly description?: string;
  /** `every`: each driven request's trace must match; `any`: at least one of N. */
  readonly match: 'every' | 'any';
  readonly trigger?: {
    readonly url?: string;
    readonly method: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly requests: number;
    readonly concurrency: number;
    readonly propagation: readonly PropagationFormatName[];
    /** The sampling decision the driver sends. */
    readonly sampling: DriverSampling;
    readonly expectStatus?: number;
  };
  readonly poll: { readonly intervalUs: number; readonly timeoutUs: number; readonly stablePolls: number };
  /** In spec order; the first is the entry point used to pick traces when no trace id is known. */
  readonly matchers: readonly SpanMatcher[];
  readonly edges: readonly EdgeRule[];
  readonly absent: readonly SpanMatcher[];
  readonly rules: {
    readonly singleTrace: boolean;
    readonly noOrphans: boolean;
    readonly noErrors: boolean;
    readonly maxDurationUs?: number;
    readonly noSensitiveData: boolean;
    readonly services?: { readonly min?: number; readonly max?: number };
    readonly bottleneck?: { readonly service: Pattern; readonly minShare: number };
    readonly clusters?: { readonly min: number };
    readonly sampling?: { readonly rate: number; readonly confidence: number };
  };
}

// ---------------------------------------------------------------------------------------------
// Compilation

function fail(path: string, message: string): never {
  throw new SpecError(`${path}: ${message}`);
}

const REGEX_TEXT = /^\/(.*)\/([dgimsuy]*)$/s;

function compileRegex(source: string, flags: string, text: string, path: string): LinearRegex {
  try {
    return compileLinearRegex(source, flags);
  } catch (err) {
    return fail(path, `invalid regular expression ${text} (${(err as Error).message})`);
  }
}

/** `/re/flags` → regex; anything else → exact. */
export function compilePattern(text: string, path: string): Pattern {
  const m = REGEX_TEXT.exec(text);
  return m ? { regex: compileRegex(m[1]!, m[2]!, text, path), source: text } : { exact: text };
}

export function patternText(p: Pattern): string {
  return 'exact' in p ? p.exact : p.source;
}

export function testPattern(p: Pattern, value: string): boolean {
  return 'exact' in p ? p.exact === value : p.regex.test(value);
}

function literal(text: string): AttributeValue {
  const t = text.trim();
  if (/^".*"$/s.test(t) || /^'.*'$/s.test(t)) return t.slice(1, -1);
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(t)) return Number(t);
  return t;
}

const ASSERT_RE = /^\s*([^\s=!<>~]+)\s*(!=|<=|>=|!~|=|<|>|~)\s*(.+?)\s*$/s;
const EXISTS_RE = /^\s*([^\s=!<>~]+)\s+(!?exists)\s*$/;

export function compileAssertion(text: string, path: string): AttributeAssertion {
  const ex = EXISTS_RE.exec(text);
  if (ex) return { text, key: ex[1]!, op: ex[2] as AssertOp };
  const m = ASSERT_RE.exec(text);
  if (!m) {
    return fail(
      path,
      `cannot read assertion "${text}"; write "key OP value" with OP one of = != < <= > >= ~ !~, or "key exists" / "key !exists"`,
    );
  }
  const op = m[2] as AssertOp;
  if (op === '~' || op === '!~') {
    // `/re/flags`, or a bare right side as the pattern itself
    const right = m[3]!;
    const r = REGEX_TEXT.exec(right);
    const regex = r ? compileRegex(r[1]!, r[2]!, right, path) : compileRegex(right, '', `/${right}/`, path);
    return { text, key: m[1]!, op, regex };
  }
  const value = literal(m[3]!);
  if ((op === '<' || op === '<=' || op === '>' || op === '>=') && typeof value !== 'number') {
    return fail(path, `"${text}": ${op} needs a number on the right, got ${JSON.stringify(value)}`);
  }
  return { text, key: m[1]!, op, value };
}

function duration(value: string | number | undefined, path: string): number | undefined {
  if (value === undefined) return undefined;
  const us = parseDurationUs(value);
  if (us === undefined) return fail(path, `invalid duration ${JSON.stringify(value)}; use a number with a unit: 250us, 500ms, 2s, 1m`);
  return us;
}

type RawCount = z.infer<typeof countShape>;

function compileCount(
  raw: RawCount | undefined,
  defaultCount: { min?: number; max?: number },
  path: string,
): { min?: number; max?: number } {
  const count = raw === undefined ? defaultCount : typeof raw === 'number' ? { min: raw, max: raw } : raw;
  if (count.min !== undefined && count.max !== undefined && count.min > count.max) {
    fail(path, `min ${count.min} is greater than max ${count.max}`);
  }
  return count;
}

function compileWhere(
  raw: Readonly<Record<string, string | number | boolean>> | undefined,
  path: string,
  at: At,
): (readonly [string, Pattern | AttributeValue])[] {
  return Object.entries(raw ?? {}).map(([k, v]) => [k, typeof v === 'string' ? compilePattern(v, at(`${path}.${k}`)) : v] as const);
}

/** `path` is the link's own (`spans.a.links[0]`); `at` gives a field's path with its line. */
function compileLink(raw: z.infer<typeof linkShape>, path: string, at: At): LinkRule {
  const count = compileCount(raw.count, { min: 1 }, at(`${path}.count`));
  const parts = [
    raw.to === undefined ? 'any span' : `to ${raw.to}`,
    ...Object.entries(raw.where ?? {}).map(([k, v]) => `${k}=${String(v)}`),
  ];
  const countWords = count.min !== undefined && count.min === count.max ? `${count.min}` : `${count.min ?? 0}..${count.max ?? '∞'}`;
  return {
    text: `${countWords} link(s) ${parts.join(', ')}`,
    ...(raw.to === undefined ? {} : { to: raw.to }),
    where: compileWhere(raw.where, `${path}.where`, at),
    count,
  };
}

/** `path` is the matcher's own (`spans.a`, `absent[0]`); `at` gives a field's path with its line. */
function compileMatcher(
  id: string,
  raw: z.infer<typeof matcherShape>,
  path: string,
  at: At,
  defaultCount: { min?: number; max?: number },
): SpanMatcher {
  const count = compileCount(raw.count, defaultCount, at(`${path}.count`));
  const linkList = raw.links === undefined ? [] : Array.isArray(raw.links) ? raw.links : [raw.links];
  const maxDurationUs = duration(raw.maxDuration, at(`${path}.maxDuration`));
  const minDurationUs = duration(raw.minDuration, at(`${path}.minDuration`));
  return {
    id,
    ...(raw.service === undefined ? {} : { service: compilePattern(raw.service, at(`${path}.service`)) }),
    ...(raw.name === undefined ? {} : { name: compilePattern(raw.name, at(`${path}.name`)) }),
    ...(raw.kind === undefined ? {} : { kind: raw.kind }),
    ...(raw.scope === undefined ? {} : { scope: compilePattern(raw.scope, at(`${path}.scope`)) }),
    links: linkList.map((l, i) => compileLink(l, Array.isArray(raw.links) ? `${path}.links[${i}]` : `${path}.links`, at)),
    where: compileWhere(raw.where, `${path}.where`, at),
    count,
    asserts: (raw.assert ?? []).map((a, i) => compileAssertion(a, at(`${path}.assert[${i}]`))),
    ...(maxDurationUs === undefined ? {} : { maxDurationUs }),
    ...(minDurationUs === undefined ? {} : { minDurationUs }),
    ...(raw.expectErrors === undefined ? {} : { expectErrors: raw.expectErrors }),
  };
}

/** `spans.a.kind`, `edges[0]` → keys and indexes (a matcher name with dots resolves to its nearest parent). */
function pathParts(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1]! : Number(m[2])));
}

/** The shape errors of a document, as the config's problem lines: field path (and line), the value written, what is allowed. */
function shapeError(
  issues: Parameters<typeof issuesToProblems>[0],
  doc: unknown,
  origin: string,
  lineOf?: (path: readonly (string | number)[]) => number | undefined,
): SpecError {
  const problems = issuesToProblems(issues, doc, specShape);
  const lines = problems.slice(0, 8).map((p) => {
    const line = lineOf?.((p.pathParts ?? []).map((x) => (typeof x === 'number' ? x : String(x))));
    return `  ${line === undefined ? '' : `line ${line}: `}${problemLine({ ...p, path: p.path === '(root)' ? '(top level)' : p.path })}`;
  });
  const more = problems.length - lines.length;
  return new SpecError(`${origin} is not a valid spec:\n${lines.join('\n')}${more > 0 ? `\n  … ${more} more` : ''}`);
}

/** `where` of a problem: the origin, its line when known, and the field path. */
type At = (path: string) => string;

function compileEdges(raw: RawSpec['edges'], byName: ReadonlySet<string>, names: readonly string[], at: At): EdgeRule[] {
  return (raw ?? []).map((text, i): EdgeRule => {
    const m = /^\s*([A-Za-z0-9_.-]+)\s*(>>|>)\s*([A-Za-z0-9_.-]+)\s*$/.exec(text);
    if (!m) fail(at(`edges[${i}]`), `cannot read edge "${text}"; write "parent > child" (direct) or "parent >> child" (descendant)`);
    for (const ref of [m[1]!, m[3]!]) {
      if (!byName.has(ref)) fail(at(`edges[${i}]`), `"${ref}" is not a span matcher; known: ${names.join(', ')}`);
    }
    return { text: `${m[1]} ${m[2]} ${m[3]}`, parent: m[1]!, child: m[3]!, direct: m[2] === '>' };
  });
}

/** `absent`: a span matcher's name (that matcher, with at most 0 spans) or a matcher of its own. */
function compileAbsent(raw: RawSpec['absent'], matchers: readonly SpanMatcher[], names: readonly string[], at: At): SpanMatcher[] {
  return (raw ?? []).map((a, i) => {
    if (typeof a === 'string') {
      if (!names.includes(a)) fail(at(`absent[${i}]`), `"${a}" is not a span matcher; known: ${names.join(', ')}`);
      return { ...matchers.find((m) => m.id === a)!, id: a, count: { max: 0 } };
    }
    if (a.links !== undefined)
      fail(at(`absent[${i}].links`), 'an absent matcher only selects spans; links are asserted on a span matcher under "spans"');
    return compileMatcher(`absent[${i}]`, a, `absent[${i}]`, at, { max: 0 });
  });
}

function compileTrigger(trigger: NonNullable<RawSpec['trigger']>): NonNullable<Spec['trigger']> {
  return {
    ...(trigger.url === undefined ? {} : { url: trigger.url }),
    method: (trigger.method ?? 'GET').toUpperCase(),
    headers: trigger.headers ?? {},
    ...(trigger.body === undefined ? {} : { body: trigger.body }),
    requests: trigger.requests ?? 1,
    concurrency: trigger.concurrency ?? 1,
    propagation: trigger.propagation ?? ['w3c'],
    sampling: trigger.sampling ?? 'sampled',
    ...(trigger.expectStatus === undefined ? {} : { expectStatus: trigger.expectStatus }),
  };
}

function compileRules(rules: NonNullable<RawSpec['rules']>, maxDurationUs: number | undefined, at: At): Spec['rules'] {
  return {
    singleTrace: rules.singleTrace ?? true,
    noOrphans: rules.noOrphans ?? true,
    noErrors: rules.noErrors ?? false,
    ...(maxDurationUs === undefined ? {} : { maxDurationUs }),
    noSensitiveData: rules.noSensitiveData ?? false,
    ...(rules.services === undefined ? {} : { services: rules.services }),
    ...(rules.bottleneck === undefined
      ? {}
      : {
          bottleneck: {
            service: compilePattern(rules.bottleneck.service, at('rules.bottleneck.service')),
            minShare: rules.bottleneck.minShare ?? 0.5,
          },
        }),
    ...(rules.clusters === undefined ? {} : { clusters: rules.clusters }),
    ...(rules.sampling === undefined ? {} : { sampling: { rate: rules.sampling.rate, confidence: rules.sampling.confidence ?? 0.99 } }),
  };
}

/**
 * Validates and compiles a parsed YAML/JSON document. `origin` prefixes every error; with `lineOf`
 * (from the YAML loader) every error also names its line. The checks run in a fixed order (spans,
 * edges, absent, rules, trigger, poll), so a spec with several problems always reports the same first one.
 */
export function compileSpec(doc: unknown, origin = 'spec', lineOf?: (path: readonly (string | number)[]) => number | undefined): Spec {
  const parsed = specShape.safeParse(doc);
  if (!parsed.success) throw shapeError(parsed.error.issues, doc, origin, lineOf);
  const raw = parsed.data;
  const at: At = (p) => {
    const line = lineOf?.(pathParts(p));
    return `${origin}${line === undefined ? '' : `:${line}`}: ${p}`;
  };
  const names = Object.keys(raw.spans);
  if (names.length === 0) fail(at('spans'), 'no span matchers; name at least one (spans: {gateway: {service: …}})');
  const matchers = names.map((n) => compileMatcher(n, raw.spans[n]!, `spans.${n}`, at, { min: 1 }));
  const byName = new Set(names);
  for (const m of matchers) {
    m.links.forEach((l, i) => {
      if (l.to !== undefined && !byName.has(l.to))
        fail(at(`spans.${m.id}.links[${i}].to`), `"${l.to}" is not a span matcher; known: ${names.join(', ')}`);
    });
  }
  const edges = compileEdges(raw.edges, byName, names, at);
  const absent = compileAbsent(raw.absent, matchers, names, at);
  const absentNames = new Set((raw.absent ?? []).filter((a): a is string => typeof a === 'string'));
  const rules = raw.rules ?? {};
  const maxDurationUs = duration(rules.maxDuration, at('rules.maxDuration'));
  const trigger = raw.trigger;
  if (trigger?.sampling === 'deferred') {
    const problem = deferredSamplingProblem(trigger.propagation ?? ['w3c']);
    if (problem) fail(at('trigger.sampling'), `"deferred" ${problem}`);
  }
  const poll = {
    intervalUs: duration(raw.poll?.interval, at('poll.interval')) ?? 1_000_000,
    timeoutUs: duration(raw.poll?.timeout, at('poll.timeout')) ?? 30_000_000,
    stablePolls: raw.poll?.stablePolls ?? 3,
  };
  return {
    name: raw.name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    match: raw.match ?? 'every',
    ...(trigger === undefined ? {} : { trigger: compileTrigger(trigger) }),
    poll,
    // A matcher listed by name under `absent` is only a negative rule, not also a positive one.
    matchers: matchers.filter((m) => !absentNames.has(m.id)),
    edges,
    absent,
    rules: compileRules(rules, maxDurationUs, at),
  };
}

/** Parses YAML (or JSON) text into a compiled spec, within the loader's limits for specs. */
export function parseSpec(text: string, origin = 'spec'): Spec {
  let parsed;
  try {
    parsed = parseYamlDocument(text, origin, YAML_LIMITS.spec);
  } catch (err) {
    if (err instanceof YamlInputError) throw new SpecError(err.message);
    throw err;
  }
  const doc = parsed.value;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SpecError(
      `${origin}: a spec is a YAML mapping with at least "name" and "spans"; got ${doc === null ? 'an empty document' : Array.isArray(doc) ? 'a list' : typeof doc}`,
    );
  }
  return compileSpec(doc, origin, parsed.lineOf);
}

/** Reads and compiles a spec file; errors name the path. */
export async function loadSpec(path: string): Promise<Spec> {
  let text: string;
  try {
    text = readYamlFile(path, YAML_LIMITS.spec);
  } catch (err) {
    if (err instanceof YamlInputError) throw new SpecError(err.message);
    throw new SpecError(`cannot read spec ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseSpec(text, path);
}
