/**
 * `meshtrace check` through the real CLI (a child process running bin/meshtrace.mjs), on fixture
 * folders that differ from a clean one by exactly one mistake each (issue 2's "Done means").
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'check');
const BIN = join(REPO_ROOT, 'bin', 'meshtrace.mjs');

async function runCheck(...args: string[]) {
  return execa('node', [BIN, 'check', ...args], { cwd: REPO_ROOT, reject: false, timeout: 60_000 });
}

interface JsonReport {
  findings: {
    rule: string;
    severity: string;
    file: string | null;
    object: string | null;
    field: string | null;
    message: string;
    fix: string | null;
    link: string | null;
  }[];
  summary: { errors: number; warnings: number; info: number; files: number; objects: number; ignored: number };
}

describe('meshtrace check (CLI)', () => {
  test('a clean folder exits 0 and says so', async () => {
    // GIVEN a meshed app, Jaeger, a Telemetry and istiod values that agree with each other
    // WHEN checked
    const r = await runCheck(join(FIXTURES, 'clean'));
    // THEN no findings, exit 0
    expect(r.stdout).toContain('0 error(s), 0 warning(s), 0 info in 5 file(s), 9 object(s)');
    expect(r.exitCode).toBe(0);
  });

  test.each([
    [
      'selector-matches-nothing',
      '20-shop.yaml: Service shop/web: spec.selector: error [xref/selector]',
      'selector app=webshop matches no pod template',
    ],
    [
      'misspelled-provider',
      '30-telemetry.yaml: Telemetry istio-system/mesh-default: spec.tracing[0].providers[0].name: error [MT002]',
      'provider "jaegr" is not in meshConfig.extensionProviders (jaeger)',
    ],
    ['unprefixed-port', '20-shop.yaml: Service shop/web: spec.ports[0].name: error [MT004]', 'port 80 "web" has no protocol prefix'],
    ['unknown-field', '20-shop.yaml: Deployment shop/web: spec.replicaz: error [unknown-field]', 'did you mean "replicas"?'],
    [
      'privileged-container',
      '20-shop.yaml: Deployment shop/web: spec.template.spec.containers[0].securityContext.privileged: error [pod-security/privileged]',
      'container "web" is privileged',
    ],
  ])('%s exits 1 naming file, object and field', async (fixture, location, message) => {
    // GIVEN the clean folder with one mistake WHEN checked
    const r = await runCheck(join(FIXTURES, fixture));
    // THEN exactly that mistake is reported, with where and what, and the exit code is 1
    const errors = r.stdout.split('\n').filter((l) => l.includes(': error ['));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(location);
    expect(errors[0]).toContain(message);
    expect(errors[0]).toMatch(/\(.+\)$/); // the fix, in parentheses
    expect(r.exitCode).toBe(1);
  });

  test('--json prints one document with rule, severity, file, object, field, fix and link', async () => {
    // GIVEN the misspelled provider WHEN checked with --json
    const r = await runCheck(join(FIXTURES, 'misspelled-provider'), '--json');
    // THEN stdout is one JSON document and the finding carries every column
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.summary).toEqual({ errors: 1, warnings: 0, info: 0, files: 5, objects: 9, ignored: 0 });
    expect(report.findings).toEqual([
      {
        rule: 'MT002',
        severity: 'error',
        file: '30-telemetry.yaml',
        line: 1,
        object: 'Telemetry istio-system/mesh-default',
        field: 'spec.tracing[0].providers[0].name',
        message: expect.stringContaining('"jaegr"'),
        fix: expect.stringContaining('extensionProviders'),
        link: 'https://github.com/istio/istio/issues/56180',
      },
    ]);
    expect(r.exitCode).toBe(1);
  });

  test('a missing folder exits 2 with a message naming it', async () => {
    // GIVEN a path that does not exist WHEN checked
    const r = await runCheck(join(FIXTURES, 'no-such-folder'));
    // THEN "could not check": exit 2, the path and what was expected on stderr
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no-such-folder does not exist');
    expect(r.stderr).toContain('expected a folder of *.yaml manifests');
  });

  test('--json on a missing folder still prints one JSON document', async () => {
    const r = await runCheck(join(FIXTURES, 'no-such-folder'), '--json');
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: expect.stringContaining('no-such-folder does not exist'), findings: [], summary: null });
  });

  test('--ignore drops a rule and says how many findings it hid', async () => {
    // GIVEN the unprefixed port WHEN its rule is ignored THEN exit 0 and the summary counts it
    const r = await runCheck(join(FIXTURES, 'unprefixed-port'), '--ignore', 'MT004');
    expect(r.stdout).toContain('0 error(s), 0 warning(s), 0 info in 5 file(s), 9 object(s), 1 ignored');
    expect(r.exitCode).toBe(0);
  });

  test('--list-rules --json prints the doctor catalogue without checking anything', async () => {
    const r = await runCheck('--list-rules', '--json');
    const { rules } = JSON.parse(r.stdout) as { rules: { id: string; link: string }[] };
    expect(rules.map((x) => x.id)).toEqual([
      'MT001',
      'MT002',
      'MT003',
      'MT004',
      'MT005',
      'MT006',
      'MT007',
      'MT008',
      'MT009',
      'MT010',
      'MT011',
      'MT012',
    ]);
    expect(rules.every((x) => x.link.startsWith('https://'))).toBe(true);
    expect(r.exitCode).toBe(0);
  });

  test('a file instead of a folder exits 2', async () => {
    const r = await runCheck(join(FIXTURES, 'clean', '20-shop.yaml'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('is not a folder');
  });

  test('--install points at installer inputs elsewhere', async () => {
    // GIVEN the misspelled-provider manifests but installer inputs from another folder that also lacks "jaegr"
    const r = await runCheck(join(FIXTURES, 'misspelled-provider'), '--install', join(FIXTURES, 'clean', 'install'));
    // THEN the provider is still checked against those inputs
    expect(r.stdout).toContain('provider "jaegr" is not in meshConfig.extensionProviders');
    expect(r.exitCode).toBe(1);
  });
});

describe('targetPort (issue 19)', () => {
  test('a numeric targetPort no container declares exits 1, naming the declared ports', async () => {
    const r = await runCheck(join(FIXTURES, 'target-port-mismatch'));
    const lines = r.stdout.split('\n').filter((l) => l.includes('[xref/target-port]'));
    expect(lines).toEqual([
      '20-shop.yaml: Service shop/web: spec.ports[0].targetPort: error [xref/target-port] targetPort 8081 is not a container port of Deployment web (declares 8080 "http"): the Service sends its traffic to a port the pods do not listen on (point targetPort at a declared port (8080), or declare 8081 under the container\'s ports)',
    ]);
    expect(r.exitCode).toBe(1);
  });

  test('a typoed containrPort is reported as the unknown field it is; no message says "undefined"', async () => {
    const r = await runCheck(join(FIXTURES, 'target-port-typo'));
    expect(r.stdout).toContain(
      '20-shop.yaml: Deployment shop/web: spec.template.spec.containers[0].ports[0].containrPort: error [unknown-field] unknown field "containrPort"',
    );
    expect(r.stdout).toContain('did you mean "containerPort"?');
    expect(r.stdout).not.toContain('undefined');
    expect(r.stdout).not.toContain('[xref/target-port]');
    expect(r.exitCode).toBe(1);
  });
});

describe('run-time data ships in the package (issue 16)', () => {
  test('without the shared reference folder the Traefik values are still validated against the chart schema', async () => {
    // GIVEN a folder whose Traefik values have sampleRate 2, and a process that cannot see ../shared
    const dir = mkdtempSync(join(tmpdir(), 'meshtrace-noshared-'));
    try {
      mkdirSync(join(dir, 'install'));
      writeFileSync(join(dir, 'install', 'traefik-values.yaml'), 'tracing:\n  sampleRate: 2\n  otlp:\n    enabled: true\n');
      const r = await execa('node', [BIN, 'check', dir], {
        cwd: REPO_ROOT,
        reject: false,
        timeout: 60_000,
        env: { MESHTRACE_SHARED_DIR: join(dir, 'no-such-shared') },
      });
      // THEN the chart's own rule is applied, from the built-in schema
      expect(r.stdout).toContain(
        'install/traefik-values.yaml: tracing.sampleRate: error [traefik-values/schema] must be <= 1 (Traefik chart 41.3.0 values.schema.json)',
      );
      expect(r.exitCode).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
