import type * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { ResourceQuantities } from '../workload-defaults';
import { labeledService } from '../workload-defaults';
import { jaegerWorkload, toConfigYaml } from './_jaeger-workload';
import { JAEGER_CONFIG_FILE, renderJaegerConfig, renderSamplingStrategies, type JaegerSampling } from './jaeger-config';
import type { JaegerStorage } from './jaeger-storage';
import { queryServicePorts } from './jaeger-query';
import { DEFAULT_JAEGER_IMAGE, DEFAULT_MAX_TRACES } from './jaeger-defaults';
import {
  ADMIN_PORTS,
  COLLECTOR_SERVICE_PORTS,
  JAEGER_COLLECTOR_SERVICE,
  JAEGER_QUERY_SERVICE,
  JAEGER_THRIFT_HTTP_PORT,
  QUERY_SERVICE_PORTS,
} from './jaeger-ports';

export interface JaegerAllInOneProps {
  /**
   * Also receive Jaeger Thrift over HTTP on 14268 (Service port `http-thrift`), for Traefik v2.
   * @default false
   */
  readonly jaegerThriftHttp?: boolean;
  /**
   * Publish the query UI port 16686 of `jaeger-query` as this NodePort (kind maps it on 127.0.0.1).
   * @default - ClusterIP
   */
  readonly queryNodePort?: number;
  /**
   * Jaeger v2 image.
   * @default 'jaegertracing/jaeger:2.20.0'
   */
  readonly image?: string;
  /**
   * Trace storage.
   * @default - in-process memory store bounded to 100000 traces
   */
  readonly storage?: JaegerStorage;
  /**
   * URL of an in-cluster OpenSearch, used when `storage.serverUrls` is empty.
   * @default - none
   */
  readonly inClusterSearchUrl?: string;
  /**
   * Requests and limits.
   * @default - 100m/1 CPU, 256Mi/1Gi memory
   */
  readonly resources?: ResourceQuantities;
  /**
   * Remote sampling strategies.
   * @default - probabilistic 1.0 for every service
   */
  readonly sampling?: JaegerSampling;
  /**
   * UI and API prefix.
   * @default ''
   */
  readonly basePath?: string;
}

/**
 * Jaeger v2 as one Deployment `jaeger` (collector + query in one process), still published under
 * the stable Service names `jaeger-collector` and `jaeger-query` so nothing else changes with the topology.
 */
export class JaegerAllInOne extends Construct {
  readonly deployment: kplus.Deployment;
  readonly collectorService: kplus.Service;
  readonly queryService: kplus.Service;

  constructor(scope: Construct, id: string, props: JaegerAllInOneProps = {}) {
    super(scope, id);
    const storage = props.storage ?? { type: 'memory', maxTraces: DEFAULT_MAX_TRACES };
    if (storage.type === 'remoteStorage') {
      throw new Error(
        'JaegerAllInOne: storage.type "remoteStorage" is for the split topology; allowed: memory, elasticsearch, opensearch, cassandra',
      );
    }
    const config = renderJaegerConfig({
      role: 'allInOne',
      storage,
      inClusterSearchUrl: props.inClusterSearchUrl,
      basePath: props.basePath,
      jaegerThriftHttp: props.jaegerThriftHttp,
    });
    const collectorPorts = [...COLLECTOR_SERVICE_PORTS, ...(props.jaegerThriftHttp ? [JAEGER_THRIFT_HTTP_PORT] : [])];
    const workload = jaegerWorkload(this, {
      name: 'jaeger',
      component: 'all-in-one',
      image: props.image ?? DEFAULT_JAEGER_IMAGE,
      // Memory storage lives in the process: one replica is the only correct count.
      replicas: 1,
      resources: props.resources ?? { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '1Gi' },
      files: {
        [JAEGER_CONFIG_FILE]: toConfigYaml(config),
        'sampling-strategies.json': `${JSON.stringify(renderSamplingStrategies(props.sampling ?? { defaultProbability: 1, services: [] }), null, 2)}\n`,
      },
      ports: [...collectorPorts, ...QUERY_SERVICE_PORTS, ...ADMIN_PORTS],
    });
    this.deployment = workload.deployment;
    this.collectorService = labeledService(this, 'CollectorService', {
      name: JAEGER_COLLECTOR_SERVICE,
      selector: workload.selector,
      labels: workload.selector,
      ports: collectorPorts,
    });
    this.queryService = labeledService(this, 'QueryService', {
      name: JAEGER_QUERY_SERVICE,
      selector: workload.selector,
      labels: workload.selector,
      ...queryServicePorts(props.queryNodePort),
    });
  }
}
