/**
 * Our own propagation vectors (test/fixtures/propagation/*.json) for what the W3C suite does
 * not cover: one `test` per case. See each file's `format` for the case shape.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { childContext, extract, headersFromPairs, inject, type ExtractOptions, type PropagationFormat } from '../../src/propagation/index';

interface FixtureCase {
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

const FIXTURE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'propagation');
const files = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort();

/** Fills `{span}`, `{trace}`, `{trace16}` with the child's fresh ids. */
function expand(template: Record<string, string>, ids: { span: string; trace: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(template)) out[k] = v.replaceAll('{span}', ids.span).replaceAll('{trace16}', ids.trace.slice(16)).replaceAll('{trace}', ids.trace);
  return out;
}

test('the fixture folder holds the six format files', () => {
  expect(files).toEqual(['b3.json', 'jaeger.json', 'passthrough.json', 'w3c-baggage.json', 'w3c-traceparent.json', 'w3c-tracestate.json']);
});

describe.each(files)('%s', (file) => {
  const { cases } = JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as { cases: FixtureCase[] };

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    // GIVEN the inbound headers as Node's headersDistinct presents them
    const bag = headersFromPairs(c.headers);
    // WHEN extracting
    const ex = extract(bag, c.options);
    // THEN what was read is what the case says
    const want = c.extract ?? {};
    if (want.context === null) expect(ex.context).toBeUndefined();
    else if (want.context) {
      expect(ex.context).toBeDefined();
      for (const [key, value] of Object.entries(want.context)) expect([key, (ex.context as unknown as Record<string, unknown>)[key]]).toEqual([key, value === null ? undefined : value]);
    }
    if (want.samplingOnly === null) expect(ex.samplingOnly).toBeUndefined();
    else if (want.samplingOnly) expect(ex.samplingOnly).toEqual(want.samplingOnly);
    if (want.baggage) expect(ex.baggage).toEqual(want.baggage);
    if (want.formatsSeen) expect(ex.formatsSeen).toEqual(want.formatsSeen);
    if (want.formatsInvalid) expect(ex.formatsInvalid).toEqual(want.formatsInvalid);
    if (want.passthrough) expect(ex.passthrough).toEqual(want.passthrough);

    if (c.forward) {
      // WHEN the hop forwards its child in the configured formats
      const child = childContext(ex.context, ex.samplingOnly);
      const out = inject({ context: child, baggage: ex.baggage, passthrough: ex.passthrough, formats: c.forward.formats });
      // THEN exactly these headers are written, with fresh ids where the template says so
      expect(out).toEqual(expand(c.forward.headers, { span: child.spanId, trace: child.traceId }));
      const inbound = c.headers.map(([, v]) => v.toLowerCase()).join(' ');
      expect(inbound.includes(child.spanId)).toBe(false);
      if (JSON.stringify(c.forward.headers).includes('{trace')) expect(inbound.includes(child.traceId.slice(16))).toBe(false);
    }
    if (c.forwardDecisionOnly) {
      // WHEN only the bare decision is written (no ids)  THEN the formats that can carry it do
      expect(inject({ samplingOnly: ex.samplingOnly, formats: c.forwardDecisionOnly.formats })).toEqual(c.forwardDecisionOnly.headers);
    }
  });
});
