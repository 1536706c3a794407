import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { ResourceQuantities } from '../workload-defaults';
import { containerDefaults, finishWorkload, labeledService, memory, podDefaults } from '../workload-defaults';

/** UID of the opensearch image (`opensearch` user, uid 1000). */
const OPENSEARCH_UID = 1000;

export interface OpenSearchSingleNodeProps {
  /**
   * OpenSearch image.
   * @default 'opensearchproject/opensearch:2.19.2'
   */
  readonly image?: string;
  /**
   * Size of the data volume claim.
   * @default '5Gi'
   */
  readonly storageSize?: string;
  /**
   * JVM heap (-Xms and -Xmx).
   * @default '512m'
   */
  readonly heap?: string;
  /**
   * Requests and limits.
   * @default - 250m/1 CPU, 1Gi/1536Mi memory
   */
  readonly resources?: ResourceQuantities;
}

/**
 * ONE OpenSearch node for labs: a StatefulSet with a PVC and the security plugin off (plain HTTP
 * inside the cluster). Not for production: no replicas, no TLS, no auth.
 * @see https://opensearch.org/docs/latest/install-and-configure/install-opensearch/docker/
 */
export class OpenSearchSingleNode extends Construct {
  readonly statefulSet: kplus.StatefulSet;
  readonly service: kplus.Service;
  /** In-namespace URL for Jaeger's `server_urls`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: OpenSearchSingleNodeProps = {}) {
    super(scope, id);
    const labels = { 'app.kubernetes.io/name': 'opensearch', 'app.kubernetes.io/part-of': 'meshtrace' };
    const heap = props.heap ?? '512m';
    this.service = labeledService(this, 'Service', {
      name: 'opensearch',
      selector: labels,
      labels,
      headless: true,
      ports: [
        { name: 'http-rest', port: 9200 },
        { name: 'tcp-transport', port: 9300 },
      ],
    });
    const tmp = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp');
    // Named like the claim template: the StatefulSet drops it from the pod spec and the
    // mount binds to the per-pod claim `data-opensearch-0` instead.
    const data = kplus.Volume.fromEmptyDir(this, 'DataVolume', 'data');
    const logs = kplus.Volume.fromEmptyDir(this, 'LogsVolume', 'logs');
    const probe = (delay: number) =>
      kplus.Probe.fromTcpSocket({
        port: 9200,
        initialDelaySeconds: Duration.seconds(delay),
        periodSeconds: Duration.seconds(10),
        failureThreshold: 6,
      });
    this.statefulSet = new kplus.StatefulSet(this, 'StatefulSet', {
      metadata: { name: 'opensearch', labels },
      service: this.service,
      replicas: 1,
      volumeClaimTemplates: [
        { name: 'data', storage: memory(props.storageSize ?? '5Gi'), accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE] },
      ],
      ...podDefaults({ user: OPENSEARCH_UID }),
      podMetadata: { labels: { 'sidecar.istio.io/inject': 'false' } },
      volumes: [tmp, logs, data],
      containers: [
        {
          name: 'opensearch',
          image: props.image ?? 'opensearchproject/opensearch:2.19.2',
          ports: [
            { number: 9200, name: 'http-rest' },
            { number: 9300, name: 'tcp-transport' },
          ],
          envVariables: {
            'discovery.type': kplus.EnvValue.fromValue('single-node'),
            DISABLE_SECURITY_PLUGIN: kplus.EnvValue.fromValue('true'),
            DISABLE_INSTALL_DEMO_CONFIG: kplus.EnvValue.fromValue('true'),
            OPENSEARCH_JAVA_OPTS: kplus.EnvValue.fromValue(`-Xms${heap} -Xmx${heap}`),
          },
          // The image writes its keystore and config under /usr/share/opensearch/config at start-up.
          ...containerDefaults({
            resources: props.resources ?? { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1536Mi' },
            user: OPENSEARCH_UID,
            readOnlyRootFilesystem: false,
          }),
          readiness: probe(20),
          liveness: probe(60),
          volumeMounts: [
            { path: '/tmp', volume: tmp },
            { path: '/usr/share/opensearch/logs', volume: logs },
            { path: '/usr/share/opensearch/data', volume: data },
          ],
        },
      ],
    });
    finishWorkload(this.statefulSet, labels);
    // cdk8s-plus copies the workload's generated address label into the governing Service's selector;
    // that label is removed from the pods (finishWorkload), so it must go from the selector too.
    ApiObject.of(this.service).addJsonPatch(JsonPatch.remove('/spec/selector/cdk8s.io~1metadata.addr'));
    this.url = 'http://opensearch:9200';
  }
}
