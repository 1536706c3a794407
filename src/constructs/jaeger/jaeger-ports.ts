/**
 * Jaeger v2 ports and the Service port names the kit publishes (DESIGN contract). Names carry the
 * protocol prefix Istio's protocol selection needs (`grpc-*`, `http-*`).
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export const JAEGER_PORTS = {
  otlpGrpc: 4317,
  otlpHttp: 4318,
  zipkin: 9411,
  samplingHttp: 5778,
  samplingGrpc: 5779,
  queryHttp: 16686,
  queryGrpc: 16685,
  health: 13133,
  metrics: 8888,
  remoteStorage: 17271,
  remoteStorageAdmin: 17270,
  /** Legacy Jaeger receiver `jaeger.protocols.thrift_http` (POST /api/traces): Traefik v2's Jaeger client. */
  jaegerThriftHttp: 14268,
} as const;

/** Stable Service names other parts dial. */
export const JAEGER_COLLECTOR_SERVICE = 'jaeger-collector';
export const JAEGER_QUERY_SERVICE = 'jaeger-query';
export const JAEGER_REMOTE_STORAGE_SERVICE = 'jaeger-remote-storage';
/** The multi-cluster edge collector's Deployment (it serves `jaeger-collector` in a cluster without Jaeger). */
export const EDGE_COLLECTOR_DEPLOYMENT = 'edge-collector';

export interface NamedPort {
  readonly name: string;
  readonly port: number;
}

/** Ports of the `jaeger-collector` Service. */
export const COLLECTOR_SERVICE_PORTS: readonly NamedPort[] = [
  { name: 'grpc-otlp', port: JAEGER_PORTS.otlpGrpc },
  { name: 'http-otlp', port: JAEGER_PORTS.otlpHttp },
  { name: 'http-zipkin', port: JAEGER_PORTS.zipkin },
  { name: 'http-sampling', port: JAEGER_PORTS.samplingHttp },
  { name: 'grpc-sampling', port: JAEGER_PORTS.samplingGrpc },
];

/** The Jaeger-protocol receiver port, published only when a sender needs it (Traefik v2 mode). */
export const JAEGER_THRIFT_HTTP_PORT: NamedPort = { name: 'http-thrift', port: JAEGER_PORTS.jaegerThriftHttp };

/** Ports of the `jaeger-query` Service. */
export const QUERY_SERVICE_PORTS: readonly NamedPort[] = [
  { name: 'http-query', port: JAEGER_PORTS.queryHttp },
  { name: 'grpc-query', port: JAEGER_PORTS.queryGrpc },
];

/** Ports only scraped/probed inside the pod (not on the Services). */
export const ADMIN_PORTS: readonly NamedPort[] = [
  { name: 'http-health', port: JAEGER_PORTS.health },
  { name: 'http-metrics', port: JAEGER_PORTS.metrics },
];
