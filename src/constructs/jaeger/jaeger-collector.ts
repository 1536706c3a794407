import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { ResourceQuantities } from '../workload-defaults';
import { labeledService } from '../workload-defaults';
import { jaegerWorkload, toConfigYaml, type JaegerStorageProps } from './_jaeger-workload';
import { JAEGER_CONFIG_FILE, renderJaegerConfig, renderSamplingStrategies, type JaegerSampling } from './jaeger-config';
import { DEFAULT_JAEGER_IMAGE, DEFAULT_REMOTE_STORAGE, REMOTE_STORAGE_ENDPOINT } from './jaeger-defaults';
import { ADMIN_PORTS, COLLECTOR_SERVICE_PORTS, JAEGER_COLLECTOR_SERVICE, JAEGER_THRIFT_HTTP_PORT } from './jaeger-ports';

export interface JaegerCollectorProps extends JaegerStorageProps {
  /**
   * Also receive Jaeger Thrift over HTTP on 14268 (Service port `http-thrift`), for Traefik v2.
   * @default false
   */
  readonly jaegerThriftHttp?: boolean;
  /**
   * Pods when not autoscaled.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Requests and limits of the collector container.
   * @default - 100m/1 CPU, 128Mi/512Mi memory
   */
  readonly resources?: ResourceQuantities;
  /**
   * Remote sampling strategies served on 5778/5779.
   * @default - probabilistic 1.0 for every service
   * @see https://www.jaegertracing.io/docs/2.20/architecture/sampling/
   */
  readonly sampling?: JaegerSampling;
  /**
   * CPU-based HorizontalPodAutoscaler (needs metrics-server).
   * @default - none
   */
  readonly autoscaling?: JaegerCollectorAutoscaling;
  /**
   * PodDisruptionBudget `minAvailable`; must be below the replica count.
   * @default - none
   */
  readonly podDisruptionBudget?: JaegerCollectorDisruptionBudget;
}

/** A CPU-based HorizontalPodAutoscaler for the collector (needs metrics-server). */
export interface JaegerCollectorAutoscaling {
  /** @default 2 */
  readonly minReplicas?: number;
  /** @default 5 */
  readonly maxReplicas?: number;
  /** Average CPU utilization the autoscaler aims at. @default 75 */
  readonly targetCpuUtilizationPercentage?: number;
}

/** A PodDisruptionBudget for the collector. */
export interface JaegerCollectorDisruptionBudget {
  /** Pods that must stay up during a voluntary eviction; below the (minimum) replica count. */
  readonly minAvailable: number;
}

/**
 * Jaeger v2 in the collector role: OTLP gRPC 4317 / HTTP 4318 and Zipkin 9411 in, shared storage
 * out, remote sampling on 5778/5779, behind the Service `jaeger-collector`.
 * @see https://www.jaegertracing.io/docs/2.20/architecture/
 */
export class JaegerCollector extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: JaegerCollectorProps = {}) {
    super(scope, id);
    const storage = props.storage ?? DEFAULT_REMOTE_STORAGE;
    if (storage.type === 'memory') {
      throw new Error(
        `JaegerCollector: storage.type "memory" cannot be shared with a separate query Deployment; allowed: remoteStorage, elasticsearch, opensearch, cassandra`,
      );
    }
    const replicas = props.replicas ?? 1;
    const pdb = props.podDisruptionBudget;
    const autoscaling = props.autoscaling && {
      minReplicas: props.autoscaling.minReplicas ?? 2,
      maxReplicas: props.autoscaling.maxReplicas ?? 5,
      targetCpuUtilizationPercentage: props.autoscaling.targetCpuUtilizationPercentage ?? 75,
    };
    const minPods = autoscaling?.minReplicas ?? replicas;
    if (pdb && pdb.minAvailable >= minPods) {
      throw new Error(
        `JaegerCollector: podDisruptionBudget.minAvailable ${pdb.minAvailable} would block every eviction with ${minPods} pod(s); allowed: below the replica count`,
      );
    }
    const config = renderJaegerConfig({
      role: 'collector',
      storage,
      remoteStorageEndpoint: props.remoteStorageEndpoint ?? REMOTE_STORAGE_ENDPOINT,
      inClusterSearchUrl: props.inClusterSearchUrl,
      jaegerThriftHttp: props.jaegerThriftHttp,
    });
    const servicePorts = [...COLLECTOR_SERVICE_PORTS, ...(props.jaegerThriftHttp ? [JAEGER_THRIFT_HTTP_PORT] : [])];
    const workload = jaegerWorkload(this, {
      name: JAEGER_COLLECTOR_SERVICE,
      component: 'collector',
      image: props.image ?? DEFAULT_JAEGER_IMAGE,
      // With an HPA the Deployment carries no replica count: a re-apply would otherwise fight the autoscaler.
      replicas: autoscaling ? undefined : replicas,
      resources: props.resources ?? { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
      files: {
        [JAEGER_CONFIG_FILE]: toConfigYaml(config),
        'sampling-strategies.json': `${JSON.stringify(renderSamplingStrategies(props.sampling ?? { defaultProbability: 1, services: [] }), null, 2)}\n`,
      },
      ports: [...servicePorts, ...ADMIN_PORTS],
    });
    this.deployment = workload.deployment;
    this.service = labeledService(this, 'Service', {
      name: JAEGER_COLLECTOR_SERVICE,
      selector: workload.selector,
      labels: workload.selector,
      ports: servicePorts,
    });

    if (autoscaling) {
      new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata: { name: JAEGER_COLLECTOR_SERVICE, labels: workload.selector },
        target: this.deployment,
        minReplicas: autoscaling.minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(autoscaling.targetCpuUtilizationPercentage))],
      });
    }
    if (pdb) {
      new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: JAEGER_COLLECTOR_SERVICE, labels: workload.selector },
        spec: { minAvailable: kplus.k8s.IntOrString.fromNumber(pdb.minAvailable), selector: { matchLabels: workload.selector } },
      });
    }
  }
}
