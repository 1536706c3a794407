/**
 * Config section `multicluster`: this cluster is one of several whose spans meet in one central
 * Jaeger. With `clusterName` and `centralCollector` set, the cluster runs no Jaeger of its own but
 * an edge collector under the stable Service name `jaeger-collector`, so every provider (Istio,
 * Traefik, relay, HotROD) sends to it unchanged; it stamps `k8s.cluster.name` on every span's
 * resource and forwards OTLP to the central collector.
 * @see https://opentelemetry.io/docs/collector/deployment/gateway/
 */
import { z } from 'zod';
import { DNS_LABEL, imageRef, replicas, resourcesSchema } from './common';
import { secretKeyRefWithDefaultKey } from './secret-ref';

export const CENTRAL_PROTOCOLS = ['grpc', 'http'] as const;

export const multiclusterSchema = z.strictObject({
  /** This cluster's name, written as resource attribute `k8s.cluster.name`. */
  clusterName: z
    .string()
    .max(63)
    .regex(DNS_LABEL, { message: 'is not a cluster name; allowed: an RFC 1123 label (lower-case a-z, 0-9, "-")' })
    .optional(),
  centralCollector: z
    .strictObject({
      /** grpc: `host:port` (4317); http: `http(s)://host:port` (4318). */
      endpoint: z.string().min(1),
      protocol: z.enum(CENTRAL_PROTOCOLS).default('grpc'),
      tls: z
        .strictObject({
          /** false = plaintext (only inside a private network, e.g. two kind clusters on one host). */
          enabled: z.boolean().default(true),
          /** CA of the central collector's certificate (Secret in the observability namespace); unset = system roots. */
          ca: secretKeyRefWithDefaultKey('ca.crt').optional(),
          insecureSkipVerify: z.boolean().default(false),
        })
        .prefault({}),
    })
    .optional(),
  edge: z
    .strictObject({
      /** OpenTelemetry Collector contrib distribution (resource processor, health_check, OTLP exporters). */
      image: imageRef.default('otel/opentelemetry-collector-contrib:0.155.0'),
      replicas: replicas.default(2),
      resources: resourcesSchema.default({ cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
    })
    .prefault({}),
});
export type MulticlusterConfig = z.infer<typeof multiclusterSchema>;

/**
 * The config `synth --cluster NAME --central-collector ENDPOINT` stands for. An endpoint with a
 * scheme is OTLP/HTTP (TLS from the scheme); `host:port` is OTLP/gRPC with TLS on (the file can
 * turn it off: `multicluster.centralCollector.tls.enabled: false`).
 */
export function multiclusterOverrides(cluster: string | undefined, central: string | undefined): Record<string, unknown> | undefined {
  if (cluster === undefined && central === undefined) return undefined;
  const http = central !== undefined && /^https?:\/\//.test(central);
  return {
    multicluster: {
      ...(cluster === undefined ? {} : { clusterName: cluster }),
      ...(central === undefined
        ? {}
        : {
            centralCollector: {
              endpoint: central,
              protocol: http ? 'http' : 'grpc',
              ...(central.startsWith('http://') ? { tls: { enabled: false } } : {}),
            },
          }),
    },
  };
}
