/**
 * Config section `traefik`: the Traefik Helm values meshtrace writes to dist/install/traefik-values.yaml.
 * `mode: v3` (default) = chart 41.x / Traefik v3.7 with OTLP; `mode: v2` = chart 27.x / Traefik v2.11
 * with its Jaeger client (the seed tutorial's setup).
 * @see https://doc.traefik.io/traefik/reference/install-configuration/observability/tracing/
 */
import { z } from 'zod';
import { dnsLabel, requestsWithMemoryLimit } from './common';

const TRAEFIK_PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger', 'xray', 'ottrace', 'none'] as const;
/** Headers that carry credentials: capturing them would copy secrets into every span. */
const SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
];

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'is not an HTTP header name; allowed: a token such as X-Request-Id' })
  .refine((h) => !SECRET_HEADERS.includes(h.toLowerCase()), {
    message: `carries credentials and would be stored in every span; allowed: any header except ${SECRET_HEADERS.join(', ')}`,
  });

const nodePort = z
  .number()
  .int({ message: 'must be a whole number; allowed: 30000-32767' })
  .min(30000, { message: 'is below the NodePort range; allowed: 30000-32767' })
  .max(32767, { message: 'is above the NodePort range; allowed: 30000-32767' });

export const traefikSchema = z
  .strictObject({
    /** Write dist/install/traefik-values.yaml (and route HotROD through Traefik). */
    enabled: z.boolean().default(true),
    /** v3: chart 41.x, OTLP. v2: chart 27.x, Jaeger client (uber-trace-id/B3, no W3C). */
    mode: z.enum(['v3', 'v2']).default('v3'),
    /** Namespace the install command puts Traefik in. */
    namespace: dnsLabel.default('traefik'),
    /** `service.name` of Traefik's spans. */
    serviceName: z.string().min(1).default('traefik'),
    /** v3: share of root traces sampled (incoming sampled traceparents are always followed). */
    sampleRate: z
      .number()
      .min(0, { message: 'is below 0; allowed: 0-1' })
      .max(1, { message: 'is above 1; allowed: 0-1 (1 = every root trace)' })
      .default(1),
    /** v3: OTLP transport to the Jaeger collector; exactly one is enabled. */
    transport: z.enum(['grpc', 'http']).default('grpc'),
    /** v3: `detailed` adds Router/Service spans (the seed tutorial shows the router span). */
    traceVerbosity: z.enum(['minimal', 'detailed']).default('detailed'),
    /** v3: OTEL_PROPAGATORS; empty keeps Traefik's W3C default. Add b3multi when the mesh speaks B3. */
    propagators: z.array(z.enum(TRAEFIK_PROPAGATORS)).default([]),
    capturedRequestHeaders: z.array(headerName).default(['X-Request-Id']),
    capturedResponseHeaders: z.array(headerName).default([]),
    /** Query parameters Traefik does not redact. */
    safeQueryParams: z.array(z.string().min(1)).default([]),
    service: z
      .strictObject({
        type: z.enum(['NodePort', 'LoadBalancer', 'ClusterIP']).default('NodePort'),
        /** web entrypoint node port; kind maps it to hostPorts.traefikWeb. */
        webNodePort: nodePort.default(30080),
        websecureNodePort: nodePort.default(30443),
      })
      .prefault({}),
    /** Traefik container requests and memory limit (the chart sets none). */
    resources: requestsWithMemoryLimit({ cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' }),
    v2: z
      .strictObject({
        /**
         * collector: Thrift over HTTP to the jaeger-collector Service on 14268 (the stack then enables Jaeger's
         * thrift_http receiver). The tutorial's UDP agent (localAgentHostPort 6831) is not offered: the kit's
         * Jaeger Services publish no UDP port, and UDP drops spans silently when a batch exceeds a datagram.
         */
        reporter: z
          .enum(['collector'], {
            error: () => ({ message: 'is not supported; allowed: "collector" (Thrift over HTTP to jaeger-collector:14268)' }),
          })
          .default('collector'),
        propagation: z.enum(['jaeger', 'b3']).default('jaeger'),
        /** const (param 1 = trace all) or remote (follow Jaeger's strategies from samplingServerURL). */
        samplingType: z.enum(['const', 'probabilistic', 'rateLimiting', 'remote']).default('const'),
        samplingParam: z.number().min(0).default(1),
        imageTag: z
          .string()
          .regex(/^v2\.\d+\.\d+$/, { message: 'is not a Traefik v2 tag; allowed: e.g. v2.11.53' })
          .default('v2.11.53'),
      })
      .prefault({}),
  })
  .superRefine((t, ctx) => {
    if (t.service.webNodePort === t.service.websecureNodePort) {
      ctx.addIssue({
        code: 'custom',
        path: ['service', 'websecureNodePort'],
        input: t.service.websecureNodePort,
        message: 'equals webNodePort; allowed: two different ports in 30000-32767',
      });
    }
    if (t.mode === 'v2' && t.propagators.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['propagators'],
        input: t.propagators,
        message: 'only applies to mode v3 (OTEL_PROPAGATORS); allowed in mode v2: remove it and set v2.propagation (jaeger or b3)',
      });
    }
  });
export type TraefikConfig = z.infer<typeof traefikSchema>;
