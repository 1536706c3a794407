import { readdirSync, readFileSync } from 'node:fs';
import { referencePath } from '../../../src/paths';
import { tracesFromDocument, tracesFromText, TraceFileError } from '../../../src/verify/sources/trace-file';
import { tracesFromV3 } from '../../../src/verify/sources/jaeger-v3';
import { tracesFromJaegerJson } from '../../../src/verify/sources/jaeger-legacy-json';
import type { Trace } from '../../../src/verify/model';

const DIR = referencePath('jaeger', 'query-api-fixtures');
const load = (name: string): unknown => JSON.parse(readFileSync(`${DIR}/${name}`, 'utf8'));

/** Every recorded trace response: legacy UI JSON and OTLP/JSON (bare or inside v3's {"result"}). */
const TRACE_FIXTURES = readdirSync(DIR).filter(
  (f) => f.endsWith('.json') && !/GetServices|GetOperations|FindTraceSummaries|DependencyGraph/.test(f),
);

describe('trace parsers over every recorded Jaeger response', () => {
  test.each(TRACE_FIXTURES)('%s parses into traces with well-formed spans', (name) => {
    // GIVEN a real recorded response WHEN it is parsed as a trace document
    const traces = tracesFromDocument(load(name), name);
    // THEN it yields at least one trace and every span has ids, a service, a name and sane times
    expect(traces.length).toBeGreaterThan(0);
    for (const t of traces) {
      expect(t.spans.length).toBeGreaterThan(0);
      for (const s of t.spans) {
        expect(s.traceId).toBe(t.traceId);
        expect(s.spanId).not.toBe('');
        expect(s.service).not.toBe('');
        expect(typeof s.name).toBe('string');
        expect(s.durationUs).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(s.startUs)).toBe(true);
      }
    }
  });

  test('the trace-search fixture list covers both API shapes', () => {
    const shapes = TRACE_FIXTURES.map((f) => {
      const doc = load(f) as Record<string, unknown>;
      return 'result' in doc ? 'v3' : 'resourceSpans' in doc ? 'otlp' : 'legacy';
    });
    expect(new Set(shapes)).toEqual(new Set(['v3', 'otlp', 'legacy']));
  });

  test('v3 GetTrace snapshot: {"result"} envelope, kind 2 = server, status code 2 = error, no resource → unknown_service', () => {
    const [trace] = tracesFromV3(load('jaeger_jaegerquery_apiv3_snapshots_GetTrace.json'));
    expect(trace!.traceId).toBe('00000000000000000000000000000001');
    expect(trace!.spans).toHaveLength(1);
    expect(trace!.spans[0]).toMatchObject({
      spanId: '0000000000000002',
      name: 'foobar',
      kind: 'server',
      status: { code: 'error' },
      service: 'unknown_service',
    });
  });

  test('OTLP in and Jaeger UI out of the same 4-span trace agree on ids, parents, names, services and times', () => {
    // GIVEN the Jaeger UI's own converter fixtures: OTLP input and the UI JSON it produced
    const otlp = tracesFromDocument(load('jaeger-ui_utils_fixtures_otlp2jaeger-multi-in-combined.json'))[0]!;
    const ui = tracesFromJaegerJson(load('jaeger-ui_utils_fixtures_oltp2jaeger-multi-out.json'))[0]!;
    const key = (t: Trace) =>
      t.spans
        .map((s) => [s.spanId, s.parentSpanId ?? '-', s.name, s.service, Math.floor(s.startUs), Math.floor(s.durationUs)].join(' '))
        .sort();
    // THEN both parsers build the same model
    expect(otlp.traceId).toBe('c620759e5d60fafb8ee0922b30e06bc6');
    expect(key(otlp)).toEqual(key(ui));
    expect(otlp.spans.find((s) => s.name === 'main')!.parentSpanId).toBeUndefined();
  });

  test('Jaeger query converter fixtures: OTLP in and UI out agree (server kind, attributes, 123 µs duration)', () => {
    const otlp = tracesFromDocument(load('jaeger_jaegerquery_internal_fixture_otlp2jaeger-in.json'))[0]!;
    const ui = tracesFromDocument(load('jaeger_jaegerquery_internal_fixture_otlp2jaeger-out.json'))[0]!;
    for (const t of [otlp, ui]) {
      expect(t.spans[0]).toMatchObject({
        kind: 'server',
        service: 'telemetrygen',
        parentSpanId: '909541b92cf05311',
        durationUs: 123,
        startUs: 1706678909209712,
      });
      expect(t.spans[0]!.attributes['peer.service']).toBe('telemetrygen-client');
    }
  });

  test('legacy ui_01: 64-bit trace id padded to 32, typed tags (int64 beyond 2^53 kept as text), error tag → status error, logs → events', () => {
    const [trace] = tracesFromJaegerJson(load('jaeger_internal_uimodel_converter_v1_json_fixtures_ui_01.json'));
    expect(trace!.traceId).toBe('00000000000000000000000000000001');
    const tagged = trace!.spans.find((s) => s.name === 'some-operation' && s.service === 'service-x')!;
    expect(tagged.attributes).toEqual({
      'peer.service': 'service-y',
      'peer.ipv4': 23456,
      error: true,
      temperature: 72.5,
      javascript_limit: '9223372036854775222',
      blob: 'AAAwOQ==',
    });
    expect(tagged.status.code).toBe('error');
    const logged = trace!.spans.find((s) => s.name === 'test-general-conversion')!;
    expect(logged.events.map((e) => e.name)).toEqual(['some-event', 'log']);
    expect(logged.events[1]!.attributes).toEqual({ x: 'y' });
    // THEN the CHILD_OF reference into another trace is ignored and the same-trace one is the parent
    expect(trace!.spans.find((s) => s.name === 'reference-test')!.parentSpanId).toBe('0000000000000002');
  });

  test("legacy: the process's serviceName is the resource's service.name, as /api/v3 has it (real Jaeger 2.12 sends process tags [])", () => {
    // The shape real jaeger-query returns for an OTLP span with resource {service.name: dbg} (test/real/jaeger-kit.test.ts).
    const doc = {
      data: [
        {
          traceID: 'e1195c210cd63b34387d61ab27187227',
          spans: [
            {
              traceID: 'e1195c210cd63b34387d61ab27187227',
              spanID: '863503e577efb3fc',
              operationName: 'r',
              references: [],
              startTime: 1796595890462000,
              duration: 507,
              tags: [{ key: 'span.kind', type: 'string', value: 'server' }],
              processID: 'p1',
            },
          ],
          processes: { p1: { serviceName: 'dbg', tags: [{ key: 'host.name', type: 'string', value: 'h' }] } },
        },
      ],
    };
    const span = tracesFromJaegerJson(doc)[0]!.spans[0]!;
    expect(span.resource).toEqual({ 'service.name': 'dbg', 'host.name': 'h' });
    expect(span.service).toBe('dbg');
  });

  test('legacy TraceGraph fixture: FOLLOWS_FROM is the parent when no CHILD_OF exists; "true" as text is a true bool', () => {
    const [trace] = tracesFromJaegerJson(load('jaeger-ui_TracePage_TraceGraph_testTrace.json'));
    const consumer = trace!.spans.find((s) => s.spanId === 'span-7')!;
    expect(consumer).toMatchObject({ parentSpanId: 'span-6', kind: 'consumer', service: 'service2' });
    expect(trace!.spans.find((s) => s.spanId === 'span-2')!.status.code).toBe('error');
    expect(trace!.spans.filter((s) => s.service === 'service2')).toHaveLength(3);
  });

  test('OTLP storage fixture: several resources of one trace become one trace with each service', () => {
    const [trace] = tracesFromDocument(load('jaeger_internal_storage_integration_fixtures_traces_example_trace.json'));
    expect(new Set(trace!.spans.map((s) => s.service))).toEqual(new Set(['example-service-1', 'example-service-2', 'example-service-3']));
    expect(trace!.spans.every((s) => s.events.length === 2)).toBe(true);
  });
});

describe('trace file text', () => {
  test('an empty file, bad JSON and a non-trace document each get their own clear error', () => {
    expect(() => tracesFromText('', 'x.json')).toThrow('x.json: the file is empty');
    expect(() => tracesFromText('{"data": [', 'x.json')).toThrow(/x\.json: not valid JSON/);
    expect(() => tracesFromText('{"services": ["a"]}', 'x.json')).toThrow(TraceFileError);
    expect(() => tracesFromText('{"services": ["a"]}', 'x.json')).toThrow(/top-level keys: services/);
  });

  test('an attribute nesting deeper than the decoders allow is a TraceFileError naming the file and the attribute', () => {
    const kvlist = (d: number): unknown =>
      d <= 1 ? { stringValue: 'x' } : { kvlistValue: { values: [{ key: 'a', value: kvlist(d - 1) }] } };
    const doc = (depth: number) =>
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0af7651916cd43dd8448eb211c80319c',
                    spanId: 'b7ad6b7169203331',
                    name: 'x',
                    attributes: [{ key: 'deep', value: kvlist(depth) }],
                  },
                ],
              },
            ],
          },
        ],
      });
    expect(tracesFromText(doc(32), 'ok.json')[0]!.spans[0]!.attributes.deep).toBeInstanceOf(Object);
    expect(() => tracesFromText(doc(33), 'deep.json')).toThrow(TraceFileError);
    expect(() => tracesFromText(doc(33), 'deep.json')).toThrow(/^deep\.json: attribute "deep": value nests deeper than 32 levels/);
  });

  test('JSON lines (collector file exporter) merge spans of one trace across lines', () => {
    const line = (spanId: string) =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] },
            scopeSpans: [
              {
                spans: [
                  { traceId: '0af7651916cd43dd8448eb211c80319c', spanId, name: 'x', startTimeUnixNano: '1000', endTimeUnixNano: '2000' },
                ],
              },
            ],
          },
        ],
      });
    const traces = tracesFromText(`${line('b7ad6b7169203331')}\n${line('b7ad6b7169203332')}\n`);
    expect(traces).toHaveLength(1);
    expect(traces[0]!.spans.map((s) => s.spanId)).toEqual(['b7ad6b7169203331', 'b7ad6b7169203332']);
  });

  test('base64 ids (proto3 JSON mapping) are read as hex; string kinds and status codes are understood', () => {
    const doc = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64'),
                  spanId: Buffer.from('b7ad6b7169203331', 'hex').toString('base64'),
                  name: 'n',
                  kind: 'SPAN_KIND_CLIENT',
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                },
              ],
            },
          ],
        },
      ],
    };
    const [t] = tracesFromDocument(doc);
    expect(t!.spans[0]).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      kind: 'client',
      status: { code: 'error', message: 'boom' },
    });
  });
});
