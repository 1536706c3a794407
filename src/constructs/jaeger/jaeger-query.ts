import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { ResourceQuantities } from '../workload-defaults';
import { labeledService } from '../workload-defaults';
import { jaegerWorkload, toConfigYaml, type JaegerStorageProps } from './_jaeger-workload';
import { JAEGER_CONFIG_FILE, renderJaegerConfig } from './jaeger-config';
import { DEFAULT_JAEGER_IMAGE, DEFAULT_REMOTE_STORAGE, REMOTE_STORAGE_ENDPOINT } from './jaeger-defaults';
import { ADMIN_PORTS, JAEGER_PORTS, JAEGER_QUERY_SERVICE, QUERY_SERVICE_PORTS } from './jaeger-ports';

export interface JaegerQueryProps extends JaegerStorageProps {
  /** @default 1 */
  readonly replicas?: number;
  /**
   * Requests and limits of the query container.
   * @default - 50m/500m CPU, 64Mi/256Mi memory
   */
  readonly resources?: ResourceQuantities;
  /**
   * UI and API prefix, e.g. `/jaeger`.
   * @default '' (served at /)
   * @see https://www.jaegertracing.io/docs/2.20/deployment/frontend-ui/
   */
  readonly basePath?: string;
  /**
   * Publish the UI/API port 16686 as this NodePort (for a kind port mapping on 127.0.0.1). The UI has
   * no login: only for local clusters.
   * @default - ClusterIP (kubectl port-forward)
   */
  readonly nodePort?: number;
}

/**
 * Jaeger v2 in the query role: UI and APIs on 16686 (HTTP) / 16685 (gRPC) behind the Service
 * `jaeger-query`, reading the collector's shared storage. ClusterIP only: the UI has no login,
 * reach it with `kubectl port-forward`.
 */
export class JaegerQuery extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: JaegerQueryProps = {}) {
    super(scope, id);
    const storage = props.storage ?? DEFAULT_REMOTE_STORAGE;
    if (storage.type === 'memory') {
      throw new Error(
        `JaegerQuery: storage.type "memory" is private to one process; allowed: remoteStorage, elasticsearch, opensearch, cassandra`,
      );
    }
    const config = renderJaegerConfig({
      role: 'query',
      storage,
      remoteStorageEndpoint: props.remoteStorageEndpoint ?? REMOTE_STORAGE_ENDPOINT,
      inClusterSearchUrl: props.inClusterSearchUrl,
      basePath: props.basePath,
    });
    const workload = jaegerWorkload(this, {
      name: JAEGER_QUERY_SERVICE,
      component: 'query',
      image: props.image ?? DEFAULT_JAEGER_IMAGE,
      replicas: props.replicas ?? 1,
      resources: props.resources ?? { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
      files: { [JAEGER_CONFIG_FILE]: toConfigYaml(config) },
      ports: [...QUERY_SERVICE_PORTS, ...ADMIN_PORTS],
    });
    this.deployment = workload.deployment;
    this.service = labeledService(this, 'Service', {
      name: JAEGER_QUERY_SERVICE,
      selector: workload.selector,
      labels: workload.selector,
      ...queryServicePorts(props.nodePort),
    });
  }
}

/** The `jaeger-query` Service's type and ports: ClusterIP, or NodePort with the UI port published. */
export function queryServicePorts(nodePort: number | undefined): {
  type?: kplus.ServiceType;
  ports: { name: string; port: number; nodePort?: number }[];
} {
  if (nodePort === undefined) return { ports: [...QUERY_SERVICE_PORTS] };
  return {
    type: kplus.ServiceType.NODE_PORT,
    ports: QUERY_SERVICE_PORTS.map((p) => (p.port === JAEGER_PORTS.queryHttp ? { ...p, nodePort } : { ...p })),
  };
}
