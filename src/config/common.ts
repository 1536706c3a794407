/**
 * Building blocks shared by every config section: image references, Kubernetes names,
 * resource quantities. Each carries a message that says what is allowed, because the
 * loader prints it next to the field path and the bad value.
 */
import { z } from 'zod';

/** RFC 1123 label: what Kubernetes accepts as a namespace or Service name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace / object name (RFC 1123 label, 1-63 characters). */
export const dnsLabel = z
  .string()
  .min(1, { message: 'must not be empty; allowed: an RFC 1123 label (lower-case a-z, 0-9, "-", 1-63 characters)' })
  .max(63, { message: 'is longer than 63 characters; allowed: an RFC 1123 label of 1-63 characters' })
  .regex(DNS_LABEL, {
    message: 'is not an RFC 1123 label; allowed: lower-case a-z, 0-9 and "-", starting and ending with a letter or digit',
  });

/**
 * `[registry[:port]/]path[:tag][@sha256:<64 hex>]` with a tag or a digest, never `latest`:
 * reproducible labs need pinned images (a moving tag silently changes what a lab shows).
 */
const IMAGE_REF =
  /^(?:(?<registry>[a-zA-Z0-9.-]+(?::[0-9]+)?)\/)?(?<path>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Parses an image reference; `undefined` when it is not one. */
export function parseImageRef(ref: string): { registry?: string; path: string; tag?: string; digest?: string } | undefined {
  const m = IMAGE_REF.exec(ref);
  if (!m?.groups) return undefined;
  const { registry, path, tag, digest } = m.groups;
  // A first segment without a dot, colon or "localhost" is a Docker Hub namespace, not a registry.
  if (registry && !/[.:]/.test(registry) && registry !== 'localhost') {
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(registry)) return undefined;
    return { path: `${registry}/${path}`, tag, digest };
  }
  return { registry, path: path!, tag, digest };
}

export const imageRef = z.string().superRefine((value, ctx) => {
  const parsed = parseImageRef(value);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: 'is not an image reference; allowed: [registry/]name:tag or name@sha256:<digest>' });
  } else if (!parsed.tag && !parsed.digest) {
    ctx.addIssue({ code: 'custom', message: 'has no tag or digest; allowed: a pinned image such as jaegertracing/jaeger:2.20.0' });
  } else if (parsed.tag === 'latest' && !parsed.digest) {
    ctx.addIssue({ code: 'custom', message: 'uses the moving tag "latest"; allowed: a pinned version tag or a sha256 digest' });
  }
});

/** Kubernetes CPU quantity such as `100m` or `1`. */
export const cpuQuantity = z
  .string()
  .regex(/^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/, { message: 'is not a CPU quantity; allowed: millicores like "100m" or cores like "0.5"' });

/** Kubernetes memory quantity such as `128Mi` or `1Gi`. */
export const memoryQuantity = z
  .string()
  .regex(/^[0-9]+(Mi|Gi)$/, { message: 'is not a memory quantity; allowed: a whole number of Mi or Gi, like "128Mi" or "1Gi"' });

/** Requests and limits of one container. Both are always emitted (cdk8s-plus drops limits otherwise). */
export const resourcesSchema = z.strictObject({
  cpuRequest: cpuQuantity,
  cpuLimit: cpuQuantity,
  memoryRequest: memoryQuantity,
  memoryLimit: memoryQuantity,
});
export type ResourcesConfig = z.infer<typeof resourcesSchema>;

/**
 * CPU and memory requests plus a memory limit, with defaults — no CPU limit, for workloads whose chart or
 * upstream manifest sets none (a CPU limit only throttles; memory is what must be bounded).
 */
export function requestsWithMemoryLimit(defaults: { cpuRequest: string; memoryRequest: string; memoryLimit: string }) {
  return z
    .strictObject({
      cpuRequest: cpuQuantity.default(defaults.cpuRequest),
      memoryRequest: memoryQuantity.default(defaults.memoryRequest),
      memoryLimit: memoryQuantity.default(defaults.memoryLimit),
    })
    .prefault({});
}

/** Replica count: a whole number from 1 to 100. */
export const replicas = z.number().int({ message: 'must be a whole number; allowed: 1-100' }).min(1).max(100);

/** A TCP port number (1-65535). */
export const portNumber = z.number().int({ message: 'must be a whole number; allowed: 1-65535' }).min(1).max(65535);

/** A percentage with Istio's 0.01 steps. */
export const percentage = z.number().min(0).max(100);

/** An http(s) URL (storage endpoints). */
export const httpUrl = z.string().regex(/^https?:\/\/[^\s/:]+(:[0-9]{1,5})?(\/\S*)?$/, {
  message: 'is not an http(s) URL; allowed: http://host:port or https://host:port',
});

/** A host:port endpoint (Cassandra contact points). */
export const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, { message: 'is not host:port; allowed: e.g. cassandra.db.svc.cluster.local:9042' });
