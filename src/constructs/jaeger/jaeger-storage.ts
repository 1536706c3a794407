/**
 * The trace stores the Jaeger constructs can be given, as plain props (one interface per
 * `storage.type`). Fields left out take the defaults Jaeger's own docs suggest for a lab.
 * @see https://www.jaegertracing.io/docs/2.20/storage/
 */
import type { ResourceQuantities } from '../workload-defaults';
import type { OpenSearchSingleNodeProps } from './opensearch-single-node';

/** Jaeger's in-process memory store: private to one process (allInOne only). */
export interface MemoryStorage {
  readonly type: 'memory';
  /**
   * Traces kept; bounded so a busy lab cannot eat the node's memory.
   * @default 100000
   */
  readonly maxTraces?: number;
}

/** One `jaeger-remote-storage` Deployment holding memory traces, shared by collector and query (split only). */
export interface RemoteStorage {
  readonly type: 'remoteStorage';
  /**
   * `jaegertracing/jaeger-remote-storage` image.
   * @default 'jaegertracing/jaeger-remote-storage:2.20.0'
   */
  readonly image?: string;
  /**
   * Traces the memory store keeps.
   * @default 100000
   */
  readonly maxTraces?: number;
  /**
   * Requests and limits of the remote-storage container.
   * @default - 50m/500m CPU, 128Mi/512Mi memory
   */
  readonly resources?: ResourceQuantities;
}

/** Fields Elasticsearch and OpenSearch share. */
export interface SearchStorageFields {
  /**
   * External cluster URLs. Empty with OpenSearch `inCluster` set: the in-cluster Service is used.
   * @default []
   */
  readonly serverUrls?: readonly string[];
  /**
   * Prefix of Jaeger's daily indices.
   * @default 'jaeger'
   */
  readonly indexPrefix?: string;
  /**
   * Shards per daily index.
   * @default 1
   */
  readonly shards?: number;
  /**
   * Replicas per daily index (0 suits a single-node lab cluster).
   * @default 0
   */
  readonly indexReplicas?: number;
}

export interface ElasticsearchStorage extends SearchStorageFields {
  readonly type: 'elasticsearch';
}

/** A single-node OpenSearch the {@link Jaeger} construct runs itself (labs only: no TLS, no auth). */
export type InClusterOpenSearch = OpenSearchSingleNodeProps;

export interface OpenSearchStorage extends SearchStorageFields {
  readonly type: 'opensearch';
  /**
   * Run a single-node OpenSearch in the namespace (used when `serverUrls` is empty).
   * @default - none: `serverUrls` must name a cluster
   */
  readonly inCluster?: InClusterOpenSearch;
}

export interface CassandraStorage {
  readonly type: 'cassandra';
  /** Contact points, `host:port`. */
  readonly servers: readonly string[];
  /**
   * Keyspace Jaeger reads and writes.
   * @default 'jaeger_v1_dc1'
   */
  readonly keyspace?: string;
  /**
   * Let Jaeger create the schema on start (labs); production clusters run the schema Job instead.
   * @default true
   */
  readonly createSchema?: boolean;
}

/** Trace storage of the Jaeger constructs, by `type`. */
export type JaegerStorage = MemoryStorage | RemoteStorage | ElasticsearchStorage | OpenSearchStorage | CassandraStorage;
