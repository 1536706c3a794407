/**
 * Envoy bootstraps for Istio's data plane without Istio: a sidecar (an INBOUND listener whose SERVER
 * spans front the app, an OUTBOUND listener per destination whose CLIENT spans are the app's calls)
 * and an ingress gateway (Istio's `router` proxy), configured as istiod would: route decorators
 * `<fqdn>:<port><path>` as span names, clusters `inbound|9080||` / `outbound|9080||<fqdn>`, service
 * name `<app>.<namespace>`, Envoy-generated `x-request-id`, the tracing block of ./tracing. Static
 * resources only, plain upstream Envoy (no Istio filter, no xDS). Pure: addresses in, JSON out.
 *
 * Without iptables each destination gets its own loopback listener: the app calls
 * `http://127.0.0.1:<outbound port>` for `details:9080`, whatever Host it sends.
 */
import type { IstioConfig } from '../config/istio';
import { hcmTracing, collectorCluster, type ProxyWorkload } from './tracing';
import { inboundClusterName, nodeId, outboundClusterName, proxyServiceName, routeOperation, serviceFqdn, type ProxyType } from './names';

/** A loopback address a listener binds or a cluster sends to. */
export interface LocalAddress {
  readonly host: string;
  readonly port: number;
}

/** A Kubernetes Service the proxy calls, and where it really listens here. */
export interface Destination {
  readonly service: string;
  readonly namespace: string;
  /** The Service port (9080 for Bookinfo). */
  readonly port: number;
  /** Where the destination's proxy (or app) listens on this machine. */
  readonly endpoint: LocalAddress;
}

interface CommonOptions {
  readonly istio: IstioConfig;
  readonly observabilityNamespace: string;
  readonly workload: ProxyWorkload;
  /** Where the provider's Service (the collector) listens on this machine. */
  readonly collector: LocalAddress;
  /** Admin listener (port 0: any; the address is written to Envoy's `--admin-address-path`). */
  readonly admin: LocalAddress;
  /** Pod name in the node id. @default `<app>-<version>` */
  readonly pod?: string;
}

export interface SidecarOptions extends CommonOptions {
  /** The port the workload's Service and container use. */
  readonly servicePort: number;
  /** The sidecar's inbound listener (what callers' outbound clusters point at). */
  readonly inbound: LocalAddress;
  /** The app behind the sidecar. */
  readonly app: LocalAddress;
  /** One outbound listener per Service the app calls. */
  readonly outbound: readonly (Destination & { readonly listen: LocalAddress })[];
}

export interface GatewayRoute {
  readonly match: { readonly exact: string } | { readonly prefix: string };
  readonly destination: Destination;
}

export interface GatewayOptions extends CommonOptions {
  readonly listen: LocalAddress;
  readonly routes: readonly GatewayRoute[];
}

export type EnvoyBootstrap = Record<string, unknown>;

const ROUTER_FILTER = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};
const UUID_REQUEST_ID = {
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig',
    use_request_id_for_trace_sampling: true,
  },
};

function socketAddress(a: LocalAddress): Record<string, unknown> {
  return { socket_address: { address: a.host, port_value: a.port } };
}

function staticCluster(name: string, endpoint: LocalAddress, http2 = false): Record<string, unknown> {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '10s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(endpoint) } }] }] },
    ...(http2
      ? {
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        }
      : {}),
  };
}

interface ListenerOptions {
  readonly name: string;
  readonly direction: 'INBOUND' | 'OUTBOUND';
  readonly listen: LocalAddress;
  readonly statPrefix: string;
  readonly routeConfig: Record<string, unknown>;
  readonly tracing: Record<string, unknown>;
  /** Gateways are the edge: the peer address is the client's, and an outside x-request-id is replaced. */
  readonly edge: boolean;
}

function httpListener(o: ListenerOptions): Record<string, unknown> {
  return {
    name: o.name,
    address: socketAddress(o.listen),
    traffic_direction: o.direction,
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: o.statPrefix,
              codec_type: 'AUTO',
              generate_request_id: true,
              use_remote_address: o.edge,
              request_id_extension: UUID_REQUEST_ID,
              tracing: o.tracing,
              route_config: o.routeConfig,
              http_filters: [ROUTER_FILTER],
            },
          },
        ],
      },
    ],
  };
}

/** The pod name in a proxy's node id (and its POD_NAME): the one given, else `<app>-<version>`. */
export function podName(workload: ProxyWorkload, pod?: string): string {
  return pod ?? `${workload.app}-${workload.version ?? 'v1'}`;
}

function common(
  o: CommonOptions,
  type: ProxyType,
  spawnUpstreamSpan: boolean,
): { serviceName: string; node: Record<string, unknown>; tracing: Record<string, unknown>; collector: Record<string, unknown> } {
  const serviceName = proxyServiceName(o.workload.app, o.workload.namespace);
  const pod = podName(o.workload, o.pod);
  const cluster = collectorCluster(o.istio, o.observabilityNamespace);
  return {
    serviceName,
    // The Zipkin tracer names spans' service after node.cluster; the OpenTelemetry tracer has service_name.
    node: { id: nodeId(type, '127.0.0.1', pod, o.workload.namespace), cluster: serviceName },
    tracing: hcmTracing({
      istio: o.istio,
      observabilityNamespace: o.observabilityNamespace,
      workload: o.workload,
      serviceName,
      spawnUpstreamSpan,
    }),
    collector: staticCluster(cluster.name, o.collector, cluster.http2),
  };
}

/** Envoy's OpenTelemetry and Zipkin tracers export their buffered spans on these timers (runtime keys, default 5000 ms each). */
export const ENVOY_SPAN_FLUSH_INTERVAL_KEYS = ['tracing.opentelemetry.flush_interval_ms', 'tracing.zipkin.flush_interval_ms'] as const;
/** The interval Envoy uses when the runtime does not set one (what Istio's proxies run with). */
export const ENVOY_DEFAULT_SPAN_FLUSH_MS = 5000;

/**
 * The bootstrap with the tracer (OpenTelemetry or Zipkin) flushing every `ms` instead of every 5 s, through a
 * static runtime layer (plus the admin layer Envoy has when no runtime is configured). For local
 * runs that wait for the last span before judging (the demo, the tests): a shorter timer only makes
 * spans arrive sooner; what they contain does not change.
 */
export function withSpanFlushInterval(b: EnvoyBootstrap, ms: number): EnvoyBootstrap {
  if (!Number.isInteger(ms) || ms < 1)
    throw new Error(`span flush interval: ${ms} is not allowed; allowed: a whole number of milliseconds ≥ 1`);
  return {
    ...b,
    layered_runtime: {
      layers: [
        { name: 'span-flush', static_layer: Object.fromEntries(ENVOY_SPAN_FLUSH_INTERVAL_KEYS.map((key) => [key, ms])) },
        { name: 'admin', admin_layer: {} },
      ],
    },
  };
}

function bootstrap(node: Record<string, unknown>, admin: LocalAddress, listeners: unknown[], clusters: unknown[]): EnvoyBootstrap {
  return { node, admin: { address: socketAddress(admin) }, static_resources: { listeners, clusters } };
}

/** A sidecar: INBOUND listener → `inbound|<port>||` (the app); one OUTBOUND listener per destination. */
export function sidecarBootstrap(o: SidecarOptions): EnvoyBootstrap {
  const c = common(o, 'sidecar', false);
  const ownFqdn = serviceFqdn(o.workload.app, o.workload.namespace);
  const inboundCluster = inboundClusterName(o.servicePort);
  const inbound = httpListener({
    name: 'virtualInbound',
    direction: 'INBOUND',
    listen: o.inbound,
    statPrefix: `inbound_0.0.0.0_${o.servicePort}`,
    edge: false,
    tracing: c.tracing,
    routeConfig: {
      name: inboundCluster,
      virtual_hosts: [
        {
          name: `inbound|http|${o.servicePort}`,
          domains: ['*'],
          routes: [
            {
              name: 'default',
              match: { prefix: '/' },
              route: { cluster: inboundCluster, timeout: '0s' },
              decorator: { operation: routeOperation(ownFqdn, o.servicePort) },
            },
          ],
        },
      ],
    },
  });
  const outbound = o.outbound.map((d) => {
    const fqdn = serviceFqdn(d.service, d.namespace);
    const cluster = outboundClusterName(d.port, fqdn);
    return httpListener({
      name: `outbound_${d.service}.${d.namespace}_${d.port}`,
      direction: 'OUTBOUND',
      listen: d.listen,
      statPrefix: `outbound_0.0.0.0_${d.port}`,
      edge: false,
      tracing: c.tracing,
      routeConfig: {
        name: String(d.port),
        virtual_hosts: [
          {
            name: `${fqdn}:${d.port}`,
            domains: ['*'],
            routes: [
              {
                name: 'default',
                match: { prefix: '/' },
                route: { cluster, timeout: '0s' },
                decorator: { operation: routeOperation(fqdn, d.port) },
              },
            ],
          },
        ],
      },
    });
  });
  const clusters = [
    staticCluster(inboundCluster, o.app),
    ...o.outbound.map((d) => staticCluster(outboundClusterName(d.port, serviceFqdn(d.service, d.namespace)), d.endpoint)),
    c.collector,
  ];
  return bootstrap(c.node, o.admin, [inbound, ...outbound], clusters);
}

/** Istio ≥ 1.28 gateways add an upstream span (`router <cluster> egress`) under their own. */
export function gatewaySpawnsUpstreamSpan(istioVersion: string): boolean {
  const minor = Number(/^1\.(\d+)\./.exec(istioVersion)?.[1] ?? '0');
  return minor >= 28;
}

/** An ingress gateway (`router` proxy): one listener, a route per VirtualService match, decorated with its path. */
export function gatewayBootstrap(o: GatewayOptions): EnvoyBootstrap {
  const c = common(o, 'router', gatewaySpawnsUpstreamSpan(o.istio.version));
  const clusters = new Map<string, Record<string, unknown>>();
  const routes = o.routes.map((r) => {
    const fqdn = serviceFqdn(r.destination.service, r.destination.namespace);
    const cluster = outboundClusterName(r.destination.port, fqdn);
    clusters.set(cluster, staticCluster(cluster, r.destination.endpoint));
    const match = 'exact' in r.match ? { path: r.match.exact } : { prefix: r.match.prefix };
    return { match, route: { cluster, timeout: '0s' }, decorator: { operation: routeOperation(fqdn, r.destination.port, r.match) } };
  });
  const listener = httpListener({
    name: `0.0.0.0_${o.listen.port}`,
    // Istio's gateway listeners are OUTBOUND: the gateway's own span is the caller's side of the call.
    direction: 'OUTBOUND',
    listen: o.listen,
    statPrefix: `outbound_0.0.0.0_${o.listen.port}`,
    edge: true,
    tracing: c.tracing,
    routeConfig: { name: `http.${o.listen.port}`, virtual_hosts: [{ name: '*', domains: ['*'], routes }] },
  });
  return bootstrap(c.node, o.admin, [listener], [...clusters.values(), c.collector]);
}
