import { Construct } from 'constructs';
import { bookinfoImage, DEFAULT_BOOKINFO_REGISTRY, DEFAULT_BOOKINFO_TAG } from './bookinfo-images';
import type { ResourceQuantities } from '../workload-defaults';
import { BookinfoGateway, type BookinfoGatewayProps } from './bookinfo-gateway';
import { BookinfoMicroservice } from './bookinfo-microservice';

export interface BookinfoProps {
  /**
   * Registry path of the `examples-bookinfo-*` images.
   * @default 'registry.istio.io/release'
   */
  readonly registry?: string;
  /**
   * Tag of every Bookinfo image.
   * @default '1.20.3'
   */
  readonly tag?: string;
  /**
   * reviews versions to run: v1 never calls ratings; v2/v3 do (black/red stars).
   * @default ['v1', 'v2', 'v3']
   */
  readonly reviewsVersions?: readonly ('v1' | 'v2' | 'v3')[];
  /**
   * Ingress flavor, or `none`.
   * @default 'istio'
   */
  readonly gateway?: BookinfoGatewayProps['flavor'] | 'none';
  /**
   * Ingress gateway pod labels (flavor istio).
   * @default { istio: 'ingressgateway' }
   */
  readonly gatewaySelector?: Readonly<Record<string, string>>;
  /**
   * Requests/limits of details, ratings and productpage.
   * @default - 20m/500m CPU, 64Mi/256Mi memory
   */
  readonly resources?: ResourceQuantities;
  /**
   * Requests/limits of reviews (a JVM).
   * @default - 50m/1 CPU, 256Mi/512Mi memory
   */
  readonly reviewsResources?: ResourceQuantities;
}

/**
 * Istio's Bookinfo with upstream images, tags, ports, labels and ServiceAccounts, hardened where
 * the images allow it (numeric non-root users, no capabilities, RuntimeDefault seccomp).
 * @see https://istio.io/latest/docs/examples/bookinfo/
 */
export class Bookinfo extends Construct {
  constructor(scope: Construct, id: string, props: BookinfoProps = {}) {
    super(scope, id);
    const registry = props.registry ?? DEFAULT_BOOKINFO_REGISTRY;
    const tag = props.tag ?? DEFAULT_BOOKINFO_TAG;
    const image = (workload: string) => bookinfoImage({ registry, tag }, workload);
    const reviewsVersions = props.reviewsVersions ?? ['v1', 'v2', 'v3'];
    if (reviewsVersions.length === 0) throw new Error('Bookinfo: reviewsVersions is empty; allowed: one or more of v1, v2, v3');

    // details (Ruby) and ratings (Node.js) run as USER 1000 and write nothing.
    new BookinfoMicroservice(this, 'details', { versions: [{ version: 'v1', image: image('details-v1') }], resources: props.resources });
    new BookinfoMicroservice(this, 'ratings', { versions: [{ version: 'v1', image: image('ratings-v1') }], resources: props.resources });
    // reviews (Open Liberty, USER 1001 with gid 0 as Liberty images expect) writes logs and its
    // server output: upstream's emptyDirs are kept, and the root filesystem stays writable because
    // the current base image writes under /opt/ol/wlp/output and /logs too (unproven read-only).
    new BookinfoMicroservice(this, 'reviews', {
      versions: reviewsVersions.map((v) => ({ version: v, image: image(`reviews-${v}`) })),
      resources: props.reviewsResources ?? { cpuRequest: '50m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '512Mi' },
      user: 1001,
      group: 0,
      readOnlyRootFilesystem: false,
      env: { LOG_DIR: '/tmp/logs' },
      emptyDirs: { tmp: '/tmp', 'wlp-output': '/opt/ibm/wlp/output' },
    });
    // productpage (gunicorn, USER 1000) needs a writable /tmp (upstream emptyDir).
    new BookinfoMicroservice(this, 'productpage', {
      versions: [{ version: 'v1', image: image('productpage-v1') }],
      resources: props.resources,
      emptyDirs: { tmp: '/tmp' },
      podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9080', 'prometheus.io/path': '/metrics' },
    });
    if ((props.gateway ?? 'istio') !== 'none') {
      new BookinfoGateway(this, 'Gateway', { flavor: props.gateway as BookinfoGatewayProps['flavor'], selector: props.gatewaySelector });
    }
  }
}
