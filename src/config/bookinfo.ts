/**
 * Config section `bookinfo`: Istio's Bookinfo demo app, kept identical to upstream.
 * @see https://istio.io/latest/docs/examples/bookinfo/
 */
import { z } from 'zod';
import { BOOKINFO_SERVICES, bookinfoImage, DEFAULT_BOOKINFO_REGISTRY, DEFAULT_BOOKINFO_TAG } from '../constructs/apps/bookinfo-images';
import { imageRef, resourcesSchema } from './common';

export const REVIEWS_VERSIONS = ['v1', 'v2', 'v3'] as const;
export const BOOKINFO_GATEWAYS = ['istio', 'gatewayApi', 'none'] as const;

const faultPercentage = z
  .number()
  .gt(0, { message: 'is 0 or below; allowed: more than 0 and at most 100 (percent of matching requests)' })
  .max(100, { message: 'is above 100; allowed: more than 0 and at most 100 (percent of matching requests)' })
  .default(100);

/**
 * One Istio fault on the calls to a Bookinfo Service, as in Istio's fault-injection task: a fixed
 * delay and/or an HTTP abort, for everyone or only for the requests of one signed-in user (productpage
 * forwards the `end-user` header once a user signs in).
 * @see https://istio.io/latest/docs/tasks/traffic-management/fault-injection/
 */
const faultSchema = z
  .strictObject({
    service: z.enum(BOOKINFO_SERVICES),
    /** Only requests whose `end-user` header is this user; omit for every request. */
    user: z
      .string()
      .regex(/^[A-Za-z0-9._@-]{1,64}$/, {
        message: 'is not a Bookinfo user name; allowed: 1-64 letters, digits, ".", "_", "@", "-" (e.g. jason)',
      })
      .optional(),
    delay: z
      .strictObject({
        /** Istio duration: whole ms or s, e.g. `7s`, `300ms` (Istio rejects fractions below 1 ms). */
        fixedDelay: z
          .string()
          .regex(/^[1-9][0-9]*(ms|s)$/, { message: 'is not a fixed delay; allowed: a whole number of ms or s, e.g. 7s or 300ms' }),
        percentage: faultPercentage,
      })
      .optional(),
    abort: z
      .strictObject({
        httpStatus: z
          .number()
          .int()
          .min(200, { message: 'is not an HTTP status Envoy can abort with; allowed: 200-599 (e.g. 500, 503)' })
          .max(599, { message: 'is not an HTTP status; allowed: 200-599 (e.g. 500, 503)' }),
        percentage: faultPercentage,
      })
      .optional(),
  })
  .refine((f) => f.delay !== undefined || f.abort !== undefined, {
    message: 'has neither delay nor abort; allowed: delay: {fixedDelay}, abort: {httpStatus}, or both',
  });
export type BookinfoFaultConfig = z.infer<typeof faultSchema>;

export const bookinfoSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Registry path the `examples-bookinfo-*` images come from. */
    registry: z
      .string()
      .regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, {
        message: 'is not a registry path; allowed: e.g. registry.istio.io/release or docker.io/istio',
      })
      .default(DEFAULT_BOOKINFO_REGISTRY),
    /** One tag for every Bookinfo image (upstream releases them together). */
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: 'is not an image tag; allowed: e.g. 1.20.3' })
      .refine((t) => t !== 'latest', { message: 'is the moving tag "latest"; allowed: a pinned release such as 1.20.3' })
      .default(DEFAULT_BOOKINFO_TAG),
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
    /** Istio fault injection (labs: performance and error tracking); one entry per Service. */
    faults: z.array(faultSchema).default([]),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.faults.forEach((f, i) => {
      // One mesh VirtualService per host: Istio merges several unpredictably, so a second entry is a config error.
      if (seen.has(f.service))
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i, 'service'],
          input: f.service,
          message: 'has a fault already; allowed: one entry per Service (put delay and abort in the same entry)',
        });
      seen.add(f.service);
    });
    // A bad tag is reported on `tag` already; only a bad registry is worth a second line.
    if (b.tag === 'latest') return;
    for (const image of ['details-v1', 'ratings-v1', 'productpage-v1', 'reviews-v1']) {
      const ref = bookinfoImage(b, image);
      const result = imageRef.safeParse(ref);
      if (!result.success) {
        ctx.addIssue({
          code: 'custom',
          path: ['registry'],
          input: b.registry,
          message: `makes the image reference ${ref} invalid; allowed: a registry path such as registry.istio.io/release`,
        });
        break;
      }
    }
  });
export type BookinfoConfig = z.infer<typeof bookinfoSchema>;
