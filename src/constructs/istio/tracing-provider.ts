/**
 * The mesh `extensionProviders` entry that sends Envoy's spans to Jaeger. Pure.
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider
 */
import { JAEGER_COLLECTOR_SERVICE, JAEGER_PORTS } from '../jaeger/jaeger-ports';

/** The mesh's tracing provider: where Envoy sends spans, and how. */
export interface IstioTracingProvider {
  /**
   * `extensionProviders[].name`, which every Telemetry references.
   * @default 'jaeger'
   */
  readonly name?: string;
  /**
   * `opentelemetry` (OTLP) or `zipkin`.
   * @default 'opentelemetry'
   */
  readonly type?: 'opentelemetry' | 'zipkin';
  /**
   * `[<ns>/]<FQDN>` of the collector Service.
   * @default - jaeger-collector.<observabilityNamespace>.svc.cluster.local
   */
  readonly service?: string;
  /**
   * Collector port.
   * @default - 4317 for opentelemetry (4318 with `http`), 9411 for zipkin
   */
  readonly port?: number;
  /**
   * OpenTelemetry only: send OTLP/HTTP (protobuf) instead of OTLP/gRPC.
   * @default - OTLP/gRPC
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider-OpenTelemetryTracingProvider-HttpService
   */
  readonly http?: {
    /** @default '/v1/traces' */
    readonly path?: string;
    /** @default '3s' */
    readonly timeout?: string;
  };
  /**
   * Zipkin only: also read/write W3C traceparent.
   * @default - B3 only
   */
  readonly traceContextOption?: 'USE_B3' | 'USE_B3_WITH_W3C_PROPAGATION';
  /**
   * Longest tag value Envoy records.
   * @default - Istio's default
   */
  readonly maxTagLength?: number;
}

export interface TracingProviderOptions {
  readonly provider: IstioTracingProvider;
  /** Namespace of `jaeger-collector`, for the default service FQDN. */
  readonly observabilityNamespace: string;
}

/** FQDN and port the provider sends to (OTLP/gRPC 4317, OTLP/HTTP 4318, Zipkin 9411 unless set). */
export function providerAddress(options: TracingProviderOptions): { service: string; port: number } {
  const { provider } = options;
  return {
    service: provider.service ?? `${JAEGER_COLLECTOR_SERVICE}.${options.observabilityNamespace}.svc.cluster.local`,
    port:
      provider.port ?? (provider.type === 'zipkin' ? JAEGER_PORTS.zipkin : provider.http ? JAEGER_PORTS.otlpHttp : JAEGER_PORTS.otlpGrpc),
  };
}

/** One `meshConfig.extensionProviders[]` entry. */
export function tracingExtensionProvider(options: TracingProviderOptions): Record<string, unknown> {
  const { provider } = options;
  const address = providerAddress(options);
  const common = { ...address, ...(provider.maxTagLength !== undefined ? { maxTagLength: provider.maxTagLength } : {}) };
  if (provider.type === 'zipkin') {
    return {
      name: provider.name ?? 'jaeger',
      zipkin: { ...common, ...(provider.traceContextOption ? { traceContextOption: provider.traceContextOption } : {}) },
    };
  }
  return {
    name: provider.name ?? 'jaeger',
    opentelemetry: {
      ...common,
      ...(provider.http ? { http: { path: provider.http.path ?? '/v1/traces', timeout: provider.http.timeout ?? '3s' } } : {}),
    },
  };
}
