/**
 * The Jaeger ingester: Jaeger v2 with a Kafka receiver and the storage exporter, the consuming
 * half of collector → Kafka → storage. Consumers of one group share the topic's partitions, so
 * replicas scale up to the partition count.
 * @see https://www.jaegertracing.io/docs/2.20/deployment/kafka/
 */
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { ResourceQuantities } from '../workload-defaults';
import { jaegerWorkload, toConfigYaml } from '../jaeger/_jaeger-workload';
import { JAEGER_CONFIG_FILE, storageBackend } from '../jaeger/jaeger-config';
import { DEFAULT_JAEGER_IMAGE } from '../jaeger/jaeger-defaults';
import { ADMIN_PORTS, JAEGER_PORTS } from '../jaeger/jaeger-ports';
import type { JaegerStorage } from '../jaeger/jaeger-storage';
import { KAFKA_CA_DIR, type KafkaConnection } from './jaeger-config-extensions';

export const JAEGER_INGESTER_NAME = 'jaeger-ingester';

export interface JaegerIngesterProps {
  /**
   * Brokers, topic, encoding, consumer group and TLS; must equal the collector's exporter settings.
   * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/kafkareceiver
   */
  readonly kafka: KafkaIngesterConnection;
  /**
   * The store the ingester writes (the one jaeger-query reads).
   * @see https://www.jaegertracing.io/docs/2.20/storage/
   */
  readonly storage: JaegerStorage;
  /**
   * `host:port` of jaeger-remote-storage (storage type remoteStorage).
   * @default - none
   */
  readonly remoteStorageEndpoint?: string;
  /**
   * Jaeger v2 image (the same as collector and query).
   * @default 'jaegertracing/jaeger:2.20.0'
   */
  readonly image?: string;
  /**
   * Consumer pods; more than the topic's partitions stay idle.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * @default - 100m/1 CPU, 128Mi/512Mi memory
   */
  readonly resources?: ResourceQuantities;
}

/** The brokers and topic the ingester consumes, and its consumer group. */
export interface KafkaIngesterConnection extends KafkaConnection {
  /**
   * Consumer group of the ingesters (they share the topic's partitions).
   * @default 'jaeger-ingester'
   */
  readonly groupId?: string;
}

/** The ingester's Jaeger v2 config: Kafka in, storage out, health on 13133, metrics on 8888. */
export function renderIngesterConfig(
  props: Pick<JaegerIngesterProps, 'kafka' | 'storage' | 'remoteStorageEndpoint'>,
): Record<string, unknown> {
  const k = props.kafka;
  return {
    service: {
      extensions: ['healthcheckv2', 'jaeger_storage'],
      pipelines: { traces: { receivers: ['kafka'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: {
        resource: { [ATTR_SERVICE_NAME]: JAEGER_INGESTER_NAME },
        metrics: { level: 'detailed', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: JAEGER_PORTS.metrics } } } }] },
        logs: { level: 'info' },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.health}` } },
      jaeger_storage: {
        backends: { trace_storage: storageBackend({ storage: props.storage, remoteStorageEndpoint: props.remoteStorageEndpoint }) },
      },
    },
    receivers: {
      kafka: {
        brokers: [...k.brokers],
        traces: { topics: [k.topic ?? 'jaeger-spans'], encoding: k.encoding ?? 'otlp_proto' },
        group_id: k.groupId ?? JAEGER_INGESTER_NAME,
        // A new consumer group starts at the oldest retained spans, so nothing produced before the first start is lost.
        initial_offset: 'earliest',
        ...(k.tls ? { tls: { insecure: false, ca_file: `${KAFKA_CA_DIR}/${k.tls.ca.key}` } } : {}),
      },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'trace_storage' } },
  };
}

/** Deployment `jaeger-ingester` (no Service: it only consumes). */
export class JaegerIngester extends Construct {
  readonly deployment: kplus.Deployment;
  readonly configMap: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: JaegerIngesterProps) {
    super(scope, id);
    if (props.kafka.brokers.length === 0)
      throw new Error('JaegerIngester: kafka.brokers is empty; allowed: one or more host:port broker addresses');
    if (props.storage.type === 'memory')
      throw new Error(
        'JaegerIngester: storage.type "memory" is private to one process; allowed: remoteStorage, elasticsearch, opensearch, cassandra',
      );
    const workload = jaegerWorkload(this, {
      name: JAEGER_INGESTER_NAME,
      component: 'ingester',
      image: props.image ?? DEFAULT_JAEGER_IMAGE,
      replicas: props.replicas ?? 1,
      resources: props.resources ?? { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
      files: { [JAEGER_CONFIG_FILE]: toConfigYaml(renderIngesterConfig(props)) },
      ports: [...ADMIN_PORTS],
    });
    this.deployment = workload.deployment;
    this.configMap = workload.configMap;
  }
}
