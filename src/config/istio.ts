/**
 * Config section `istio`: the mesh tracing provider, the mesh-wide Telemetry and the installer inputs.
 * @see https://istio.io/latest/docs/reference/config/telemetry/
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider
 */
import { z } from 'zod';
import { dnsLabel, percentage, portNumber } from './common';

export const PROVIDER_TYPES = ['opentelemetry', 'zipkin'] as const;
export const TRACE_CONTEXT_OPTIONS = ['USE_B3', 'USE_B3_WITH_W3C_PROPAGATION'] as const;

/**
 * Request headers that carry credentials. A `header` custom tag copies the value into every span,
 * so these would leak tokens into the trace store (no credentials in spans).
 */
export const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'jwt',
] as const;

const customTagSchema = z.union(
  [
    z.strictObject({ literal: z.strictObject({ value: z.string() }) }),
    z.strictObject({ environment: z.strictObject({ name: z.string().min(1), defaultValue: z.string().optional() }) }),
    z.strictObject({ header: z.strictObject({ name: z.string().min(1), defaultValue: z.string().optional() }) }),
  ],
  {
    error: () => ({
      message:
        'is not a custom tag; allowed: exactly one of {literal: {value}}, {environment: {name, defaultValue?}}, {header: {name, defaultValue?}}',
    }),
  },
);
export type CustomTagConfig = z.infer<typeof customTagSchema>;

const tagName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, { message: 'is not a tag name; allowed: letters, digits, "_", "." and "-" (1-128)' });
const customTags = z.record(tagName, customTagSchema).default({});

export const istioSchema = z
  .strictObject({
    /** Istio release the installer inputs target. */
    version: z
      .string()
      .regex(/^1\.[0-9]+\.[0-9]+$/, { message: 'is not an Istio release; allowed: 1.x.y, e.g. 1.30.3' })
      .default('1.30.3'),
    provider: z
      .strictObject({
        /** `extensionProviders[].name`, referenced by every Telemetry. */
        name: dnsLabel.default('jaeger'),
        type: z.enum(PROVIDER_TYPES).default('opentelemetry'),
        /** `[<ns>/]<FQDN>` of the collector Service. @default jaeger-collector.<observability>.svc.cluster.local */
        service: z
          .string()
          .regex(/^([a-z0-9-]+\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
            message: 'is not a service host; allowed: <name>.<namespace>.svc.cluster.local',
          })
          .optional(),
        /** @default 4317 for opentelemetry, 9411 for zipkin */
        port: portNumber.optional(),
        /**
         * OpenTelemetry only: send OTLP/HTTP (protobuf) to `path` instead of OTLP/gRPC; the default port becomes 4318.
         * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider-OpenTelemetryTracingProvider-HttpService
         */
        http: z
          .strictObject({
            path: z
              .string()
              .regex(/^\/[A-Za-z0-9._~\/-]*$/, { message: 'is not a URL path; allowed: an absolute path such as /v1/traces' })
              .default('/v1/traces'),
            timeout: z
              .string()
              .regex(/^[0-9]+(ms|s)$/, { message: 'is not a duration; allowed: whole ms or s, e.g. 3s' })
              .default('3s'),
          })
          .optional(),
        /** Zipkin only: also read/write W3C traceparent. */
        traceContextOption: z.enum(TRACE_CONTEXT_OPTIONS).optional(),
        maxTagLength: z.number().int().min(1).max(65536).optional(),
      })
      .prefault({}),
    /** Mesh-wide sampling. Always written out: Istio's own fallback is a silent 1 %. */
    randomSamplingPercentage: percentage.default(100),
    customTags,
    /** Per-namespace Telemetry objects overriding the mesh-wide one. */
    namespaceOverrides: z
      .array(
        z.strictObject({
          namespace: dnsLabel,
          randomSamplingPercentage: percentage.optional(),
          customTags: z.record(tagName, customTagSchema).optional(),
          disableSpanReporting: z.boolean().optional(),
        }),
      )
      .default([]),
    /**
     * Per-workload Telemetry objects (selector on the pod's `app` label) overriding their
     * namespace's (and the mesh's) sampling and tags for that workload only.
     * @see https://istio.io/latest/docs/tasks/observability/telemetry/#workload-selection-policies
     */
    workloadOverrides: z
      .array(
        z.strictObject({
          namespace: dnsLabel,
          /** Value of the pods' `app` label, e.g. `reviews`. */
          app: dnsLabel,
          randomSamplingPercentage: percentage.optional(),
          customTags: z.record(tagName, customTagSchema).optional(),
          disableSpanReporting: z.boolean().optional(),
        }),
      )
      .default([]),
    /** IstioOperator `spec.profile` for `istioctl install -f`. */
    installProfile: z.enum(['default', 'demo', 'minimal']).default('default'),
    ingressGateway: z
      .strictObject({
        /** NodePort so kind's extraPortMappings reach it; LoadBalancer stays pending on kind. */
        serviceType: z.enum(['NodePort', 'LoadBalancer', 'ClusterIP']).default('NodePort'),
        httpNodePort: z.number().int().min(30000).max(32767).default(30081), // 30080 is Traefik web (shared notes §5)
        httpsNodePort: z.number().int().min(30000).max(32767).default(30444), // 30443 is Traefik websecure
      })
      .prefault({}),
  })
  .superRefine((istio, ctx) => {
    const checkTags = (tags: Record<string, CustomTagConfig> | undefined, path: (string | number)[]) => {
      for (const [name, tag] of Object.entries(tags ?? {})) {
        if ('header' in tag && (CREDENTIAL_HEADERS as readonly string[]).includes(tag.header.name.toLowerCase())) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, name, 'header', 'name'],
            input: tag.header.name,
            message: `would copy credentials into every span; allowed: any header except ${CREDENTIAL_HEADERS.join(', ')}`,
          });
        }
      }
    };
    checkTags(istio.customTags, ['customTags']);
    istio.namespaceOverrides.forEach((o, i) => checkTags(o.customTags, ['namespaceOverrides', i, 'customTags']));
    istio.workloadOverrides.forEach((o, i) => checkTags(o.customTags, ['workloadOverrides', i, 'customTags']));
    const workloads = new Set<string>();
    istio.workloadOverrides.forEach((o, i) => {
      const key = `${o.namespace}/${o.app}`;
      if (workloads.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['workloadOverrides', i, 'app'],
          input: o.app,
          message: `appears twice in namespace ${o.namespace}; allowed: one override per workload (two Telemetry objects selecting the same pods conflict)`,
        });
      workloads.add(key);
      if (o.randomSamplingPercentage === undefined && o.customTags === undefined && o.disableSpanReporting === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['workloadOverrides', i],
          input: o,
          message: 'overrides nothing; allowed: set randomSamplingPercentage, customTags or disableSpanReporting',
        });
      }
    });
    if (istio.provider.http && istio.provider.type !== 'opentelemetry') {
      ctx.addIssue({
        code: 'custom',
        path: ['provider', 'http'],
        input: istio.provider.http,
        message: 'only applies to the opentelemetry provider; allowed: remove it, or set provider.type: opentelemetry',
      });
    }
    if (istio.provider.traceContextOption && istio.provider.type !== 'zipkin') {
      ctx.addIssue({
        code: 'custom',
        path: ['provider', 'traceContextOption'],
        input: istio.provider.traceContextOption,
        message: 'only applies to the zipkin provider; allowed: remove it, or set provider.type: zipkin',
      });
    }
    const seen = new Set<string>();
    istio.namespaceOverrides.forEach((o, i) => {
      if (seen.has(o.namespace))
        ctx.addIssue({
          code: 'custom',
          path: ['namespaceOverrides', i, 'namespace'],
          input: o.namespace,
          message: 'appears twice; allowed: one override per namespace (Istio applies only one namespace-wide Telemetry)',
        });
      seen.add(o.namespace);
    });
    if (istio.ingressGateway.httpNodePort === istio.ingressGateway.httpsNodePort) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingressGateway', 'httpsNodePort'],
        input: istio.ingressGateway.httpsNodePort,
        message: 'equals httpNodePort; allowed: two different ports in 30000-32767',
      });
    }
  });
export type IstioConfig = z.infer<typeof istioSchema>;
