/**
 * Config section `hotrod`: Jaeger's HotROD demo, reached through Traefik at http://hotrod.localhost:8000.
 * @see https://github.com/jaegertracing/jaeger/tree/v2.20.0/examples/hotrod
 */
import { z } from 'zod';
import { dnsLabel, imageRef, requestsWithMemoryLimit } from './common';

export const hotrodSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Bump together with jaeger.image: HotROD span names follow its otelhttp version. */
  image: imageRef.default('jaegertracing/example-hotrod:2.20.0'),
  namespace: dnsLabel.default('hotrod'),
  /** Sidecar-inject HotROD (Istio must then propagate W3C end to end: HotROD reads traceparent only). */
  meshed: z.boolean().default(false),
  /** Non-zero UID/GID (the image runs as root otherwise). */
  runAsUser: z.number().int().min(1, { message: 'is 0 (root); allowed: a non-zero UID' }).default(65532),
  ingress: z
    .strictObject({
      /** IngressRoute (Traefik CRD), a plain Ingress (ingressClassName traefik), or none. */
      kind: z.enum(['IngressRoute', 'Ingress', 'none']).default('IngressRoute'),
      host: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'is not a lower-case DNS name; allowed: e.g. hotrod.localhost' })
        .default('hotrod.localhost'),
    })
    .prefault({}),
  resources: requestsWithMemoryLimit({ cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' }),
});
export type HotrodConfig = z.infer<typeof hotrodSchema>;
