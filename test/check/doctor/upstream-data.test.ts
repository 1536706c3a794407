/**
 * The doctor against real upstream files (shared reference data, never copied): Jaeger v2.20.0's
 * example configs mounted into a Jaeger Deployment, and Istio 1.30.3's Bookinfo and Jaeger addon.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { checkManifests, type ManifestDoc } from '../../../src/check';
import { referencePath } from '../../../src/paths';

/** Every document of a YAML stream as plain data. */
const loadAll = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS());

function jaegerWithConfig(configFile: string): ManifestDoc[] {
  const config = readFileSync(referencePath('jaeger', 'jaeger-configs', configFile), 'utf8');
  return [
    {
      file: 'jaeger.yaml',
      index: 0,
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'jaeger-config', namespace: 'observability' },
        data: { 'config.yaml': config },
      },
    },
    {
      file: 'jaeger.yaml',
      index: 1,
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'jaeger', namespace: 'observability' },
        spec: {
          selector: { matchLabels: { app: 'jaeger' } },
          template: {
            metadata: { labels: { app: 'jaeger' } },
            spec: {
              containers: [
                {
                  name: 'jaeger',
                  image: 'jaegertracing/jaeger:2.20.0',
                  args: ['--config', '/etc/jaeger/config.yaml'],
                  volumeMounts: [{ name: 'config', mountPath: '/etc/jaeger' }],
                },
              ],
              volumes: [{ name: 'config', configMap: { name: 'jaeger-config' } }],
            },
          },
        },
      },
    },
  ];
}

const mt006Fields = async (file: string) =>
  (await checkManifests(jaegerWithConfig(file))).filter((f) => f.rule === 'MT006').map((f) => f.field);

describe('MT006 on Jaeger v2.20.0 example configs', () => {
  test('the built-in all-in-one config binds ${env:JAEGER_LISTEN_HOST:-localhost}, which the image sets to 0.0.0.0: clean', async () => {
    expect(await mt006Fields('cmd_jaeger_internal_all-in-one.yaml')).toEqual([]);
  });

  test('the query-only config has no receivers listening: clean', async () => {
    expect(await mt006Fields('cmd_jaeger_config-query.yaml')).toEqual([]);
  });

  test('config-badger.yaml leaves the OTLP protocol blocks empty: both bind localhost', async () => {
    expect(await mt006Fields('cmd_jaeger_config-badger.yaml')).toEqual([
      'data.config.yaml.receivers.otlp.protocols.grpc.endpoint',
      'data.config.yaml.receivers.otlp.protocols.http.endpoint',
    ]);
  });

  test('config-elasticsearch.yaml leaves the gRPC block empty', async () => {
    expect(await mt006Fields('cmd_jaeger_config-elasticsearch.yaml')).toEqual(['data.config.yaml.receivers.otlp.protocols.grpc.endpoint']);
  });
});

describe('Istio 1.30.3 samples', () => {
  const load = (...parts: string[]): ManifestDoc[] =>
    (loadAll(readFileSync(referencePath('istio', 'samples', ...parts), 'utf8')) as Record<string, unknown>[])
      .filter((o) => o && typeof o === 'object')
      .map((object, index) => ({ file: parts[parts.length - 1]!, index, object }));

  test('Bookinfo: no errors; restricted gaps of the third-party pods are warnings', async () => {
    const findings = await checkManifests(load('bookinfo', 'platform', 'kube', 'bookinfo.yaml'));
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(findings.filter((f) => f.severity === 'warning').every((f) => f.rule.startsWith('pod-security/'))).toBe(true);
  });

  test('the Jaeger addon: its collector ports named jaeger-collector-http/-grpc have no protocol prefix (MT004)', async () => {
    const findings = await checkManifests(load('addons', 'jaeger.yaml'));
    const mt004 = findings.filter((f) => f.rule === 'MT004');
    expect(mt004.map((f) => f.object)).toContain('Service istio-system/jaeger-collector');
    expect(mt004.every((f) => f.severity === 'warning')).toBe(true); // no Istio in use in this folder
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
