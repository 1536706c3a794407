/**
 * The mesh `extensionProviders` entry that sends Envoy's spans to Jaeger. Pure.
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider
 */
import type { IstioConfig } from '../../config/istio';
import { JAEGER_COLLECTOR_SERVICE, JAEGER_PORTS } from '../jaeger/jaeger-ports';

export interface TracingProviderOptions {
  readonly provider: IstioConfig['provider'];
  /** Namespace of `jaeger-collector`, for the default service FQDN. */
  readonly observabilityNamespace: string;
}

/** FQDN and port the provider sends to (OTLP/gRPC 4317, OTLP/HTTP 4318, Zipkin 9411 unless set). */
export function providerAddress(options: TracingProviderOptions): { service: string; port: number } {
  const { provider } = options;
  return {
    service: provider.service ?? `${JAEGER_COLLECTOR_SERVICE}.${options.observabilityNamespace}.svc.cluster.local`,
    port: provider.port ?? (provider.type === 'zipkin' ? JAEGER_PORTS.zipkin : provider.http ? JAEGER_PORTS.otlpHttp : JAEGER_PORTS.otlpGrpc),
  };
}

/** One `meshConfig.extensionProviders[]` entry. */
export function tracingExtensionProvider(options: TracingProviderOptions): Record<string, unknown> {
  const { provider } = options;
  const address = providerAddress(options);
  const common = { ...address, ...(provider.maxTagLength !== undefined ? { maxTagLength: provider.maxTagLength } : {}) };
  if (provider.type === 'zipkin') {
    return { name: provider.name, zipkin: { ...common, ...(provider.traceContextOption ? { traceContextOption: provider.traceContextOption } : {}) } };
  }
  return { name: provider.name, opentelemetry: { ...common, ...(provider.http ? { http: { path: provider.http.path, timeout: provider.http.timeout } } : {}) } };
}
