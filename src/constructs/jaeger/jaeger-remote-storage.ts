import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { ResourceQuantities } from '../workload-defaults';
import { containerDefaults, finishWorkload, labeledService, podDefaults } from '../workload-defaults';
import { JAEGER_UID, jaegerLabels, sha256, toConfigYaml } from './_jaeger-workload';
import { renderRemoteStorageConfig } from './jaeger-config';
import {
  DEFAULT_MAX_TRACES,
  DEFAULT_REMOTE_STORAGE_IMAGE,
  DEFAULT_REMOTE_STORAGE_RESOURCES,
  REMOTE_STORAGE_ENDPOINT,
} from './jaeger-defaults';
import { JAEGER_PORTS, JAEGER_REMOTE_STORAGE_SERVICE } from './jaeger-ports';

export interface JaegerRemoteStorageProps {
  /**
   * `jaegertracing/jaeger-remote-storage` image (released with Jaeger).
   * @default 'jaegertracing/jaeger-remote-storage:2.20.0'
   */
  readonly image?: string;
  /**
   * Bound of the in-memory store.
   * @default 100000
   */
  readonly maxTraces?: number;
  /**
   * Requests and limits.
   * @default - 50m/500m CPU, 128Mi/512Mi memory
   */
  readonly resources?: ResourceQuantities;
}

/**
 * A single-replica `jaeger-remote-storage` serving a memory store over gRPC (17271), so separate
 * collector and query Deployments share one store. One replica only: its state is its memory.
 * @see https://www.jaegertracing.io/docs/2.20/operations/tools/#remote-storage-component
 */
export class JaegerRemoteStorage extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
  /** `host:port` for the grpc storage backend of collector and query. */
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: JaegerRemoteStorageProps = {}) {
    super(scope, id);
    const labels = jaegerLabels('remote-storage');
    const configYaml = toConfigYaml(renderRemoteStorageConfig(props.maxTraces ?? DEFAULT_MAX_TRACES));
    const configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${JAEGER_REMOTE_STORAGE_SERVICE}-config`, labels },
      data: { 'config.yaml': configYaml },
    });
    const configVolume = kplus.Volume.fromConfigMap(this, 'ConfigVolume', configMap, { name: 'config' });
    const tmpVolume = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp');
    // Admin server: health on `/` of 17270 (cmd/remote-storage/app).
    const probe = (delay: number) =>
      kplus.Probe.fromTcpSocket({
        port: JAEGER_PORTS.remoteStorage,
        initialDelaySeconds: Duration.seconds(delay),
        periodSeconds: Duration.seconds(10),
      });
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: JAEGER_REMOTE_STORAGE_SERVICE, labels },
      replicas: 1,
      // Recreate: two pods would be two different stores.
      strategy: kplus.DeploymentStrategy.recreate(),
      ...podDefaults({ user: JAEGER_UID }),
      podMetadata: { labels: { 'sidecar.istio.io/inject': 'false' }, annotations: { 'meshtrace.dev/config-sha256': sha256(configYaml) } },
      volumes: [configVolume, tmpVolume],
      containers: [
        {
          name: 'remote-storage',
          image: props.image ?? DEFAULT_REMOTE_STORAGE_IMAGE,
          args: ['--config-file', '/etc/jaeger-remote-storage/config.yaml'],
          ports: [
            { number: JAEGER_PORTS.remoteStorage, name: 'grpc-storage' },
            { number: JAEGER_PORTS.remoteStorageAdmin, name: 'http-admin' },
          ],
          ...containerDefaults({ resources: props.resources ?? DEFAULT_REMOTE_STORAGE_RESOURCES, user: JAEGER_UID }),
          readiness: probe(1),
          liveness: probe(10),
          volumeMounts: [
            { path: '/etc/jaeger-remote-storage', volume: configVolume, readOnly: true },
            { path: '/tmp', volume: tmpVolume },
          ],
        },
      ],
    });
    finishWorkload(this.deployment, labels);
    this.service = labeledService(this, 'Service', {
      name: JAEGER_REMOTE_STORAGE_SERVICE,
      selector: labels,
      labels,
      ports: [{ name: 'grpc-storage', port: JAEGER_PORTS.remoteStorage }],
    });
    this.endpoint = REMOTE_STORAGE_ENDPOINT;
  }
}
