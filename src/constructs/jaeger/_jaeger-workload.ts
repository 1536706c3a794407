/**
 * Internal helper shared by the Jaeger constructs: one Deployment running `jaegertracing/jaeger`
 * with its rendered config from a ConfigMap, `/status` probes on 13133 and Pod Security `restricted`.
 */
import { createHash } from 'node:crypto';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import type { ResourceQuantities } from '../workload-defaults';
import { toYaml } from '../../yaml/dump';
import { containerDefaults, finishWorkload, podDefaults } from '../workload-defaults';
import { JAEGER_CONFIG_DIR, JAEGER_CONFIG_FILE } from './jaeger-config';
import { JAEGER_PORTS, type NamedPort } from './jaeger-ports';
import type { JaegerStorage } from './jaeger-storage';

/** The UID the jaeger image runs as (`USER 10001` in cmd/jaeger/Dockerfile). */
export const JAEGER_UID = 10001;

/** Deterministic YAML for config files embedded in ConfigMaps. */
export function toConfigYaml(value: unknown): string {
  return toYaml(value);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface JaegerWorkloadOptions {
  /** Deployment and ConfigMap base name, e.g. `jaeger-collector`. */
  readonly name: string;
  /** `app.kubernetes.io/component`, e.g. `collector`. */
  readonly component: string;
  readonly image: string;
  /** Fixed replica count; `undefined` leaves it to a HorizontalPodAutoscaler. */
  readonly replicas: number | undefined;
  readonly resources: ResourceQuantities;
  /** Files of the ConfigMap mounted at /etc/jaeger (config.yaml and, for writers, the strategies). */
  readonly files: Readonly<Record<string, string>>;
  /** Ports the container listens on. */
  readonly ports: readonly NamedPort[];
}

export interface JaegerWorkload {
  readonly deployment: kplus.Deployment;
  readonly configMap: kplus.ConfigMap;
  /** Pod labels (what Services select). */
  readonly selector: Record<string, string>;
}

export function jaegerLabels(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': 'meshtrace' };
}

export function jaegerWorkload(scope: Construct, options: JaegerWorkloadOptions): JaegerWorkload {
  const labels = jaegerLabels(options.component);
  const configMap = new kplus.ConfigMap(scope, 'Config', {
    metadata: { name: `${options.name}-config`, labels },
    data: { ...options.files },
  });
  const configVolume = kplus.Volume.fromConfigMap(scope, 'ConfigVolume', configMap, { name: 'config' });
  const tmpVolume = kplus.Volume.fromEmptyDir(scope, 'TmpVolume', 'tmp');
  const probe = (initialDelay: number) =>
    kplus.Probe.fromHttpGet('/status', {
      port: JAEGER_PORTS.health,
      initialDelaySeconds: Duration.seconds(initialDelay),
      periodSeconds: Duration.seconds(10),
      failureThreshold: 3,
      timeoutSeconds: Duration.seconds(2),
    });
  const deployment = new kplus.Deployment(scope, 'Deployment', {
    metadata: { name: options.name, labels },
    replicas: options.replicas,
    ...podDefaults({ user: JAEGER_UID }),
    podMetadata: {
      labels: {
        // Jaeger stays out of the mesh: senders outside it (Traefik, un-meshed apps) must reach it in plain text.
        'sidecar.istio.io/inject': 'false',
      },
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(JAEGER_PORTS.metrics),
        // A config change rolls the pods (ConfigMap edits are otherwise invisible to a running Jaeger).
        'meshtrace.dev/config-sha256': sha256(
          Object.entries(options.files)
            .map(([k, v]) => `${k}\n${v}`)
            .join('\n'),
        ),
      },
    },
    volumes: [configVolume, tmpVolume],
    containers: [
      {
        name: 'jaeger',
        image: options.image,
        args: ['--config', `${JAEGER_CONFIG_DIR}/${JAEGER_CONFIG_FILE}`],
        ports: options.ports.map((p) => ({ number: p.port, name: p.name.slice(0, 15) })),
        ...containerDefaults({ resources: options.resources, user: JAEGER_UID }),
        readiness: probe(1),
        liveness: probe(10),
        volumeMounts: [
          { path: JAEGER_CONFIG_DIR, volume: configVolume, readOnly: true },
          // The image declares VOLUME /tmp; with a read-only root filesystem it needs a writable one.
          { path: '/tmp', volume: tmpVolume },
        ],
      },
    ],
  });
  finishWorkload(deployment, labels);
  return { deployment, configMap, selector: labels };
}

/** Props the collector and query share: the image and the storage both sides must agree on. */
export interface JaegerStorageProps {
  /**
   * Jaeger v2 image.
   * @default 'jaegertracing/jaeger:2.20.0'
   */
  readonly image?: string;
  /**
   * Shared trace storage (the collector writes it, query reads it).
   * @default - jaeger-remote-storage (memory) at `remoteStorageEndpoint`
   * @see https://www.jaegertracing.io/docs/2.20/storage/
   */
  readonly storage?: JaegerStorage;
  /**
   * `host:port` of jaeger-remote-storage, for storage type `remoteStorage`.
   * @default 'jaeger-remote-storage:17271'
   */
  readonly remoteStorageEndpoint?: string;
  /**
   * URL of an in-cluster OpenSearch, used when `storage.serverUrls` is empty.
   * @default - none
   */
  readonly inClusterSearchUrl?: string;
}
