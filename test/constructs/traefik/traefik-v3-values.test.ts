import { TraefikValuesError, buildTraefikV3Values, renderTraefikValues, traefikV3TracingEndpoint } from '../../../src/constructs/traefik';
import { parse as load } from 'yaml';
import { chartSchemaErrors } from './chart-schema';

describe('buildTraefikV3Values', () => {
  test('defaults: OTLP gRPC to jaeger-collector:4317, plaintext, NodePort 30080/30443, no phoning home', () => {
    // GIVEN / WHEN
    const values = buildTraefikV3Values();

    // THEN
    expect(values).toMatchSnapshot();
    expect(values.tracing.otlp).toEqual({
      enabled: true,
      grpc: { enabled: true, endpoint: 'jaeger-collector.observability.svc:4317', insecure: true },
    });
    expect(values.tracing.otlp).not.toHaveProperty('http');
    expect(values.tracing.sampleRate).toBe(1);
    expect(values.tracing.serviceName).toBe('traefik');
    expect(values.service).toEqual({ spec: { type: 'NodePort' } });
    expect(values.ports.web.nodePort).toBe(30080);
    expect(values.ports.websecure.nodePort).toBe(30443);
    expect(values.global).toEqual({ checkNewVersion: false, sendAnonymousUsage: false });
    expect(values.tracing.capturedRequestHeaders).toEqual(['X-Request-Id']);
    expect(values).not.toHaveProperty('env');
    // the chart sets no resources: requests and a memory limit are always written
    expect(values.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
  });

  test('defaults pass the chart 41.3.0 values.schema.json merged over its values.yaml', () => {
    expect(chartSchemaErrors(buildTraefikV3Values())).toEqual([]);
  });

  test('every option combination the kit offers passes the chart schema', () => {
    // GIVEN every transport × verbosity × service type, with propagators and header captures
    const combos = (['grpc', 'http'] as const).flatMap((transport) =>
      (['minimal', 'detailed'] as const).flatMap((traceVerbosity) =>
        (['NodePort', 'LoadBalancer', 'ClusterIP'] as const).map((serviceType) => ({
          transport,
          traceVerbosity,
          serviceType,
          propagators: ['tracecontext', 'baggage', 'b3multi'],
          capturedResponseHeaders: ['traceresponse'],
          safeQueryParams: ['customer'],
          resourceAttributes: { 'deployment.environment': 'lab' },
          sampleRate: 0.25,
        })),
      ),
    );
    // WHEN / THEN
    for (const props of combos) {
      expect({ props, errors: chartSchemaErrors(buildTraefikV3Values(props)) }).toEqual({ props, errors: [] });
    }
  });

  test('HTTP transport: a full URL with scheme and /v1/traces, no gRPC block', () => {
    const values = buildTraefikV3Values({ transport: 'http' });
    expect(values.tracing.otlp).toEqual({
      enabled: true,
      http: { enabled: true, endpoint: 'http://jaeger-collector.observability.svc:4318/v1/traces' },
    });
  });

  test('detailed verbosity and B3 propagators for a B3 mesh', () => {
    const values = buildTraefikV3Values({ traceVerbosity: 'detailed', propagators: ['tracecontext', 'baggage', 'b3multi'] });
    expect(values.ports.web.observability).toEqual({ tracing: true, traceVerbosity: 'detailed' });
    expect(values.env).toEqual([{ name: 'OTEL_PROPAGATORS', value: 'tracecontext,baggage,b3multi' }]);
  });

  test('ClusterIP Service gets no node ports', () => {
    const values = buildTraefikV3Values({ serviceType: 'ClusterIP' });
    expect(values.ports.web).not.toHaveProperty('nodePort');
    expect(values.ports.websecure).not.toHaveProperty('nodePort');
  });

  test('the tracing endpoint resolves from the same props as the values', () => {
    const props = { collectorHost: 'otel.tracing.svc', otlpGrpcPort: 14317 };
    expect(traefikV3TracingEndpoint(props)).toEqual({
      transport: 'grpc',
      host: 'otel.tracing.svc',
      port: 14317,
      endpoint: 'otel.tracing.svc:14317',
    });
    expect(buildTraefikV3Values(props).tracing.otlp.grpc?.endpoint).toBe('otel.tracing.svc:14317');
  });

  describe('refuses props Traefik would mis-run with', () => {
    test.each([
      [{ capturedRequestHeaders: ['Authorization'] }, /capturedRequestHeaders is "Authorization".*never authorization/s],
      [{ capturedRequestHeaders: ['cookie'] }, /capturedRequestHeaders is "cookie"/],
      [{ capturedResponseHeaders: ['Set-Cookie'] }, /capturedResponseHeaders is "Set-Cookie"/],
      [{ capturedRequestHeaders: ['X Request'] }, /RFC 9110 token/],
      [{ transport: 'both' as never }, /transport is "both".*exactly one OTLP transport/s],
      [{ collectorHost: 'http://jaeger-collector:4317' }, /collectorHost is "http:\/\/jaeger-collector:4317".*without scheme or port/s],
      [{ sampleRate: 1.5 }, /sampleRate is 1.5.*0 to 1/s],
      [{ webNodePort: 8080 }, /webNodePort is 8080.*30000..32767/s],
      [{ webNodePort: 30080, websecureNodePort: 30080 }, /websecureNodePort is 30080.*different from webNodePort/s],
      [{ propagators: ['w3c'] }, /propagators is "w3c".*tracecontext, baggage, b3, b3multi/s],
      [{ traceVerbosity: 'verbose' as never }, /traceVerbosity is "verbose"/],
      [{ otlpGrpcPort: 0 }, /otlpGrpcPort is 0/],
      [{ replicas: 0 }, /replicas is 0/],
      [{ resources: { cpuRequest: 'lots', memoryRequest: '64Mi', memoryLimit: '256Mi' } }, /resources.cpuRequest is "lots"/],
      [{ resources: { cpuRequest: '50m', memoryRequest: '64MB', memoryLimit: '256Mi' } }, /resources.memoryRequest is "64MB"/],
    ])('%j', (props, message) => {
      expect(() => buildTraefikV3Values(props)).toThrow(TraefikValuesError);
      expect(() => buildTraefikV3Values(props)).toThrow(message);
    });
  });

  test('rendered YAML round-trips and starts with the helm install command', () => {
    const values = buildTraefikV3Values({ traceVerbosity: 'detailed' });
    const yaml = renderTraefikValues(values, 'v3');
    expect(yaml.split('\n')[0]).toMatch(/chart traefik\/traefik 41\.3\.0, Traefik v3\.7\.11/);
    expect(yaml).toContain(
      'helm upgrade --install traefik traefik/traefik --version 41.3.0 -n traefik --create-namespace -f dist/install/traefik-values.yaml',
    );
    expect(load(yaml)).toEqual(JSON.parse(JSON.stringify(values)));
  });
});
