import { Testing } from 'cdk8s';
import { MeshNamespace } from '../../src/constructs/namespaces';

type Obj = Record<string, any>;
function ns(props: ConstructorParameters<typeof MeshNamespace>[2], id = 'observability'): Obj {
  const chart = Testing.chart();
  new MeshNamespace(chart, id, props);
  return (Testing.synth(chart) as Obj[])[0]!;
}

describe('MeshNamespace', () => {
  test('observability: never injected, restricted enforced', () => {
    const o = ns({ sidecarInjection: 'disabled', enforce: 'restricted' });
    expect(o).toMatchSnapshot();
    expect(o.metadata).toEqual({
      name: 'observability',
      labels: {
        'app.kubernetes.io/part-of': 'meshtrace',
        'istio-injection': 'disabled',
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    });
  });

  test('meshed namespace: injection enabled, baseline only warned', () => {
    const o = ns({ name: 'bookinfo', sidecarInjection: 'enabled', warn: 'baseline' });
    expect(o.metadata.labels).toEqual({
      'app.kubernetes.io/part-of': 'meshtrace',
      'istio-injection': 'enabled',
      'pod-security.kubernetes.io/warn': 'baseline',
    });
    expect(o.metadata.labels['pod-security.kubernetes.io/enforce']).toBeUndefined();
  });

  test('unset injection leaves no istio-injection label', () => {
    expect(ns({}, 'plain').metadata.labels['istio-injection']).toBeUndefined();
  });

  test('enforcing baseline/restricted on an injected namespace is refused (istio-init needs NET_ADMIN)', () => {
    expect(() => ns({ name: 'apps', sidecarInjection: 'enabled', enforce: 'baseline' })).toThrow(
      /enforce "baseline" rejects the injected istio-init container/,
    );
  });

  test.each([['Bookinfo'], ['-x'], ['a'.repeat(64)], ['under_score']])('refuses the name %j', (name) => {
    expect(() => ns({ name })).toThrow(/is not an RFC 1123 label/);
  });
});
