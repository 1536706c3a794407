/**
 * The tracing doctor's catalogue: the known "tracing doesn't work" misconfigurations, each with a
 * stable id, why it breaks tracing, the fix and the upstream issue that documents it. docs/check.md
 * renders this table; a test keeps the two in step.
 */
import type { Finding } from '../finding';
import type { CheckContext } from '../context';

export interface DoctorRuleInfo {
  readonly id: string;
  readonly name: string;
  /** What the rule looks for. */
  readonly what: string;
  /** Why it breaks tracing. */
  readonly why: string;
  readonly fix: string;
  /** Upstream issue (or doc) that shows the failure. */
  readonly link: string;
}

export interface DoctorRule extends DoctorRuleInfo {
  run(ctx: CheckContext): Finding[];
}

export const CATALOGUE: Record<string, DoctorRuleInfo> = {
  MT001: {
    id: 'MT001',
    name: 'istio-sampling-default',
    what: 'Istio is configured but no Telemetry sets randomSamplingPercentage and no traceSampling / PILOT_TRACE_SAMPLING is set',
    why: 'Envoy then samples 1% of the requests that arrive without a sampling decision: about 100 requests pass before one trace shows up',
    fix: 'add a mesh-wide Telemetry in istio-system with tracing[0].randomSamplingPercentage (e.g. 100 for labs), or set values.pilot.traceSampling',
    link: 'https://github.com/istio/istio/issues/11976',
  },
  MT002: {
    id: 'MT002',
    name: 'telemetry-provider-unknown',
    what: 'a Telemetry (or defaultProviders.tracing) names a provider that is not in meshConfig.extensionProviders, or a tracing entry has no provider and there is no default',
    why: 'istiod resolves no provider and turns tracing off for the selected proxies, silently; an unknown name even overrides a valid default',
    fix: 'use the exact name of a tracing-capable extensionProviders entry, or set meshConfig.defaultProviders.tracing',
    link: 'https://github.com/istio/istio/issues/56180',
  },
  MT003: {
    id: 'MT003',
    name: 'provider-service-unresolved',
    what: "an extension provider's service is not a fully qualified Service name, is not a Service of the folder, or its port is not on that Service",
    why: 'istiod looks the provider up in its service registry by FQDN; when it is missing istiod logs "could not find service … in Istio service registry" and the proxies send no spans',
    fix: "write service as <name>.<namespace>.svc.cluster.local and port as one of that Service's ports",
    link: 'https://github.com/istio/istio/issues/37829',
  },
  MT004: {
    id: 'MT004',
    name: 'service-port-protocol',
    what: 'a Service port is neither named <protocol>[-<suffix>] (http, http2, https, grpc, grpc-web, tcp, tls, …) nor has appProtocol',
    why: 'Istio falls back to protocol sniffing; when it fails the traffic is proxied as TCP and the hop produces no HTTP spans (missing inbound spans, broken traces)',
    fix: 'name the port http-<x> / grpc-<x> or set appProtocol: http | http2 | grpc',
    link: 'https://github.com/istio/istio/issues/6316',
  },
  MT005: {
    id: 'MT005',
    name: 'otlp-port-protocol',
    what: 'OTLP/HTTP exporters pointed at 4317, OTLP/gRPC at 4318 (env, relay flags, Istio provider, Traefik), HotROD at 4317, a Traefik gRPC endpoint with a scheme or an HTTP one without, both Traefik transports on, otlp enabled with no transport, or gRPC insecure together with tls.*',
    why: 'the collector rejects the other protocol ("bogus greeting", "unknown service TraceService"); Traefik with no transport exports to https://localhost:4318 and with both uses only gRPC',
    fix: 'OTLP/gRPC → host:4317 (Traefik: no scheme, insecure: true); OTLP/HTTP → http://host:4318 (path /v1/traces); enable exactly one Traefik transport',
    link: 'https://github.com/jaegertracing/jaeger/issues/4858',
  },
  MT006: {
    id: 'MT006',
    name: 'collector-listens-on-localhost',
    what: 'a Jaeger v2 / OTel Collector config whose receivers or health check have no endpoint (defaults to localhost) or bind localhost / 127.0.0.1',
    why: 'since OTel Collector 0.104 the default bind is localhost: senders in other pods get "connection refused" and kubelet probes fail',
    fix: 'set every receiver and healthcheckv2 endpoint to 0.0.0.0:<port> (or ${env:JAEGER_LISTEN_HOST:-0.0.0.0}:<port>)',
    link: 'https://github.com/jaegertracing/jaeger/issues/6207',
  },
  MT007: {
    id: 'MT007',
    name: 'split-over-local-storage',
    what: 'Jaeger collector and query run in different processes (or one config runs several replicas) over memory or badger storage',
    why: 'memory and badger live inside one process: the query process reads an empty store, the UI shows only jaeger-query',
    fix: 'run one all-in-one replica, or point both roles at shared storage (Elasticsearch/OpenSearch/Cassandra) or jaeger-remote-storage via the grpc backend',
    link: 'https://github.com/jaegertracing/jaeger/issues/3835',
  },
  MT008: {
    id: 'MT008',
    name: 'propagation-format-mismatch',
    what: 'a hop that injects only B3 in front of a W3C-only app (HotROD reads only traceparent), or a hop that sends the single b3 header into Envoy',
    why: 'the app starts a new trace instead of continuing the B3 one; Envoy extracts single b3 but re-injects multi-header B3, flattening parent/child across hops',
    fix: 'add tracecontext to the hop (OTEL_PROPAGATORS=tracecontext,baggage,b3multi; Zipkin provider traceContextOption: USE_B3_WITH_W3C_PROPAGATION); use b3multi, not b3, in front of Envoy',
    link: 'https://github.com/envoyproxy/envoy/issues/47515',
  },
  MT009: {
    id: 'MT009',
    name: 'foreign-x-request-id',
    what: 'an edge proxy in front of the mesh adds its own x-request-id (Traefik headers middleware, ingress-nginx) while useRequestIdForTraceSampling stays on',
    why: 'Envoy reads its sampling decision from x-request-id; a non-Envoy UUID makes it mark requests x-b3-sampled: 0, so no traces are kept',
    fix: 'stop adding x-request-id at the edge, or set useRequestIdForTraceSampling: false in the mesh-wide Telemetry',
    link: 'https://github.com/istio/istio/issues/17973',
  },
  MT010: {
    id: 'MT010',
    name: 'traefik-stale-values',
    what: 'Traefik v2 tracing keys (tracing.jaeger, tracing.zipkin, …) under a v3 chart, or service.type instead of service.spec.type on chart ≥ 40',
    why: 'Traefik v3 only speaks OTLP: v2 vendor keys fail with "field not found, node: jaeger" or are ignored; service.type is silently ignored and the Service stays LoadBalancer',
    fix: 'use tracing.otlp.grpc / tracing.otlp.http; write the Service type as service.spec.type',
    link: 'https://github.com/traefik/traefik/issues/10461',
  },
  MT011: {
    id: 'MT011',
    name: 'collector-unreachable',
    what: 'the trace collector is in the mesh under STRICT mTLS while some senders are not, or a NetworkPolicy on the collector does not admit a sender',
    why: 'un-meshed senders (Traefik, un-injected apps) speak plaintext and are refused under STRICT; kind enforces NetworkPolicy, so blocked spans are dropped silently',
    fix: 'keep the collector out of the mesh (sidecar.istio.io/inject: "false") or make its OTLP ports PERMISSIVE; allow every sender namespace on 4317/4318 in the NetworkPolicy',
    link: 'https://istio.io/latest/docs/concepts/security/#peer-authentication',
  },
  MT012: {
    id: 'MT012',
    name: 'credentials-in-spans',
    what: 'Istio customTags (header or formatter) or Traefik capturedRequestHeaders/capturedResponseHeaders that copy Authorization, Cookie, Set-Cookie, API keys or tokens; relay span attributes or Istio literal tags whose key or value is a credential, e-mail or card number',
    why: 'every span then carries the credential into the trace store, readable by anyone with access to the (unauthenticated) Jaeger UI',
    fix: 'remove the tag / captured header; capture a non-secret header (e.g. x-request-id) instead',
    link: 'https://opentelemetry.io/docs/specs/semconv/http/http-spans/',
  },
};
