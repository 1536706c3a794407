import { buildTraefikV2Values, buildTraefikV3Values, findTraefikValuesProblems } from '../../../src/constructs/traefik';
import { chartSchemaErrors } from './chart-schema';

/** A values object as a user might hand-edit it: the kit's defaults with one change. */
function edited(change: (v: any) => void): any {
  const v = JSON.parse(JSON.stringify(buildTraefikV3Values()));
  change(v);
  return v;
}

const rules = (values: unknown, mode: 'v3' | 'v2' = 'v3') => findTraefikValuesProblems(values, { mode }).map((f) => f.rule);

describe('findTraefikValuesProblems (v3)', () => {
  test('the builder output has no problems', () => {
    expect(findTraefikValuesProblems(buildTraefikV3Values(), { mode: 'v3' })).toEqual([]);
    expect(findTraefikValuesProblems(buildTraefikV3Values({ transport: 'http' }), { mode: 'v3' })).toEqual([]);
  });

  test('a v2-only key (tracing.jaeger, the seed tutorial) is rejected with a clear message — and the chart schema rejects it too', () => {
    // GIVEN the seed tutorial's v2 values under a v3 chart
    const values = {
      tracing: {
        jaeger: { samplingServerURL: 'http://jaeger-agent.default.svc:5778/sampling', localAgentHostPort: 'jaeger-agent.default.svc:6831' },
      },
    };

    // WHEN
    const findings = findTraefikValuesProblems(values, { mode: 'v3' });

    // THEN
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'traefik-values/v2-key',
      severity: 'error',
      field: 'tracing.jaeger',
      file: 'install/traefik-values.yaml',
    });
    expect(findings[0]!.message).toMatch(/Traefik v2 .*field not found, node: jaeger/);
    expect(findings[0]!.fix).toMatch(/tracing\.otlp\.grpc/);
    expect(chartSchemaErrors(values)).toContain('/tracing must NOT have additional properties (jaeger)');
  });

  test('service.type (chart <40) is flagged even though the schema lets it through silently', () => {
    const values = edited((v) => {
      v.service = { type: 'NodePort' };
    });
    expect(rules(values)).toEqual(['traefik-values/v2-key']);
    expect(chartSchemaErrors(values)).toEqual([]); // why our own rule is needed
  });

  test('a gRPC endpoint with a scheme is rejected and the fix shows host:port', () => {
    const values = edited((v) => {
      v.tracing.otlp.grpc.endpoint = 'http://jaeger-collector.observability.svc:4317';
    });
    const findings = findTraefikValuesProblems(values, { mode: 'v3' });
    expect(findings.map((f) => f.rule)).toEqual(['traefik-values/grpc-endpoint-scheme']);
    expect(findings[0]!.message).toContain('"http://jaeger-collector.observability.svc:4317" has a scheme');
    expect(findings[0]!.fix).toContain('jaeger-collector.observability.svc:4317');
    expect(chartSchemaErrors(values)).toEqual([]); // the schema only knows it is a string
  });

  test('both transports enabled is rejected (Traefik would silently drop HTTP)', () => {
    const values = edited((v) => {
      v.tracing.otlp.http = { enabled: true, endpoint: 'http://jaeger-collector.observability.svc:4318/v1/traces' };
    });
    const findings = findTraefikValuesProblems(values, { mode: 'v3' });
    expect(findings.map((f) => f.rule)).toEqual(['traefik-values/otlp-both-transports']);
    expect(findings[0]!.message).toMatch(/both true; Traefik silently uses gRPC/);
  });

  test.each([
    [
      'OTLP on without a transport',
      (v: any) => {
        delete v.tracing.otlp.grpc;
      },
      'traefik-values/otlp-no-transport',
    ],
    [
      'a transport without otlp.enabled',
      (v: any) => {
        v.tracing.otlp.enabled = false;
      },
      'traefik-values/otlp-disabled',
    ],
    [
      'an empty gRPC endpoint',
      (v: any) => {
        v.tracing.otlp.grpc.endpoint = '';
      },
      'traefik-values/grpc-endpoint',
    ],
    [
      'a gRPC endpoint without a port',
      (v: any) => {
        v.tracing.otlp.grpc.endpoint = 'jaeger-collector';
      },
      'traefik-values/grpc-endpoint',
    ],
    [
      'insecure gRPC with TLS files',
      (v: any) => {
        v.tracing.otlp.grpc.tls = { ca: '/ca.pem' };
      },
      'traefik-values/grpc-insecure-with-tls',
    ],
    [
      'an HTTP endpoint without a scheme',
      (v: any) => {
        delete v.tracing.otlp.grpc;
        v.tracing.otlp.http = { enabled: true, endpoint: 'jaeger-collector:4318' };
      },
      'traefik-values/http-endpoint-scheme',
    ],
    [
      'Authorization captured',
      (v: any) => {
        v.tracing.capturedRequestHeaders = ['X-Request-Id', 'Authorization'];
      },
      'traefik-values/sensitive-header',
    ],
    [
      'Cookie captured',
      (v: any) => {
        v.tracing.capturedRequestHeaders = ['Cookie'];
      },
      'traefik-values/sensitive-header',
    ],
    [
      'sample rate 2',
      (v: any) => {
        v.tracing.sampleRate = 2;
      },
      'traefik-values/sample-rate',
    ],
    [
      'an unknown propagator',
      (v: any) => {
        v.env = [{ name: 'OTEL_PROPAGATORS', value: 'tracecontext,w3c' }];
      },
      'traefik-values/otel-propagators',
    ],
    [
      'the chart <=40 logs key',
      (v: any) => {
        v.logs = { general: { level: 'INFO' } };
      },
      'traefik-values/v2-key',
    ],
  ])('%s', (_what, change, rule) => {
    expect(rules(edited(change))).toEqual([rule]);
  });

  test('never throws on junk input', () => {
    for (const junk of [
      null,
      42,
      'tracing: {}',
      [],
      { tracing: 'x' },
      { tracing: { otlp: { grpc: { enabled: true, endpoint: 7 } }, capturedRequestHeaders: 'Authorization' } },
    ]) {
      expect(() => findTraefikValuesProblems(junk, { mode: 'v3' })).not.toThrow();
    }
    expect(rules(null)).toEqual(['traefik-values/not-a-map']);
  });
});

describe('findTraefikValuesProblems (v2)', () => {
  test('the v2 builder output has no problems', () => {
    expect(findTraefikValuesProblems(buildTraefikV2Values(), { mode: 'v2' })).toEqual([]);
  });

  test('OTLP keys under v2 are rejected', () => {
    expect(rules({ tracing: { otlp: { enabled: true }, jaeger: { collector: { endpoint: 'http://j:14268/api/traces' } } } }, 'v2')).toEqual(
      ['traefik-values/v3-key'],
    );
  });

  test.each([
    [
      'W3C propagation (Traefik v2 has none)',
      { propagation: 'tracecontext', collector: { endpoint: 'http://j:14268/api/traces' } },
      'traefik-values/v2-propagation',
    ],
    ['no span endpoint at all', { samplingServerURL: 'http://j:5778/sampling' }, 'traefik-values/v2-no-endpoint'],
    ['an agent address with a scheme', { localAgentHostPort: 'udp://j:6831' }, 'traefik-values/v2-agent-endpoint'],
    [
      'a sampling URL without scheme',
      { samplingServerURL: 'j:5778/sampling', localAgentHostPort: 'j:6831' },
      'traefik-values/v2-sampling-url',
    ],
    [
      'a collector password in the values',
      { collector: { endpoint: 'http://j:14268/api/traces', password: 'hunter2' } },
      'traefik-values/v2-collector-password',
    ],
  ])('%s', (_what, jaeger, rule) => {
    expect(rules({ tracing: { jaeger } }, 'v2')).toEqual([rule]);
  });
});
