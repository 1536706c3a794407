import { mt005 } from '../../../src/check/doctor/otlp-rules';
import { buildContext } from '../../../src/check/context';

const traefik = (otlp: Record<string, unknown>) =>
  buildContext([], [{ file: 'install/traefik-values.yaml', index: 0, object: { tracing: { otlp } } }]);

describe('MT005 on Traefik values', () => {
  test('insecure: true together with tls.* (Traefik refuses to start) is reported', () => {
    const findings = mt005.run(
      traefik({ enabled: true, grpc: { enabled: true, endpoint: 'c.o.svc:4317', insecure: true, tls: { insecureSkipVerify: true } } }),
    );
    expect(findings.map((f) => f.field)).toEqual(['tracing.otlp.grpc.tls']);
  });

  test('tls keys left null by the chart defaults do not count as set', () => {
    expect(
      mt005.run(
        traefik({
          enabled: true,
          grpc: { enabled: true, endpoint: 'c.o.svc:4317', insecure: true, tls: { ca: null, insecureSkipVerify: null } },
        }),
      ),
    ).toEqual([]);
  });

  test('an HTTP endpoint without scheme, on 4317, or missing is reported', () => {
    expect(mt005.run(traefik({ enabled: true, http: { enabled: true, endpoint: 'c.o.svc:4318' } })).map((f) => f.field)).toEqual([
      'tracing.otlp.http.endpoint',
    ]);
    expect(mt005.run(traefik({ enabled: true, http: { enabled: true, endpoint: 'http://c.o.svc:4317/v1/traces' } }))[0]!.message).toContain(
      'OTLP/gRPC port 4317',
    );
    expect(mt005.run(traefik({ enabled: true, http: { enabled: true } }))[0]!.message).toContain('https://localhost:4318');
  });

  test('a transport enabled while otlp.enabled is not renders no tracing at all', () => {
    expect(mt005.run(traefik({ grpc: { enabled: true, endpoint: 'c.o.svc:4317', insecure: true } })).map((f) => f.field)).toEqual([
      'tracing.otlp.enabled',
    ]);
  });
});
