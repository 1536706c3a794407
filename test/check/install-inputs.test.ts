import { readFileSync } from 'node:fs';
import { checkInstallInputs, mergeHelmValues } from '../../src/check/install-inputs';
import {
  deriveFromReference,
  deriveValidatorFromReference,
  GENERATED_FILE,
  GENERATED_VALIDATOR_FILE,
  SCHEMA_SOURCE,
  VALUES_SOURCE,
} from '../../scripts/derive-traefik-chart-schema';
import { buildContext, classifyInstallInput } from '../../src/check/context';
import type { ManifestDoc } from '../../src/check';

const input = (file: string, object: Record<string, unknown>): ManifestDoc => ({ file, index: 0, object });
const VALID_TRAEFIK = {
  service: { spec: { type: 'NodePort' } },
  ports: { web: { nodePort: 30080 } },
  tracing: {
    sampleRate: 1.0,
    otlp: { enabled: true, grpc: { enabled: true, endpoint: 'jaeger-collector.observability.svc:4317', insecure: true } },
  },
};

describe('installer inputs', () => {
  test('are recognized by shape and file name', () => {
    expect(classifyInstallInput(input('install/x.yaml', { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator' }))).toBe(
      'istio-operator',
    );
    expect(classifyInstallInput(input('install/kind.yaml', { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' }))).toBe('kind-config');
    expect(classifyInstallInput(input('install/traefik-values.yaml', {}))).toBe('traefik-values');
    expect(classifyInstallInput(input('install/values.yaml', { meshConfig: {} }))).toBe('istiod-values');
    expect(classifyInstallInput(input('install/values.yaml', { ports: {}, tracing: {} }))).toBe('traefik-values');
    expect(classifyInstallInput(input('install/istio-ingressgateway-values.yaml', { service: {} }))).toBe('istio-gateway-values');
    expect(classifyInstallInput(input('install/notes.yaml', { hello: 'world' }))).toBe('unknown');
  });

  test('Helm merge: maps merge, lists and scalars replace, null deletes', () => {
    expect(mergeHelmValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null, e: 2 })).toEqual({ a: { b: 1, c: [3] }, e: 2 });
  });

  describe('Traefik values against the built-in part of the chart 41.3.0 values.schema.json', () => {
    test('the built-in schema is exactly what the script derives from the shared reference (no drift)', () => {
      // GIVEN the chart files in shared/reference WHEN derived again THEN the committed file is byte-identical
      expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(deriveFromReference());
    });

    test('the built-in validator is exactly what Ajv compiles from that schema today (no drift)', () => {
      expect(readFileSync(GENERATED_VALIDATOR_FILE, 'utf8')).toBe(deriveValidatorFromReference());
    });

    test('the built-in schema judges the kept keys as the full chart schema does', () => {
      const bad = { ...VALID_TRAEFIK, tracing: { ...VALID_TRAEFIK.tracing, sampleRate: 'all' }, ports: { web: { nodePort: 'x' } } };
      const builtIn = checkInstallInputs(buildContext([], [input('install/traefik-values.yaml', bad)]));
      const full = checkInstallInputs(buildContext([], [input('install/traefik-values.yaml', bad)]), {
        traefikValuesSchema: SCHEMA_SOURCE,
        traefikChartValues: VALUES_SOURCE,
      });
      expect(builtIn.map((f) => f.field).sort()).toEqual(full.map((f) => f.field).sort());
      expect(builtIn.length).toBeGreaterThan(0);
      expect(builtIn[0]!.message).toContain('(Traefik chart 41.3.0 values.schema.json)');
    });

    test('valid values pass', () => {
      const ctx = buildContext([], [input('install/traefik-values.yaml', VALID_TRAEFIK)]);
      expect(checkInstallInputs(ctx)).toEqual([]);
    });

    test('a sampleRate above 1 and an unknown top-level key fail with their paths', () => {
      const bad = { ...VALID_TRAEFIK, tracng: {}, tracing: { ...VALID_TRAEFIK.tracing, sampleRate: 2 } };
      const findings = checkInstallInputs(buildContext([], [input('install/traefik-values.yaml', bad)]));
      expect(findings.map((f) => [f.rule, f.field])).toEqual(
        expect.arrayContaining([
          ['traefik-values/schema', 'tracng'],
          ['traefik-values/schema', 'tracing.sampleRate'],
        ]),
      );
    });

    test('a missing schema file gives an info finding, not a crash', () => {
      const findings = checkInstallInputs(buildContext([], [input('install/traefik-values.yaml', VALID_TRAEFIK)]), {
        traefikValuesSchema: '/nonexistent/values.schema.json',
      });
      expect(findings).toEqual([expect.objectContaining({ rule: 'traefik-values/schema', severity: 'info' })]);
    });
  });

  test('kind: a mapped containerPort with no NodePort behind it is an error; an unmapped NodePort a warning', () => {
    const kind = input('install/kind.yaml', {
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      nodes: [
        {
          role: 'control-plane',
          extraPortMappings: [
            { containerPort: 30080, hostPort: 8000 },
            { containerPort: 31686, hostPort: 16686 },
          ],
        },
      ],
    });
    const traefik = input('install/traefik-values.yaml', {
      ...VALID_TRAEFIK,
      ports: { web: { nodePort: 30080 }, websecure: { nodePort: 30443 } },
    });
    const findings = checkInstallInputs(buildContext([], [kind, traefik]), { traefikValuesSchema: '/nonexistent' }).filter(
      (f) => f.rule === 'kind/port-mapping',
    );
    expect(findings.map((f) => [f.severity, f.field])).toEqual([
      ['error', 'nodes[0].extraPortMappings[1].containerPort'],
      ['warning', 'nodes[0].extraPortMappings'],
    ]);
    expect(findings[0]!.message).toContain('containerPort 31686');
    expect(findings[1]!.message).toContain('nodePort 30443');
  });
});

describe('Istio extension providers', () => {
  test('a misspelled provider field is an unknown field with the allowed names', () => {
    // GIVEN istiod values whose OpenTelemetry provider says `servce`
    const values = input('install/istiod-values.yaml', {
      meshConfig: {
        extensionProviders: [
          { name: 'jaeger', opentelemetry: { servce: 'jaeger-collector.observability.svc.cluster.local', port: 4317 } },
          { name: 'z', zipkin: { service: 'z.z.svc.cluster.local', port: 9411 }, timeout: '5s' },
        ],
      },
    });
    // WHEN checked
    const findings = checkInstallInputs(buildContext([], [values])).filter((f) => f.rule === 'unknown-field');
    // THEN both typos are reported at their fields
    expect(findings.map((f) => f.field)).toEqual([
      'meshConfig.extensionProviders[0].opentelemetry.servce',
      'meshConfig.extensionProviders[1].timeout',
    ]);
    expect(findings[0]!.fix).toContain('service');
  });
});
