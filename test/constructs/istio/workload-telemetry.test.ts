import { Telemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry';
import { parseConfig } from '../../../src/config/load';
import { buildStack } from '../../../src/stack';

type Obj = Record<string, any>;

function telemetries(raw: unknown): Obj[] {
  return buildStack(parseConfig(raw))
    .docs.map((d) => d.object as Obj)
    .filter((o) => o.kind === 'Telemetry');
}

describe('istio.workloadOverrides (per-workload Telemetry)', () => {
  test('a workload override selects the app label in its namespace and inherits the namespace override it does not set', () => {
    // GIVEN mesh 25 %, bookinfo 50 % with a tag, details 100 %
    const raw = {
      istio: {
        randomSamplingPercentage: 25,
        namespaceOverrides: [
          { namespace: 'bookinfo', randomSamplingPercentage: 50, customTags: { team: { literal: { value: 'books' } } } },
        ],
        workloadOverrides: [{ namespace: 'bookinfo', app: 'details', randomSamplingPercentage: 100 }],
      },
    };
    // WHEN
    const ts = telemetries(raw);
    // THEN three scopes, each valid against Istio's model
    expect(ts.map((t) => `${t.metadata.namespace}/${t.metadata.name}`)).toEqual([
      'istio-system/mesh-default',
      'bookinfo/namespace-tracing',
      'bookinfo/details-tracing',
    ]);
    const workload = ts[2]!;
    expect(workload.spec).toEqual({
      selector: { matchLabels: { app: 'details' } },
      // Tags are inherited explicitly: a Telemetry replaces the parent scope's tags.
      tracing: [{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 100, customTags: { team: { literal: { value: 'books' } } } }],
    });
    for (const t of ts) expect(() => new Telemetry(t as never).validate()).not.toThrow();
  });

  test('without a namespace override the workload inherits the mesh-wide sampling', () => {
    const ts = telemetries({
      istio: {
        randomSamplingPercentage: 10,
        workloadOverrides: [{ namespace: 'bookinfo', app: 'reviews', customTags: { team: { literal: { value: 'r' } } } }],
      },
    });
    expect(ts.find((t) => t.metadata.name === 'reviews-tracing')!.spec.tracing[0].randomSamplingPercentage).toBe(10);
  });

  test.each([
    [[{ namespace: 'bookinfo', app: 'details' }], /workloadOverrides\[0\].*overrides nothing/s],
    [
      [
        { namespace: 'bookinfo', app: 'details', randomSamplingPercentage: 5 },
        { namespace: 'bookinfo', app: 'details', randomSamplingPercentage: 6 },
      ],
      /workloadOverrides\[1\]\.app.*appears twice in namespace bookinfo/s,
    ],
    [[{ namespace: 'bookinfo', app: 'details', randomSamplingPercentage: 101 }], /workloadOverrides\[0\]\.randomSamplingPercentage/],
    [
      [{ namespace: 'bookinfo', app: 'details', customTags: { t: { header: { name: 'Authorization' } } } }],
      /would copy credentials into every span/,
    ],
  ])('bad override %j is a config error', (overrides, message) => {
    expect(() => parseConfig({ istio: { workloadOverrides: overrides } })).toThrow(message);
  });
});
