/**
 * NetworkPolicies for the Jaeger pods (every profile ships them), every one with explicit ingress
 * rules (an empty policy denies all, see docs):
 * - collector span ports (OTLP 4317/4318, Zipkin 9411, sampling 5778/5779): the sender namespaces
 *   (the mesh and app namespaces: each pod's sidecar sends, gateways from istio-system) and the
 *   kit's own pods of the Jaeger namespace;
 * - query UI/API (16686/16685): nobody but the oauth2-proxy when there is one. `kubectl port-forward`
 *   is not a pod-network flow: the API server hands it to the kubelet, and the container runtime
 *   dials `localhost:<port>` inside the pod's own network namespace (containerd's PortForward:
 *   containerd/cri#691, "Getting rid of nsenter and socat"), which no NetworkPolicy filters;
 * - jaeger-remote-storage (17271): collector, query and ingester only;
 * - metrics (8888, span metrics 8889): the monitoring namespaces.
 * Only Ingress is restricted (egress is left open, so collector → storage and query → remote
 * storage leave freely), and kubelet health probes on 13133 are unaffected: "traffic to and from the
 * node where a Pod is running is always allowed" (Kubernetes docs, Network Policies).
 * `meshtrace check` evaluates the stack's real flows against these policies (src/check/stack-flows.ts).
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { jaegerLabels } from './_jaeger-workload';
import { JAEGER_PORTS } from './jaeger-ports';
import { SPAN_METRICS_PORT } from '../enterprise/jaeger-config-extensions';

type Obj = Record<string, unknown>;

export interface JaegerNetworkPoliciesProps {
  /**
   * Namespaces whose pods send spans (each app namespace: spans come from every pod's sidecar).
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource
   */
  readonly senderNamespaces: readonly string[];
  /**
   * Namespaces allowed to scrape 8888 (and 8889 with span metrics).
   * @default ['monitoring']
   */
  readonly monitoringNamespaces?: readonly string[];
  /**
   * Jaeger topology: which pods carry the collector and query roles.
   * @default 'split'
   */
  readonly topology?: 'split' | 'allInOne' | 'edge';
  /**
   * Pod labels of the oauth2-proxy that may reach the query UI (same namespace).
   * @default - none: the UI is reached only with kubectl port-forward
   */
  readonly uiProxyLabels?: Readonly<Record<string, string>>;
  /**
   * The collector also exposes span metrics on 8889.
   * @default false
   */
  readonly spanMetrics?: boolean;
  /**
   * The split topology runs jaeger-remote-storage (admit collector, query and ingester on 17271).
   * @default false
   */
  readonly remoteStorage?: boolean;
  /**
   * Also admit Jaeger Thrift over HTTP on 14268 from the senders (Traefik v2).
   * @default false
   */
  readonly jaegerThriftHttp?: boolean;
  /**
   * A Kafka ingester runs (its metrics port gets a policy too).
   * @default false
   */
  readonly ingester?: boolean;
}

const PART_OF = 'app.kubernetes.io/part-of';
const tcp = (port: number) => ({ protocol: 'TCP', port });
const fromNamespaces = (names: readonly string[]) => ({
  namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...new Set(names)].sort() }] },
});

export class JaegerNetworkPolicies extends Construct {
  /** The synthesized policies, by name. */
  readonly policies: Readonly<Record<string, ApiObject>>;

  constructor(scope: Construct, id: string, props: JaegerNetworkPoliciesProps) {
    super(scope, id);
    if (props.senderNamespaces.length === 0) {
      throw new Error('JaegerNetworkPolicies: senderNamespaces is empty, so no pod could send spans; allowed: one or more namespaces');
    }
    const topology = props.topology ?? 'split';
    const monitoring = props.monitoringNamespaces ?? ['monitoring'];
    const spanPorts = [
      JAEGER_PORTS.otlpGrpc,
      JAEGER_PORTS.otlpHttp,
      JAEGER_PORTS.zipkin,
      ...(props.jaegerThriftHttp ? [JAEGER_PORTS.jaegerThriftHttp] : []),
    ];
    const samplingPorts = topology === 'edge' ? [] : [JAEGER_PORTS.samplingHttp, JAEGER_PORTS.samplingGrpc];
    const metricsRule = monitoring.length
      ? [{ from: [fromNamespaces(monitoring)], ports: [tcp(JAEGER_PORTS.metrics), ...(props.spanMetrics ? [tcp(SPAN_METRICS_PORT)] : [])] }]
      : [];
    // The kit's own pods of this namespace (labelled part-of: meshtrace) may send too, e.g. Jaeger's own traces.
    const ownPods = { podSelector: { matchLabels: { [PART_OF]: 'meshtrace' } } };
    const senderRule = { from: [fromNamespaces(props.senderNamespaces), ownPods], ports: [...spanPorts, ...samplingPorts].map(tcp) };
    const uiRule = props.uiProxyLabels
      ? [{ from: [{ podSelector: { matchLabels: { ...props.uiProxyLabels } } }], ports: [tcp(JAEGER_PORTS.queryHttp)] }]
      : [];
    const policies: Record<string, ApiObject> = {};
    const add = (name: string, podLabels: Record<string, string>, ingress: Obj[]) => {
      policies[name] = new ApiObject(this, name, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name, labels: { 'app.kubernetes.io/part-of': 'meshtrace' } },
        spec: { podSelector: { matchLabels: podLabels }, policyTypes: ['Ingress'], ingress },
      });
    };
    if (topology === 'edge') {
      add('edge-collector-ingress', { 'app.kubernetes.io/component': 'edge-collector' }, [senderRule, ...metricsRule]);
    } else if (topology === 'allInOne') {
      add('jaeger-ingress', jaegerLabels('all-in-one'), [senderRule, ...uiRule, ...metricsRule]);
    } else {
      add('jaeger-collector-ingress', jaegerLabels('collector'), [senderRule, ...metricsRule]);
      // No rule for 16686/16685 from other namespaces: the UI has no login (port-forward still works).
      add('jaeger-query-ingress', jaegerLabels('query'), [...uiRule, ...metricsRule]);
      if (props.remoteStorage) {
        add('jaeger-remote-storage-ingress', jaegerLabels('remote-storage'), [
          {
            from: ['collector', 'query', 'ingester'].map((c) => ({ podSelector: { matchLabels: jaegerLabels(c) } })),
            ports: [tcp(JAEGER_PORTS.remoteStorage)],
          },
        ]);
      }
      if (props.ingester) add('jaeger-ingester-ingress', jaegerLabels('ingester'), metricsRule);
    }
    this.policies = policies;
  }
}
