/**
 * Config section `bookinfo`: Istio's Bookinfo demo app, kept identical to upstream.
 * @see https://istio.io/latest/docs/examples/bookinfo/
 */
import { z } from 'zod';
import { imageRef, resourcesSchema } from './common';

export const REVIEWS_VERSIONS = ['v1', 'v2', 'v3'] as const;
export const BOOKINFO_GATEWAYS = ['istio', 'gatewayApi', 'none'] as const;

export const bookinfoSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Registry path the `examples-bookinfo-*` images come from. */
    registry: z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, { message: 'is not a registry path; allowed: e.g. registry.istio.io/release or docker.io/istio' }).default('registry.istio.io/release'),
    /** One tag for every Bookinfo image (upstream releases them together). */
    tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: 'is not an image tag; allowed: e.g. 1.20.3' }).refine((t) => t !== 'latest', { message: 'is the moving tag "latest"; allowed: a pinned release such as 1.20.3' }).default('1.20.3'),
    /** Which reviews Deployments to run: v1 (no stars), v2 (black), v3 (red). */
    reviewsVersions: z
      .array(z.enum(REVIEWS_VERSIONS))
      .min(1, { message: 'is empty; allowed: one or more of v1, v2, v3' })
      .refine((v) => new Set(v).size === v.length, { message: 'lists a version twice; allowed: each of v1, v2, v3 at most once' })
      .default(['v1', 'v2', 'v3']),
    /** Ingress: Istio Gateway + VirtualService, Gateway API Gateway + HTTPRoute, or none. */
    gateway: z.enum(BOOKINFO_GATEWAYS).default('istio'),
    /** Pod labels of the ingress gateway the Istio Gateway binds to (Helm-installed gateways use istio: ingress). */
    gatewaySelector: z.record(z.string(), z.string()).default({ istio: 'ingressgateway' }),
    /** Requests/limits per Bookinfo container (reviews gets twice the memory: it is a JVM). */
    resources: resourcesSchema.default({ cpuRequest: '20m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' }),
    reviewsResources: resourcesSchema.default({ cpuRequest: '50m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '512Mi' }),
  })
  .superRefine((b, ctx) => {
    // A bad tag is reported on `tag` already; only a bad registry is worth a second line.
    if (b.tag === 'latest') return;
    for (const image of ['details-v1', 'ratings-v1', 'productpage-v1', 'reviews-v1']) {
      const ref = `${b.registry}/examples-bookinfo-${image}:${b.tag}`;
      const result = imageRef.safeParse(ref);
      if (!result.success) {
        ctx.addIssue({ code: 'custom', path: ['registry'], input: b.registry, message: `makes the image reference ${ref} invalid; allowed: a registry path such as registry.istio.io/release` });
        break;
      }
    }
  });
export type BookinfoConfig = z.infer<typeof bookinfoSchema>;

/** Image of one Bookinfo workload, e.g. `registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3`. */
export function bookinfoImage(config: Pick<BookinfoConfig, 'registry' | 'tag'>, workload: string): string {
  return `${config.registry}/examples-bookinfo-${workload}:${config.tag}`;
}
