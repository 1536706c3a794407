/**
 * Config section `jaeger`: Jaeger v2 image, topology, storage, sampling strategies.
 * @see https://www.jaegertracing.io/docs/2.20/deployment/
 */
import { z } from 'zod';
import { hostPort, httpUrl, imageRef, memoryQuantity, replicas, resourcesSchema } from './common';

export const JAEGER_TOPOLOGIES = ['allInOne', 'split'] as const;
export const JAEGER_STORAGE_TYPES = ['memory', 'remoteStorage', 'elasticsearch', 'opensearch', 'cassandra'] as const;

const maxTraces = z.number().int({ message: 'must be a whole number; allowed: 1000-10000000' }).min(1000).max(10_000_000);

const memoryStorage = z.strictObject({
  type: z.literal('memory'),
  /** Bounded so a busy lab cannot eat the node's memory. */
  maxTraces: maxTraces.default(100_000),
});

const remoteStorage = z.strictObject({
  type: z.literal('remoteStorage'),
  image: imageRef.default('jaegertracing/jaeger-remote-storage:2.20.0'),
  maxTraces: maxTraces.default(100_000),
  resources: resourcesSchema.default({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
});

/** One in-cluster single-node OpenSearch for labs (no security plugin, ephemeral by default). */
const inClusterOpenSearch = z.strictObject({
  image: imageRef.default('opensearchproject/opensearch:2.19.2'),
  /** PVC size; the StatefulSet claims one volume of this size. */
  storageSize: memoryQuantity.default('5Gi'),
  /** JVM heap, both -Xms and -Xmx. */
  heap: z
    .string()
    .regex(/^[0-9]+[mg]$/, { message: 'is not a JVM heap size; allowed: e.g. "512m" or "1g"' })
    .default('512m'),
  resources: resourcesSchema.default({ cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1536Mi' }),
});

const searchStorageFields = {
  /** External cluster URLs. Empty with `inCluster` set: the in-cluster OpenSearch Service is used. */
  serverUrls: z.array(httpUrl).default([]),
  indexPrefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'is not an index prefix; allowed: lower-case letters, digits, "-" and "_"' })
    .default('jaeger'),
  /** Shards/replicas per daily index: 1/0 suits a single-node lab cluster. */
  shards: z.number().int().min(1).max(100).default(1),
  indexReplicas: z.number().int().min(0).max(10).default(0),
};

const elasticsearchStorage = z.strictObject({ type: z.literal('elasticsearch'), ...searchStorageFields });
const opensearchStorage = z.strictObject({
  type: z.literal('opensearch'),
  ...searchStorageFields,
  inCluster: inClusterOpenSearch.optional(),
});

const cassandraStorage = z.strictObject({
  type: z.literal('cassandra'),
  servers: z.array(hostPort).min(1, { message: 'needs at least one contact point; allowed: host:port entries' }),
  keyspace: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,47}$/, { message: 'is not a Cassandra keyspace; allowed: lower-case letters, digits and "_"' })
    .default('jaeger_v1_dc1'),
  /** Let Jaeger create the schema on start (labs); production clusters run the schema job themselves. */
  createSchema: z.boolean().default(true),
});

export const jaegerStorageSchema = z.discriminatedUnion('type', [
  memoryStorage,
  remoteStorage,
  elasticsearchStorage,
  opensearchStorage,
  cassandraStorage,
]);
export type JaegerStorageConfig = z.infer<typeof jaegerStorageSchema>;

const autoscalingSchema = z.strictObject({
  minReplicas: replicas.default(2),
  maxReplicas: replicas.default(5),
  targetCpuUtilizationPercentage: z.number().int().min(10).max(100).default(75),
});

const samplingStrategy = z.strictObject({
  service: z.string().min(1),
  type: z.enum(['probabilistic', 'ratelimiting']).default('probabilistic'),
  /** probabilistic: 0-1; ratelimiting: traces per second. */
  param: z.number().min(0),
  operations: z.array(z.strictObject({ operation: z.string().min(1), probability: z.number().min(0).max(1) })).default([]),
});

/**
 * Fills in the storage that suits the chosen topology when none is given: split needs a store both
 * Deployments can reach (jaeger-remote-storage, memory), allInOne keeps the in-process memory store.
 */
function defaultStorageForTopology(raw: unknown): unknown {
  if (raw === undefined) return { storage: { type: 'remoteStorage' } };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const section = raw as Record<string, unknown>;
  if (section.storage !== undefined) return raw;
  return { ...section, storage: { type: section.topology === 'allInOne' ? 'memory' : 'remoteStorage' } };
}

export const jaegerSchema = z.preprocess(
  defaultStorageForTopology,
  z
    .strictObject({
      image: imageRef.default('jaegertracing/jaeger:2.20.0'),
      topology: z.enum(JAEGER_TOPOLOGIES).default('split'),
      /** Default: remoteStorage for split, memory for allInOne (see `defaultStorageForTopology`). */
      storage: jaegerStorageSchema,
      collector: z
        .strictObject({
          replicas: replicas.default(1),
          resources: resourcesSchema.default({ cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
          /** A HorizontalPodAutoscaler on CPU (needs metrics-server). */
          autoscaling: autoscalingSchema.optional(),
          /** A PodDisruptionBudget; only allowed with 2 or more replicas (a minAvailable 1 PDB over 1 pod blocks node drains). */
          podDisruptionBudget: z.strictObject({ minAvailable: z.number().int().min(1) }).optional(),
        })
        .prefault({}),
      query: z
        .strictObject({
          replicas: replicas.default(1),
          resources: resourcesSchema.default({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' }),
          /** UI/API path prefix, e.g. `/jaeger`. */
          basePath: z
            .string()
            .regex(/^(\/[A-Za-z0-9._-]+)*$/, { message: 'is not a path prefix; allowed: "" or "/segment[/segment]"' })
            .default(''),
          /**
           * Opt-in: publish the UI port 16686 of `jaeger-query` as this NodePort (kind then maps it to
           * 127.0.0.1:kind.hostPorts.jaegerQuery). Unset = ClusterIP, reached with kubectl port-forward.
           */
          nodePort: z
            .number()
            .int()
            .min(30000, { message: 'is below the NodePort range; allowed: 30000-32767' })
            .max(32767, { message: 'is above the NodePort range; allowed: 30000-32767' })
            .optional(),
        })
        .prefault({}),
      /** Remote sampling served on 5778 (HTTP) / 5779 (gRPC) from a strategies file rendered into the ConfigMap. */
      sampling: z
        .strictObject({
          defaultProbability: z.number().min(0).max(1).default(1),
          services: z.array(samplingStrategy).default([]),
        })
        .prefault({}),
      /** The single Deployment of topology allInOne. */
      allInOne: z
        .strictObject({
          resources: resourcesSchema.default({ cpuRequest: '100m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '1Gi' }),
        })
        .prefault({}),
    })
    .superRefine((jaeger, ctx) => {
      storageIssues(jaeger, ctx);
      collectorScalingIssues(jaeger, ctx);
      samplingIssues(jaeger, ctx);
    }),
);
export type JaegerConfig = z.infer<typeof jaegerSchema>;

/** The storage type against the topology, and search backends without a server. */
function storageIssues(jaeger: JaegerConfig, ctx: z.RefinementCtx): void {
  const storage = jaeger.storage.type;
  if (jaeger.topology === 'split' && storage === 'memory') {
    ctx.addIssue({
      code: 'custom',
      path: ['storage', 'type'],
      input: storage,
      message:
        'cannot be shared by separate collector and query Deployments; allowed with topology split: remoteStorage, elasticsearch, opensearch, cassandra',
    });
  }
  if (jaeger.topology === 'allInOne' && storage === 'remoteStorage') {
    ctx.addIssue({
      code: 'custom',
      path: ['storage', 'type'],
      input: storage,
      message: 'is only for topology split; allowed with allInOne: memory, elasticsearch, opensearch, cassandra',
    });
  }
  if (
    (jaeger.storage.type === 'elasticsearch' || jaeger.storage.type === 'opensearch') &&
    jaeger.storage.serverUrls.length === 0 &&
    !(jaeger.storage.type === 'opensearch' && jaeger.storage.inCluster)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['storage', 'serverUrls'],
      input: [],
      message: 'is empty; allowed: one or more http(s) URLs (or, for opensearch, set inCluster: {})',
    });
  }
}

/** Collector replicas and autoscaling against storage and topology; the disruption budget against the replica floor. */
function collectorScalingIssues(jaeger: JaegerConfig, ctx: z.RefinementCtx): void {
  const storage = jaeger.storage.type;
  const hasScaling = jaeger.collector.replicas > 1 || jaeger.collector.autoscaling !== undefined;
  if (hasScaling && storage === 'memory') {
    ctx.addIssue({
      code: 'custom',
      path: ['collector', 'replicas'],
      input: jaeger.collector.replicas,
      message: 'more than one collector needs shared storage; allowed with memory storage: 1',
    });
  }
  if (jaeger.topology === 'allInOne' && hasScaling) {
    ctx.addIssue({
      code: 'custom',
      path: ['collector', 'replicas'],
      input: jaeger.collector.replicas,
      message: 'allInOne runs one pod; allowed: 1 (use topology split to scale the collector)',
    });
  }
  const a = jaeger.collector.autoscaling;
  if (a && a.maxReplicas < a.minReplicas) {
    ctx.addIssue({
      code: 'custom',
      path: ['collector', 'autoscaling', 'maxReplicas'],
      input: a.maxReplicas,
      message: `is below minReplicas ${a.minReplicas}; allowed: >= minReplicas`,
    });
  }
  const pdb = jaeger.collector.podDisruptionBudget;
  const minPods = a ? a.minReplicas : jaeger.collector.replicas;
  if (pdb && pdb.minAvailable >= minPods) {
    ctx.addIssue({
      code: 'custom',
      path: ['collector', 'podDisruptionBudget', 'minAvailable'],
      input: pdb.minAvailable,
      message: `would block every voluntary eviction with ${minPods} collector pod(s); allowed: less than the (minimum) replica count`,
    });
  }
}

/** Per-service sampling strategies Jaeger would reject. */
function samplingIssues(jaeger: JaegerConfig, ctx: z.RefinementCtx): void {
  jaeger.sampling.services.forEach((s, i) => {
    if (s.type === 'probabilistic' && s.param > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['sampling', 'services', i, 'param'],
        input: s.param,
        message: 'is a probability above 1; allowed: 0-1 for type probabilistic',
      });
    }
    if (s.type === 'ratelimiting' && s.operations.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['sampling', 'services', i, 'operations'],
        input: s.operations.map((o) => o.operation),
        message: 'per-operation strategies are not allowed with ratelimiting (Jaeger rejects them); allowed: type probabilistic',
      });
    }
  });
}
