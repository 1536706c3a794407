import { Construct } from 'constructs';
import { DEFAULT_JAEGER_IMAGE, DEFAULT_MAX_TRACES, DEFAULT_REMOTE_STORAGE } from './jaeger-defaults';
import { JaegerAllInOne, type JaegerAllInOneProps } from './jaeger-all-in-one';
import { JaegerCollector, type JaegerCollectorProps } from './jaeger-collector';
import type { JaegerSampling } from './jaeger-config';
import { JaegerQuery, type JaegerQueryProps } from './jaeger-query';
import { JaegerRemoteStorage } from './jaeger-remote-storage';
import type { JaegerStorage } from './jaeger-storage';
import { OpenSearchSingleNode } from './opensearch-single-node';

/** `split`: collector and query Deployments over shared storage; `allInOne`: one Deployment. */
export type JaegerTopology = 'split' | 'allInOne';

export interface JaegerProps {
  /**
   * `split`: `jaeger-collector` and `jaeger-query` Deployments over shared storage;
   * `allInOne`: one Deployment `jaeger`. Both publish the same Service names.
   * @default 'split'
   * @see https://www.jaegertracing.io/docs/2.20/architecture/
   */
  readonly topology?: JaegerTopology;
  /**
   * Jaeger v2 image for every role.
   * @default 'jaegertracing/jaeger:2.20.0'
   */
  readonly image?: string;
  /**
   * Trace storage.
   * @default - remoteStorage (memory, 100000 traces) for split; memory for allInOne
   * @see https://www.jaegertracing.io/docs/2.20/storage/
   */
  readonly storage?: JaegerStorage;
  /**
   * Collector replicas, resources, autoscaling and disruption budget (split only).
   * @default - 1 replica, no HPA, no PDB
   */
  readonly collector?: Pick<JaegerCollectorProps, 'replicas' | 'resources' | 'autoscaling' | 'podDisruptionBudget'>;
  /**
   * Query replicas, resources and base path (split only; basePath also for allInOne).
   * @default - 1 replica, served at /
   */
  readonly query?: Pick<JaegerQueryProps, 'replicas' | 'resources' | 'basePath' | 'nodePort'>;
  /**
   * Remote sampling strategies file.
   * @default - probabilistic 1.0
   */
  readonly sampling?: JaegerSampling;
  /**
   * Resources of the allInOne Deployment.
   * @default - 100m/1 CPU, 256Mi/1Gi memory
   */
  readonly allInOne?: Pick<JaegerAllInOneProps, 'resources'>;
  /**
   * Also receive Jaeger Thrift over HTTP on 14268 (`jaeger-collector` port `http-thrift`): set by the
   * stack when Traefik runs in v2 mode, so Jaeger enables exactly the receivers its senders need.
   * @default false
   */
  readonly jaegerThriftHttp?: boolean;
}

/**
 * The Jaeger v2 backend in the chosen topology, with its storage. Other parts only rely on the
 * Services `jaeger-collector` (4317 grpc-otlp, 4318 http-otlp, 9411 http-zipkin) and
 * `jaeger-query` (16686 http-query, 16685 grpc-query) in this construct's namespace.
 */
export class Jaeger extends Construct {
  readonly topology: JaegerTopology;

  constructor(scope: Construct, id: string, props: JaegerProps = {}) {
    super(scope, id);
    this.topology = props.topology ?? 'split';
    const storage =
      props.storage ?? (this.topology === 'split' ? DEFAULT_REMOTE_STORAGE : { type: 'memory' as const, maxTraces: DEFAULT_MAX_TRACES });
    const image = props.image ?? DEFAULT_JAEGER_IMAGE;

    let inClusterSearchUrl: string | undefined;
    if (storage.type === 'opensearch' && storage.inCluster && (storage.serverUrls ?? []).length === 0) {
      inClusterSearchUrl = new OpenSearchSingleNode(this, 'OpenSearch', storage.inCluster).url;
    }

    if (this.topology === 'allInOne') {
      new JaegerAllInOne(this, 'AllInOne', {
        jaegerThriftHttp: props.jaegerThriftHttp,
        queryNodePort: props.query?.nodePort,
        image,
        storage,
        inClusterSearchUrl,
        resources: props.allInOne?.resources,
        sampling: props.sampling,
        basePath: props.query?.basePath,
      });
      return;
    }
    let remoteStorageEndpoint: string | undefined;
    if (storage.type === 'remoteStorage') {
      remoteStorageEndpoint = new JaegerRemoteStorage(this, 'RemoteStorage', {
        image: storage.image,
        maxTraces: storage.maxTraces,
        resources: storage.resources,
      }).endpoint;
    }
    new JaegerCollector(this, 'Collector', {
      jaegerThriftHttp: props.jaegerThriftHttp,
      image,
      storage,
      remoteStorageEndpoint,
      inClusterSearchUrl,
      replicas: props.collector?.replicas,
      resources: props.collector?.resources,
      sampling: props.sampling,
      autoscaling: props.collector?.autoscaling,
      podDisruptionBudget: props.collector?.podDisruptionBudget,
    });
    new JaegerQuery(this, 'Query', {
      image,
      storage,
      remoteStorageEndpoint,
      inClusterSearchUrl,
      replicas: props.query?.replicas,
      resources: props.query?.resources,
      basePath: props.query?.basePath,
      nodePort: props.query?.nodePort,
    });
  }
}
