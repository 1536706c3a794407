import { parse as load } from 'yaml';
import {
  TraefikValuesError,
  buildTraefikV2Values,
  buildTraefikValues,
  renderTraefikValues,
  traefikChartForValues,
  traefikJaegerDependencies,
} from '../../../src/constructs/traefik';
import { chartSchemaErrors } from './chart-schema';

describe('buildTraefikV2Values (chart 27, the seed tutorial)', () => {
  test('defaults: samplingServerURL on Jaeger remote sampling 5778, spans to thrift_http 14268, uber-trace-id', () => {
    const values = buildTraefikV2Values();
    expect(values).toMatchSnapshot();
    expect(values.tracing.jaeger).toEqual({
      samplingServerURL: 'http://jaeger-collector.observability.svc:5778/sampling',
      samplingType: 'const',
      samplingParam: 1,
      propagation: 'jaeger',
      traceContextHeaderName: 'uber-trace-id',
      gen128Bit: true,
      collector: { endpoint: 'http://jaeger-collector.observability.svc:14268/api/traces?format=jaeger.thrift' },
    });
    expect(values.globalArguments).toEqual([]);
    expect(values.service).toEqual({ type: 'NodePort' });
    expect(values.image.tag).toMatch(/^v2\.11\.\d+$/);
  });

  test("agent reporter (the tutorial's localAgentHostPort) and B3 propagation", () => {
    const values = buildTraefikV2Values({ reporter: 'agent', propagation: 'b3', samplingHost: 'jaeger-agent.observability.svc' });
    expect(values.tracing.jaeger.localAgentHostPort).toBe('jaeger-collector.observability.svc:6831');
    expect(values.tracing.jaeger).not.toHaveProperty('collector');
    expect(values.tracing.jaeger.propagation).toBe('b3');
    expect(values.tracing.jaeger.samplingServerURL).toBe('http://jaeger-agent.observability.svc:5778/sampling');
  });

  test('v2 values are not chart-41 values: the chart 41 schema rejects them (why the mode exists)', () => {
    expect(chartSchemaErrors(buildTraefikV2Values())).toEqual(
      expect.arrayContaining(['/tracing must NOT have additional properties (jaeger)']),
    );
  });

  test.each([
    [{ propagation: 'tracecontext' as never }, /propagation is "tracecontext".*no W3C/s],
    [{ reporter: 'udp' as never }, /reporter is "udp"/],
    [{ samplingType: 'probabilistic' as const, samplingParam: 5 }, /samplingParam is 5/],
    [{ imageTag: 'v3.7.11' }, /imageTag is "v3.7.11".*v3 mode/s],
    [{ collectorHost: 'jaeger:14268' }, /collectorHost is "jaeger:14268"/],
  ])('rejects %j', (props, message) => {
    expect(() => buildTraefikV2Values(props)).toThrow(TraefikValuesError);
    expect(() => buildTraefikV2Values(props)).toThrow(message);
  });

  test('renders with the chart 27 install command and round-trips', () => {
    const values = buildTraefikValues({ mode: 'v2' });
    const yaml = renderTraefikValues(values, 'v2');
    expect(yaml).toContain('--version 27.0.2');
    expect(yaml).toContain('no W3C traceparent');
    expect(load(yaml)).toEqual(JSON.parse(JSON.stringify(values)));
  });
});

describe('traefikJaegerDependencies', () => {
  test('v3 needs exactly the OTLP port of its transport', () => {
    expect(traefikJaegerDependencies()).toEqual([
      { purpose: 'otlp-grpc', host: 'jaeger-collector.observability.svc', port: 4317, protocol: 'TCP' },
    ]);
    expect(traefikJaegerDependencies({ transport: 'http' })).toEqual([
      { purpose: 'otlp-http', host: 'jaeger-collector.observability.svc', port: 4318, protocol: 'TCP' },
    ]);
  });
  test('v2 needs remote sampling 5778 and one Jaeger-protocol receiver', () => {
    expect(traefikJaegerDependencies({ mode: 'v2' })).toEqual([
      { purpose: 'remote-sampling', host: 'jaeger-collector.observability.svc', port: 5778, protocol: 'TCP' },
      { purpose: 'jaeger-thrift-http', host: 'jaeger-collector.observability.svc', port: 14268, protocol: 'TCP' },
    ]);
    expect(traefikJaegerDependencies({ mode: 'v2', reporter: 'agent' })[1]).toEqual({
      purpose: 'jaeger-thrift-compact',
      host: 'jaeger-collector.observability.svc',
      port: 6831,
      protocol: 'UDP',
    });
  });
});

describe('traefikChartForValues', () => {
  test('v2 values select chart 27, v3 values chart 41, junk falls back to 41', () => {
    expect(traefikChartForValues(buildTraefikValues({ mode: 'v2' }))).toMatchObject({ mode: 'v2', version: '27.0.2' });
    expect(traefikChartForValues(buildTraefikValues())).toMatchObject({ mode: 'v3', version: '41.3.0' });
    expect(traefikChartForValues({ image: { tag: 'v2.11.53' } }).mode).toBe('v2');
    expect(traefikChartForValues(null).mode).toBe('v3');
  });
});
