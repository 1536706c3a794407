/**
 * The HTTP connection manager `tracing` block Istio's control plane gives a proxy, from the same
 * `istio` config section the kit's Istio synthesis reads: the provider (OpenTelemetry or Zipkin) at
 * the collector's host and port, the Telemetry sampling percentage and custom tags that apply to
 * this workload (workload > namespace > mesh; custom tags replace, never merge), and Istio's default
 * tags. Plain upstream Envoy fields only (no Istio filter). Pure.
 * @see shared/notes/istio.md §1.2–1.3 (pilot/pkg/networking/core/tracing.go)
 */
import type { CustomTagConfig, IstioConfig } from '../config/istio';
import { providerAddress } from '../constructs/istio/tracing-provider';
import { outboundClusterName } from './names';

/** What Istio's Telemetry hierarchy resolves to for one workload. */
export interface EffectiveTelemetry {
  readonly randomSamplingPercentage: number;
  readonly customTags: Readonly<Record<string, CustomTagConfig>>;
  readonly disableSpanReporting: boolean;
}

/** The workload a proxy sits in front of (a gateway is a workload too). */
export interface ProxyWorkload {
  /** The pods' `app` label. */
  readonly app: string;
  readonly namespace: string;
  /** The pods' `version` label (`istio.canonical_revision`). @default 'latest' */
  readonly version?: string;
}

/** Workload Telemetry over namespace Telemetry over the mesh-wide one (Istio's merge; tags replace). */
export function effectiveTelemetry(istio: IstioConfig, workload: ProxyWorkload): EffectiveTelemetry {
  const ns = istio.namespaceOverrides.find((o) => o.namespace === workload.namespace);
  const wl = istio.workloadOverrides.find((o) => o.namespace === workload.namespace && o.app === workload.app);
  return {
    randomSamplingPercentage: wl?.randomSamplingPercentage ?? ns?.randomSamplingPercentage ?? istio.randomSamplingPercentage,
    customTags: wl?.customTags ?? ns?.customTags ?? istio.customTags,
    disableSpanReporting: wl?.disableSpanReporting ?? ns?.disableSpanReporting ?? false,
  };
}

/** The provider's Service as the proxy's cluster (`outbound|4317||jaeger-collector.<ns>.svc.cluster.local`). */
export function collectorCluster(
  istio: IstioConfig,
  observabilityNamespace: string,
): { name: string; fqdn: string; port: number; http2: boolean } {
  const { service, port } = providerAddress({ provider: istio.provider, observabilityNamespace });
  // `[<ns>/]<fqdn>`: the namespace prefix only scopes the lookup.
  const fqdn = service.includes('/') ? service.slice(service.indexOf('/') + 1) : service;
  const http2 = istio.provider.type === 'opentelemetry' && istio.provider.http === undefined;
  return { name: outboundClusterName(port, fqdn), fqdn, port, http2 };
}

/** Envoy `custom_tags` for the Telemetry tags (Envoy's `request_header` is Istio's `header`). */
export function envoyCustomTags(tags: Readonly<Record<string, CustomTagConfig>>): Record<string, unknown>[] {
  return Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([tag, t]) => {
      if ('literal' in t) return { tag, literal: { value: t.literal.value } };
      if ('environment' in t)
        return {
          tag,
          environment: {
            name: t.environment.name,
            ...(t.environment.defaultValue !== undefined ? { default_value: t.environment.defaultValue } : {}),
          },
        };
      return {
        tag,
        request_header: { name: t.header.name, ...(t.header.defaultValue !== undefined ? { default_value: t.header.defaultValue } : {}) },
      };
    });
}

/** Istio's own tags on every span (`enableIstioTags`, default on), as literal custom tags. */
export function istioTags(workload: ProxyWorkload): Record<string, unknown>[] {
  return [
    { tag: 'istio.canonical_revision', literal: { value: workload.version ?? 'latest' } },
    { tag: 'istio.canonical_service', literal: { value: workload.app } },
    { tag: 'istio.cluster_id', literal: { value: 'Kubernetes' } },
    { tag: 'istio.mesh_id', literal: { value: 'cluster.local' } },
    { tag: 'istio.namespace', literal: { value: workload.namespace } },
  ];
}

export interface TracingBlockOptions {
  readonly istio: IstioConfig;
  readonly observabilityNamespace: string;
  readonly workload: ProxyWorkload;
  /** The proxy's span service name (`<app>.<namespace>`). */
  readonly serviceName: string;
  /** Gateways (Istio ≥ 1.28) spawn an upstream span per routed request. */
  readonly spawnUpstreamSpan: boolean;
}

/** The tracer (`envoy.tracers.opentelemetry` or `envoy.tracers.zipkin`) configured as Istio's provider. */
export function tracingProvider(options: TracingBlockOptions): Record<string, unknown> {
  const { istio } = options;
  const cluster = collectorCluster(istio, options.observabilityNamespace);
  if (istio.provider.type === 'zipkin') {
    return {
      name: 'envoy.tracers.zipkin',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig',
        collector_cluster: cluster.name,
        collector_endpoint: '/api/v2/spans',
        collector_endpoint_version: 'HTTP_JSON',
        collector_hostname: cluster.fqdn,
        trace_id_128bit: true,
        // Istio: a CLIENT span in the caller's proxy and a SERVER span in the callee's, never one shared span.
        shared_span_context: false,
        ...(istio.provider.traceContextOption ? { trace_context_option: istio.provider.traceContextOption } : {}),
      },
    };
  }
  const http = istio.provider.http;
  return {
    name: 'envoy.tracers.opentelemetry',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig',
      ...(http
        ? {
            http_service: {
              http_uri: { uri: `http://${cluster.fqdn}:${cluster.port}${http.path}`, cluster: cluster.name, timeout: http.timeout },
            },
          }
        : { grpc_service: { envoy_grpc: { cluster_name: cluster.name, authority: cluster.fqdn } } }),
      service_name: options.serviceName,
    },
  };
}

/** The HCM `tracing` block; no provider when span reporting is disabled (request ids and decorators stay). */
export function hcmTracing(options: TracingBlockOptions): Record<string, unknown> {
  const telemetry = effectiveTelemetry(options.istio, options.workload);
  const maxTagLength = options.istio.provider.maxTagLength;
  return {
    // Istio: a decision that arrived (sampled flags, x-client-trace-id) is honoured; random sampling decides the rest.
    client_sampling: { value: 100 },
    random_sampling: { value: telemetry.randomSamplingPercentage },
    overall_sampling: { value: 100 },
    ...(maxTagLength !== undefined ? { max_path_tag_length: maxTagLength } : {}),
    custom_tags: [...envoyCustomTags(telemetry.customTags), ...istioTags(options.workload)],
    ...(options.spawnUpstreamSpan ? { spawn_upstream_span: true } : {}),
    ...(telemetry.disableSpanReporting ? {} : { provider: tracingProvider(options) }),
  };
}
