/**
 * Our own propagation vectors (test/fixtures/propagation/*.json) for what the W3C suite does
 * not cover: one `test` per case. See each file's `format` for the case shape.
 */
import { childContext, extract, headersFromPairs, inject } from '../../src/propagation/index';
import { loadPropagationFixtures, matchTemplates } from '../e2e/support/propagation-fixtures';
import { RANDOM_IDS } from '../../src/random-ids';

const fixtures = loadPropagationFixtures();
const files = fixtures.map((f) => f.file);

test('the fixture folder holds the six format files', () => {
  expect(files).toEqual(['b3.json', 'jaeger.json', 'passthrough.json', 'w3c-baggage.json', 'w3c-traceparent.json', 'w3c-tracestate.json']);
});

describe.each(fixtures.map((f) => [f.file, f.cases] as const))('%s', (_file, cases) => {
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
      for (const [key, value] of Object.entries(want.context))
        expect([key, (ex.context as unknown as Record<string, unknown>)[key]]).toEqual([key, value === null ? undefined : value]);
    }
    if (want.samplingOnly === null) expect(ex.samplingOnly).toBeUndefined();
    else if (want.samplingOnly) expect(ex.samplingOnly).toEqual(want.samplingOnly);
    if (want.baggage) expect(ex.baggage).toEqual(want.baggage);
    if (want.formatsSeen) expect(ex.formatsSeen).toEqual(want.formatsSeen);
    if (want.formatsInvalid) expect(ex.formatsInvalid).toEqual(want.formatsInvalid);
    if (want.passthrough) expect(ex.passthrough).toEqual(want.passthrough);

    if (c.forward) {
      // WHEN the hop forwards its child in the configured formats
      const child = childContext(RANDOM_IDS, ex.context, ex.samplingOnly);
      const out = inject({ context: child, baggage: ex.baggage, passthrough: ex.passthrough, formats: c.forward.formats });
      // THEN exactly these headers are written, with fresh ids where the template says so
      const ids = matchTemplates(c.forward.headers, out);
      expect(ids.get('span') ?? child.spanId).toBe(child.spanId);
      if (ids.has('trace')) expect(ids.get('trace')).toBe(child.traceId);
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
