/**
 * The NetworkPolicies every profile ships for the Jaeger pods: who reaches the collector, that
 * nothing reaches the query UI but the oauth2-proxy, and remote storage only from Jaeger.
 */
import { Chart, Testing, type App } from 'cdk8s';
import { JaegerNetworkPolicies } from '../../../src/constructs/jaeger/jaeger-network-policies';

type Obj = Record<string, any>;
const chart = () => new Chart(Testing.app() as App, 'test', { namespace: 'observability', disableResourceNameHashes: true });

describe('JaegerNetworkPolicies', () => {
  test('no sender namespaces would deny every span: refused', () => {
    expect(() => new JaegerNetworkPolicies(chart(), 'P', { senderNamespaces: [] })).toThrow(
      /senderNamespaces is empty.*allowed: one or more namespaces/,
    );
  });
  test('allInOne: one policy with senders, UI proxy and metrics; no monitoring namespaces means no metrics rule', () => {
    const c = chart();
    new JaegerNetworkPolicies(c, 'P', {
      topology: 'allInOne',
      senderNamespaces: ['hotrod'],
      monitoringNamespaces: [],
      uiProxyLabels: { app: 'proxy' },
    });
    const [p] = Testing.synth(c) as Obj[];
    expect(p!.metadata.name).toBe('jaeger-ingress');
    expect(p!.spec.ingress).toHaveLength(2);
    expect(p!.spec.ingress[1]).toEqual({
      from: [{ podSelector: { matchLabels: { app: 'proxy' } } }],
      ports: [{ protocol: 'TCP', port: 16686 }],
    });
  });
});

describe('JaegerNetworkPolicies, the lab shape (split over remote storage)', () => {
  const synth = () => {
    const c = chart();
    new JaegerNetworkPolicies(c, 'P', {
      senderNamespaces: ['istio-system', 'bookinfo', 'hotrod', 'relay', 'traefik'],
      remoteStorage: true,
    });
    return Testing.synth(c) as Obj[];
  };

  test("collector: the sender namespaces and the kit's own pods on the span and sampling ports; query: metrics only", () => {
    const [collector, query, storage] = synth();
    expect([collector!.metadata.name, query!.metadata.name, storage!.metadata.name]).toEqual([
      'jaeger-collector-ingress',
      'jaeger-query-ingress',
      'jaeger-remote-storage-ingress',
    ]);
    expect(collector!.spec.ingress[0].from).toEqual([
      {
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['bookinfo', 'hotrod', 'istio-system', 'relay', 'traefik'] },
          ],
        },
      },
      { podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'meshtrace' } } },
    ]);
    expect(collector!.spec.ingress[0].ports.map((p: Obj) => p.port)).toEqual([4317, 4318, 9411, 5778, 5779]);
    // No rule admits 16686/16685: only a port-forward (not a pod-network flow) reaches the UI.
    expect(query!.spec.ingress.flatMap((r: Obj) => r.ports.map((p: Obj) => p.port))).toEqual([8888]);
    expect(query!.spec.policyTypes).toEqual(['Ingress']);
  });

  test('the synthesized policies, as reviewed', () => {
    expect(synth()).toMatchSnapshot();
  });
});
