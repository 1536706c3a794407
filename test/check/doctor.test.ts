/**
 * The tracing doctor's catalogue (issue 10): every rule has a fixture folder that triggers it and
 * one that does not, under test/fixtures/doctor/<rule>/{trigger,clean}. The folders are checked
 * exactly as `meshtrace check DIR` reads them (manifests + install/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE, DOCTOR_RULES, checkManifests, loadManifestFolder, type Finding } from '../../src/check';
import { REPO_ROOT } from '../../src/paths';

const DOCTOR_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'doctor');

async function checkFixture(rule: string, variant: 'trigger' | 'clean'): Promise<Finding[]> {
  const dir = join(DOCTOR_FIXTURES, rule, variant);
  const loaded = loadManifestFolder(dir);
  return [...loaded.findings, ...(await checkManifests(loaded.docs, { installDocs: loaded.installDocs }))];
}

/** What each trigger fixture must produce: `file: field` of every finding of the rule. */
const EXPECTED: Record<string, { severity: 'error' | 'warning'; at: string[] }> = {
  MT001: { severity: 'warning', at: ['install/istiod-values.yaml: traceSampling'] },
  MT002: {
    severity: 'error',
    at: ['30-telemetry.yaml: spec.tracing[0].providers[0].name', '30-telemetry.yaml: spec.tracing[0].providers'],
  },
  MT003: {
    severity: 'error',
    at: [
      'install/istio-operator.yaml: spec.meshConfig.extensionProviders[0].opentelemetry.service',
      'install/istio-operator.yaml: spec.meshConfig.extensionProviders[1].opentelemetry.port',
    ],
  },
  MT004: { severity: 'error', at: ['20-shop.yaml: spec.ports[0].name'] },
  MT005: {
    severity: 'error',
    at: [
      '20-hotrod.yaml: spec.template.spec.containers[0].env[0].value',
      '20-hotrod.yaml: spec.template.spec.containers[0].args[6]',
      'install/traefik-values.yaml: tracing.otlp',
      'install/traefik-values.yaml: tracing.otlp.grpc.endpoint',
    ],
  },
  MT006: {
    severity: 'error',
    at: [
      '05-config.yaml: data.config.yaml.receivers.otlp.protocols.grpc.endpoint',
      '05-config.yaml: data.config.yaml.receivers.otlp.protocols.http.endpoint',
      '05-config.yaml: data.config.yaml.extensions.healthcheckv2.http.endpoint',
    ],
  },
  MT007: { severity: 'error', at: ['05-config.yaml: data.config.yaml'] },
  MT008: {
    severity: 'error',
    at: [
      '20-hotrod.yaml: spec.template.spec.containers[0].args[10]',
      '20-hotrod.yaml: spec.template.spec.containers[0].args[10]',
      '25-shop.yaml: spec.template.spec.containers[0].env[0].value',
      'install/traefik-values.yaml: env[0].value',
    ],
  },
  MT009: { severity: 'error', at: ['20-shop.yaml: spec.headers.customRequestHeaders.X-Request-Id'] },
  MT010: { severity: 'error', at: ['install/traefik-values.yaml: tracing.jaeger', 'install/traefik-values.yaml: service.type'] },
  MT011: { severity: 'error', at: ['05-mtls.yaml: spec.mtls.mode', '10-jaeger.yaml: spec.ingress'] },
  MT012: {
    severity: 'error',
    at: [
      '30-telemetry.yaml: spec.tracing[0].customTags.auth.header.name',
      '30-telemetry.yaml: spec.tracing[0].customTags.session.formatter.value',
      'install/traefik-values.yaml: tracing.capturedRequestHeaders[0]',
    ],
  },
};

describe('tracing doctor catalogue', () => {
  test('has twelve rules, each with what, why, fix and an upstream link', () => {
    // GIVEN the catalogue WHEN listed THEN MT001..MT012 are all there and documented
    expect(DOCTOR_RULES.map((r) => r.id)).toEqual(Object.keys(EXPECTED));
    for (const rule of DOCTOR_RULES) {
      expect(rule.what.length).toBeGreaterThan(20);
      expect(rule.why.length).toBeGreaterThan(20);
      expect(rule.fix.length).toBeGreaterThan(10);
      expect(rule.link).toMatch(/^https:\/\//);
    }
  });

  test('docs/check.md has the catalogue as a table: one row per rule with its link', () => {
    // GIVEN the user docs WHEN read THEN every rule id, name and link appears in a table row
    const docs = readFileSync(join(REPO_ROOT, 'docs', 'check.md'), 'utf8');
    for (const info of Object.values(CATALOGUE)) {
      const row = docs.split('\n').find((l) => l.startsWith(`| ${info.id} `));
      expect(row).toBeDefined();
      expect(row).toContain(info.name);
      expect(row).toContain(info.link);
    }
  });

  describe.each(Object.keys(EXPECTED))('%s', (rule) => {
    test('has a trigger and a clean fixture', () => {
      expect(existsSync(join(DOCTOR_FIXTURES, rule, 'trigger'))).toBe(true);
      expect(existsSync(join(DOCTOR_FIXTURES, rule, 'clean'))).toBe(true);
    });

    test('the trigger fixture reports the rule where the mistake is, with why, fix and link', async () => {
      // GIVEN the triggering fixture WHEN checked
      const findings = (await checkFixture(rule, 'trigger')).filter((f) => f.rule === rule);
      // THEN the rule fires at exactly the expected places, with the catalogue's link
      const expected = EXPECTED[rule]!;
      expect(findings.map((f) => `${f.file}: ${f.field}`).sort()).toEqual([...expected.at].sort());
      for (const f of findings) {
        expect(f.severity).toBe(expected.severity);
        expect(f.message.length).toBeGreaterThan(40);
        expect(f.fix).toBeTruthy();
        expect(f.link).toBe(CATALOGUE[rule]!.link);
      }
    });

    test('the clean fixture does not trigger it and has no errors at all', async () => {
      // GIVEN the same setup done right WHEN checked
      const findings = await checkFixture(rule, 'clean');
      // THEN neither this rule nor any other error fires
      expect(findings.filter((f) => f.rule === rule)).toEqual([]);
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    });
  });
});
