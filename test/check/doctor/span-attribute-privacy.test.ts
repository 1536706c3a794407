import { checkManifests, type ManifestDoc } from '../../../src/check/index';
import { sensitiveAttribute } from '../../../src/check/doctor/span-attribute-privacy';

const relayHop = (args: string[]): ManifestDoc => ({
  file: 'relay.yaml',
  index: 0,
  object: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'edge', namespace: 'relay' },
    spec: {
      selector: { matchLabels: { app: 'edge' } },
      template: {
        metadata: { labels: { app: 'edge' } },
        spec: { containers: [{ name: 'relay', image: 'node:24.11.1-alpine', args: ['relay.mjs', '--listen', '0.0.0.0:8080', ...args] }] },
      },
    },
  },
});
const telemetry = (customTags: Record<string, unknown>): ManifestDoc => ({
  file: 'istio.yaml',
  index: 0,
  object: {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: { name: 'mesh-default', namespace: 'istio-system' },
    spec: { tracing: [{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 100, customTags }] },
  },
});

describe('MT012 for fixed span attributes (relay --span-attribute, Istio literal tags)', () => {
  test('classifier: header-named keys, credential values, e-mails and card numbers; plain ids pass', () => {
    expect(sensitiveAttribute('http.request.header.authorization', 'x')).toMatch(/names the authorization header/);
    expect(sensitiveAttribute('team.token_hint', 'Bearer abcdefghijklmnop')).toMatch(/a credential/);
    expect(sensitiveAttribute('owner', 'ops@example.com')).toMatch(/an e-mail address/);
    expect(sensitiveAttribute('test.card', '4111111111111111')).toMatch(/a card number/);
    expect(sensitiveAttribute('api_key', 'abc123')).toMatch(/a credential/);
    expect(sensitiveAttribute('deployment.environment', 'prod')).toBeUndefined();
    expect(sensitiveAttribute('build.id', '1763700000005')).toBeUndefined();
  });

  test('a relay hop writing a credential on every span is an error at the flag; a harmless one is not', async () => {
    const bad = (
      await checkManifests([
        relayHop(['--span-attribute', 'deployment.environment=prod', '--span-attribute', 'http.request.header.cookie=session=abc']),
      ])
    ).filter((f) => f.rule === 'MT012');
    expect(bad).toEqual([
      expect.objectContaining({
        severity: 'error',
        field: 'spec.template.spec.containers[0].args[6]',
        message: expect.stringMatching(/relay span attribute "http\.request\.header\.cookie".*names the cookie header/),
      }),
    ]);
    expect(
      (await checkManifests([relayHop(['--span-attribute', 'deployment.environment=prod'])])).filter((f) => f.rule === 'MT012'),
    ).toEqual([]);
  });

  test('an Istio literal tag with a token value is an error; a literal profile name is not', async () => {
    const bad = (await checkManifests([telemetry({ 'upstream.auth': { literal: { value: 'Basic dXNlcjpodW50ZXIy' } } })])).filter(
      (f) => f.rule === 'MT012',
    );
    expect(bad.map((f) => f.field)).toEqual(['spec.tracing[0].customTags.upstream.auth.literal.value']);
    expect(JSON.stringify(bad)).not.toContain('dXNlcjpodW50ZXIy');
    expect(
      (await checkManifests([telemetry({ 'meshtrace.profile': { literal: { value: 'ci' } } })])).filter((f) => f.rule === 'MT012'),
    ).toEqual([]);
  });
});
