/**
 * Spec + traces → verdict. Picks the traces to judge (the driver's trace ids, or the traces that
 * contain the spec's entry span), evaluates each with the matcher, adds the trace-level rules
 * (trace found, single trace, sampling rate) and runs the diagnosis. Pure.
 */
import type { Trace } from './model';
import { testPattern, type Spec } from './spec';
import { matchSpan, describeMatcher, verifyTrace, type Assertion, type TraceVerdict } from './matcher';
import { diagnose, type BackendReport, type Diagnosis, type DriverReport } from './diagnosis';
import { indexTrace, type TraceIndex } from './trace-index';
import { normalizeTraceId } from './ids';
import { wilsonInterval } from './statistics';

export interface VerifyOptions {
  /** Trace ids the driver minted (or the user gave); without them the entry matcher picks traces. */
  readonly traceIds?: readonly string[];
  /** Every trace seen in the time window, for split-trace detection. @default the traces given */
  readonly pool?: readonly Trace[];
  readonly driver?: DriverReport;
  readonly backend?: BackendReport;
  /** Requests driven, for the sampling-rate rule. @default traceIds.length */
  readonly requests?: number;
  readonly clockSkewToleranceUs?: number;
}

export interface VerifyResult {
  readonly spec: string;
  readonly passed: boolean;
  readonly match: 'every' | 'any';
  /** One verdict per judged trace. */
  readonly traces: readonly TraceVerdict[];
  /** Assertions about the set of traces (found, single trace, sampling). */
  readonly assertions: readonly Assertion[];
  readonly missingTraceIds: readonly string[];
  readonly diagnoses: readonly Diagnosis[];
  /** The verdict with the most assertions holding: what to show when nothing passes. */
  readonly closest?: TraceVerdict;
  readonly tracesSeen: number;
  readonly spansSeen: number;
}

export function selectSubjects(
  spec: Spec,
  traces: readonly Trace[],
  traceIds?: readonly string[],
): { subjects: Trace[]; missing: string[] } {
  if (traceIds && traceIds.length > 0) {
    const byId = new Map(traces.map((t) => [t.traceId, t]));
    const subjects: Trace[] = [];
    const missing: string[] = [];
    for (const raw of traceIds) {
      const id = normalizeTraceId(raw);
      const t = byId.get(id);
      if (t && t.spans.length > 0) subjects.push(t);
      else missing.push(id);
    }
    return { subjects, missing };
  }
  const entry = spec.matchers[0];
  const subjects = entry ? traces.filter((t) => t.spans.some((s) => matchSpan(entry, s))) : [...traces];
  return { subjects, missing: [] };
}

/** What the set-level rules look at. */
interface SetInput {
  readonly spec: Spec;
  readonly traces: readonly Trace[];
  readonly pool: readonly Trace[];
  readonly subjects: readonly Trace[];
  readonly missing: readonly string[];
  readonly opts: VerifyOptions;
  readonly indexOf: (t: Trace) => TraceIndex;
}

/** Every driven request has a trace (given trace ids), or some trace contains the entry span. */
function tracesFoundAssertion({ spec, traces, subjects, missing, opts }: SetInput): Assertion | undefined {
  const entry = spec.matchers[0];
  if (opts.traceIds && opts.traceIds.length > 0) {
    // with a sampling rule, missing traces are expected: the rate is judged instead
    if (spec.rules.sampling) return undefined;
    return {
      category: 'rule',
      text: `every driven request has a trace (${opts.traceIds.length})`,
      passed: missing.length === 0,
      detail:
        missing.length === 0
          ? `${subjects.length} found`
          : `${missing.length} of ${opts.traceIds.length} not found: ${missing.slice(0, 3).join(', ')}`,
    };
  }
  return {
    category: 'rule',
    text: `a trace contains the entry span ${entry ? `${entry.id} (${describeMatcher(entry)})` : ''}`.trim(),
    passed: subjects.length > 0,
    detail: `${subjects.length} of ${traces.length} trace(s)`,
  };
}

/** Other traces that began during the judged ones at an expected service: trace id → what started it. */
function strayTraces({ spec, pool, subjects, indexOf }: SetInput): Map<string, string> {
  const entry = spec.matchers[0];
  const subjectIds = new Set(subjects.map((t) => t.traceId));
  // Each separate trace is counted once, even when several requests' time windows overlap it.
  const strays = new Map<string, string>();
  const otherRoots = pool.filter((o) => !subjectIds.has(o.traceId)).map((o) => ({ traceId: o.traceId, roots: indexOf(o).roots }));
  for (const t of subjects) {
    const idx = indexOf(t);
    for (const other of otherRoots) {
      if (strays.has(other.traceId)) continue;
      for (const r of other.roots) {
        const inWindow = r.startUs >= idx.startUs && r.startUs <= idx.endUs;
        // A root that is an expected service's outbound call counts too: behind a sidecar, a call that lost
        // the context inside the app starts its trace at the caller's CLIENT span.
        const strayCall =
          (r.kind === 'client' || r.kind === 'producer') &&
          spec.matchers.some((m) => m.service !== undefined && testPattern(m.service, r.service));
        if (inWindow && !(entry && matchSpan(entry, r)) && (strayCall || spec.matchers.some((m) => matchSpan(m, r)))) {
          strays.set(other.traceId, `${r.service} "${r.name}" started trace ${other.traceId}`);
          break;
        }
      }
    }
  }
  return strays;
}

function singleTraceAssertion(input: SetInput): Assertion | undefined {
  if (!input.spec.rules.singleTrace || input.subjects.length === 0) return undefined;
  const strays = strayTraces(input);
  // with a trace file or given trace ids nothing was driven: speak of the judged trace, not of requests
  const driven = (input.opts.requests ?? 0) > 0;
  return {
    category: 'rule',
    text: driven ? 'singleTrace: each request is one trace' : 'singleTrace: the judged trace is one trace',
    passed: strays.size === 0,
    detail:
      strays.size === 0
        ? 'no expected service started a separate trace'
        : `${strays.size} separate trace(s) began ${driven ? 'during the requests' : 'while the judged trace ran'}: ${[...strays.values()].slice(0, 3).join('; ')}${strays.size > 3 ? '; …' : ''}`,
  };
}

function samplingAssertion({ spec, subjects, opts }: SetInput): Assertion | undefined {
  const sampling = spec.rules.sampling;
  if (!sampling) return undefined;
  const n = opts.requests ?? opts.traceIds?.length ?? 0;
  const k = subjects.length;
  const ci = wilsonInterval(k, n, sampling.confidence);
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return {
    category: 'rule',
    text: `sampling rate ${pct(sampling.rate)} (at ${pct(sampling.confidence)} confidence)`,
    passed: n > 0 && sampling.rate >= ci.low && sampling.rate <= ci.high,
    detail:
      n === 0
        ? 'no requests driven: drive N requests with --trigger'
        : `${k} of ${n} requests traced (${pct(k / n)}); plausible rates ${pct(ci.low)}..${pct(ci.high)}`,
  };
}

/** The set-level rules, in report order; each is undefined when the spec (or the input) does not ask for it. */
const SET_RULES: readonly ((input: SetInput) => Assertion | undefined)[] = [tracesFoundAssertion, singleTraceAssertion, samplingAssertion];

/** The verdict with the largest share of assertions holding (the first of equals). */
function closestVerdict(verdicts: readonly TraceVerdict[]): TraceVerdict | undefined {
  let closest: TraceVerdict | undefined;
  for (const v of verdicts) {
    const score = v.assertions.filter((a) => a.passed).length / Math.max(1, v.assertions.length);
    const best = closest ? closest.assertions.filter((a) => a.passed).length / Math.max(1, closest.assertions.length) : -1;
    if (score > best) closest = v;
  }
  return closest;
}

/** One index per trace for this evaluation, shared by matcher, rules and diagnosis. */
function indexCache(): (t: Trace) => TraceIndex {
  const indexes = new Map<Trace, TraceIndex>();
  return (t) => {
    let idx = indexes.get(t);
    if (!idx) indexes.set(t, (idx = indexTrace(t)));
    return idx;
  };
}

export function verifyTraces(spec: Spec, traces: readonly Trace[], opts: VerifyOptions = {}): VerifyResult {
  const pool = opts.pool ?? traces;
  const { subjects, missing } = selectSubjects(spec, traces, opts.traceIds);
  const indexOf = indexCache();
  const verdicts = subjects.map((t) => verifyTrace(spec, t, { index: indexOf(t) }));
  const input: SetInput = { spec, traces, pool, subjects, missing, opts, indexOf };
  const assertions = SET_RULES.map((rule) => rule(input)).filter((a): a is Assertion => a !== undefined);
  const sampling = spec.rules.sampling;
  const shapeOk = spec.match === 'any' ? verdicts.some((v) => v.passed) : verdicts.length > 0 && verdicts.every((v) => v.passed);
  const shapeNeeded = !(sampling && sampling.rate === 0);
  const passed = assertions.every((a) => a.passed) && (shapeOk || (!shapeNeeded && verdicts.length === 0));
  const diagnoses = diagnose({
    spec,
    subjects,
    pool,
    missingTraceIds: missing,
    ...(opts.driver ? { driver: opts.driver } : {}),
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.clockSkewToleranceUs !== undefined ? { clockSkewToleranceUs: opts.clockSkewToleranceUs } : {}),
    indexOf,
  });
  const closest = closestVerdict(verdicts);
  return {
    spec: spec.name,
    passed,
    match: spec.match,
    traces: verdicts,
    assertions,
    missingTraceIds: missing,
    diagnoses,
    ...(closest ? { closest } : {}),
    tracesSeen: pool.length,
    spansSeen: pool.reduce((n, t) => n + t.spans.length, 0),
  };
}
