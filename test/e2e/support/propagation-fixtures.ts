/**
 * Our own propagation vectors (test/fixtures/propagation/*.json): loading, and matching of the
 * expected header templates (`{span}`, `{trace}`, `{trace16}`, `{server}` placeholders) against
 * real output, for the core tests and for the run against a live relay.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/paths';
import type { ExtractedContext, ExtractOptions, PropagationFormat } from '../../../src/propagation/index';

export interface FixtureCase {
  readonly name: string;
  readonly headers: Array<[string, string]>;
  readonly options?: ExtractOptions;
  readonly extract?: {
    readonly context?: Record<string, unknown> | null;
    readonly samplingOnly?: Record<string, unknown> | null;
    readonly baggage?: unknown[];
    readonly formatsSeen?: string[];
    readonly formatsInvalid?: string[];
    readonly passthrough?: Record<string, string>;
  };
  readonly forward?: { readonly formats: PropagationFormat[]; readonly headers: Record<string, string> };
  readonly forwardDecisionOnly?: { readonly formats: PropagationFormat[]; readonly headers: Record<string, string> };
}

export const FIXTURE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'propagation');

/** Every fixture file (sorted) with its cases. */
export function loadPropagationFixtures(): Array<{ file: string; cases: FixtureCase[] }> {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, cases: (JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as { cases: FixtureCase[] }).cases }));
}

const WIDTH: Record<string, number> = { span: 16, server: 16, trace: 32, trace16: 16 };

/**
 * Matches `actual` (lowercase name → value) against `expected` templates: the same header names,
 * literal text equal, each placeholder a lowercase-hex id of its width, bound consistently across
 * headers (`{trace16}` = the right half of `{trace}`). Returns the bindings, or throws saying
 * which header differs.
 */
export function matchTemplates(expected: Readonly<Record<string, string>>, actual: Readonly<Record<string, string>>): Map<string, string> {
  const expectedNames = Object.keys(expected).sort();
  const actualNames = Object.keys(actual).sort();
  if (expectedNames.join() !== actualNames.join())
    throw new Error(`headers ${JSON.stringify(actualNames)}, expected ${JSON.stringify(expectedNames)}`);
  const bound = new Map<string, string>();
  for (const name of expectedNames) {
    const names: string[] = [];
    const source = expected[name].replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(span|server|trace16|trace)\}/g, (_m, p: string) => {
      names.push(p);
      return `([0-9a-f]{${WIDTH[p]}})`;
    });
    const m = new RegExp(`^${source}$`).exec(actual[name]);
    if (!m) throw new Error(`${name}: ${JSON.stringify(actual[name])} does not match ${JSON.stringify(expected[name])}`);
    names.forEach((p, i) => {
      const prev = bound.get(p);
      if (prev !== undefined && prev !== m[i + 1]) throw new Error(`${name}: {${p}} is ${m[i + 1]} here but ${prev} elsewhere`);
      bound.set(p, m[i + 1]);
    });
  }
  const trace = bound.get('trace');
  const trace16 = bound.get('trace16');
  if (trace && trace16 && trace.slice(16) !== trace16) throw new Error(`{trace16} ${trace16} is not the right half of {trace} ${trace}`);
  return bound;
}

/**
 * What a relay hop writes for a case whose expectation is written for one hop: the relay mints a
 * server span and forwards its client span as the server span's child, so (1) where the core's
 * child had the inbound span as parent the relay's has `{server}`; (2) a root the relay starts has
 * `{server}` as parent in the formats that carry one; (3) a deferred decision is taken by the relay
 * (sample rate 1: sampled).
 */
export function relayExpectation(forward: Readonly<Record<string, string>>, inbound: ExtractedContext): Record<string, string> {
  const out: Record<string, string> = {};
  const parent = inbound.context?.spanId;
  for (const [k, v] of Object.entries(forward)) out[k] = parent ? v.replaceAll(parent, '{server}') : v;
  if (!inbound.context) {
    if (out.b3 && /-[01d]$/.test(out.b3)) out.b3 += '-{server}';
    if (out['x-b3-traceid']) out['x-b3-parentspanid'] = '{server}';
    if (out['uber-trace-id']) out['uber-trace-id'] = out['uber-trace-id'].replace(/^(\{trace\}:\{span\}):0:/, '$1:{server}:');
  }
  if (inbound.context?.sampling === 'deferred') {
    if (out.traceparent) out.traceparent = out.traceparent.replace(/-00$/, '-01').replace(/-02$/, '-03');
    if (out['x-b3-traceid'] && !out['x-b3-flags']) out['x-b3-sampled'] = '1';
    if (out.b3 && /^[0-9a-f]+-\{span\}$/.test(out.b3)) out.b3 += '-1-{server}';
    if (out['uber-trace-id']) out['uber-trace-id'] = out['uber-trace-id'].replace(/:0$/, ':1');
  }
  return out;
}
