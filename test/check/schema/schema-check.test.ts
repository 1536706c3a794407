import { readFileSync } from 'node:fs';
import { checkSchemas, pointerToField, unknownFieldFindings } from '../../../src/check/schema/schema-check';
import { KNOWN_FIELDS_FILE } from '../../../src/check/schema/known-fields';
import { generateKnownFields } from '../../../scripts/generate-known-fields';
import type { ManifestDoc } from '../../../src/check';

const doc = (object: Record<string, unknown>, file = 'x.yaml'): ManifestDoc => ({ file, index: 0, object });

const deployment = (spec: Record<string, unknown>) =>
  doc({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      ...spec,
    },
  });

describe('schema check (kubernetes-models)', () => {
  test('a valid Deployment has no findings', async () => {
    expect(await checkSchemas([deployment({ replicas: 1 })])).toEqual([]);
  });

  test('a wrong type names the field, the rule and the bad value', async () => {
    // GIVEN replicas written as a string WHEN checked
    const findings = await checkSchemas([deployment({ replicas: 'two' })]);
    // THEN one schema error at spec.replicas that shows the value
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'schema',
        severity: 'error',
        file: 'x.yaml',
        object: 'Deployment shop/web',
        field: 'spec.replicas',
        message: 'must be integer (got "two")',
      }),
    ]);
  });

  test('a missing required field is reported at its own path', async () => {
    const findings = await checkSchemas([
      doc({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: {} } }),
    ]);
    expect(findings.map((f) => f.field)).toContain('spec.selector');
    expect(findings.find((f) => f.field === 'spec.selector')!.message).toBe('required field is missing');
  });

  test('Istio Telemetry: a sampling percentage above 100 is a schema error', async () => {
    const findings = await checkSchemas([
      doc({
        apiVersion: 'telemetry.istio.io/v1',
        kind: 'Telemetry',
        metadata: { name: 't', namespace: 'istio-system' },
        spec: { tracing: [{ randomSamplingPercentage: 150 }] },
      }),
    ]);
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'schema', field: 'spec.tracing[0].randomSamplingPercentage', message: 'must be <= 100 (got 150)' }),
    ]);
  });

  test('a document without kind is an error; an unknown kind is info', async () => {
    const findings = await checkSchemas([
      doc({ apiVersion: 'v1', metadata: { name: 'x' } }),
      doc({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ]);
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['schema', 'error', 'kind'],
      ['schema/unknown-kind', 'info', 'kind'],
    ]);
  });
});

describe('unknown fields', () => {
  test('a typo deep in a pod template is found with a "did you mean"', () => {
    // GIVEN a container with `imagePullPolicy` misspelled
    const d = deployment({});
    ((d.object.spec as any).template.spec.containers[0] as Record<string, unknown>).imagePulPolicy = 'IfNotPresent';
    // WHEN checked THEN the finding points at the exact field and suggests the right name
    expect(unknownFieldFindings(d)).toEqual([
      expect.objectContaining({
        rule: 'unknown-field',
        severity: 'error',
        field: 'spec.template.spec.containers[0].imagePulPolicy',
        message: expect.stringContaining('did you mean "imagePullPolicy"?'),
        fix: 'rename "imagePulPolicy" to "imagePullPolicy"',
      }),
    ]);
  });

  test('labels, annotations and ConfigMap data (maps) accept any key', () => {
    const cm = doc({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labels: { anything: 'x' }, annotations: { 'a.b/c': 'y' } },
      data: { 'config.yaml': 'x' },
    });
    expect(unknownFieldFindings(cm)).toEqual([]);
  });

  test('Istio: tracing[0].provider (singular) is unknown; Traefik IngressRoute typos too', () => {
    const tel = doc({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: 't' },
      spec: { tracing: [{ provider: { name: 'jaeger' } }] },
    });
    expect(unknownFieldFindings(tel).map((f) => [f.field, f.fix])).toEqual([
      ['spec.tracing[0].provider', 'rename "provider" to "providers"'],
    ]);
    const ir = doc({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: 'r' },
      spec: { entrypoints: ['web'], routes: [] },
    });
    expect(unknownFieldFindings(ir).map((f) => f.field)).toEqual(['spec.entrypoints']);
  });

  test('the committed field tree matches the installed model packages', () => {
    // GIVEN the installed kubernetes-models packages WHEN the tree is regenerated
    const fresh = generateKnownFields();
    const committed = JSON.parse(readFileSync(KNOWN_FIELDS_FILE, 'utf8'));
    // THEN it equals the committed file (else: run `npx tsx scripts/generate-known-fields.ts`)
    expect(committed.packages).toEqual(fresh.packages);
    expect(committed).toEqual(JSON.parse(JSON.stringify(fresh)));
  }, 120_000);
});

test('JSON pointers become dotted/indexed field paths', () => {
  expect(pointerToField('/spec/template/spec/containers/0/name')).toBe('spec.template.spec.containers[0].name');
  expect(pointerToField('/metadata/annotations/a~1b')).toBe('metadata.annotations.a/b');
  expect(pointerToField('')).toBe('');
});
