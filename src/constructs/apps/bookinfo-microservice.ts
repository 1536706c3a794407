import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { ResourceQuantities } from '../workload-defaults';
import { containerDefaults, finishWorkload, labeledService, podDefaults } from '../workload-defaults';

/** Bookinfo serves every microservice on 9080 (upstream bookinfo.yaml). */
export const BOOKINFO_PORT = 9080;

export interface BookinfoVersion {
  /** `v1`, `v2`, … (label `version`, Deployment `<app>-<version>`). */
  readonly version: string;
  /** Full image reference. */
  readonly image: string;
}

export interface BookinfoMicroserviceProps {
  /**
   * Upstream app name: `details`, `ratings`, `reviews` or `productpage` (Service, labels, container).
   * @default - the construct id
   */
  readonly app?: string;
  /**
   * One Deployment per version.
   * @default - none (only the Service and ServiceAccount)
   */
  readonly versions?: readonly BookinfoVersion[];
  /**
   * Requests and limits per container.
   * @default - 20m/500m CPU, 64Mi/256Mi memory
   */
  readonly resources?: ResourceQuantities;
  /**
   * Numeric UID of the image's USER (1000 for details/ratings/productpage, 1001 for reviews).
   * @default 1000
   */
  readonly user?: number;
  /**
   * Numeric GID.
   * @default - same as `user`
   */
  readonly group?: number;
  /**
   * Read-only root filesystem (off only for images proven to write outside their volumes).
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * emptyDir mounts `{ name: path }`, as upstream declares them.
   * @default - none
   */
  readonly emptyDirs?: Readonly<Record<string, string>>;
  /**
   * Container environment.
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Pod template annotations.
   * @default - none
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/**
 * One Bookinfo microservice exactly as upstream names it: ServiceAccount `bookinfo-<app>`
 * (label `account`), Service `<app>` (labels `app`, `service`; port 9080 named `http`; selects
 * `app`), and Deployments `<app>-<version>` (labels `app`, `version`).
 * @see https://github.com/istio/istio/blob/1.30.3/samples/bookinfo/platform/kube/bookinfo.yaml
 */
export class BookinfoMicroservice extends Construct {
  readonly app: string;
  readonly service: kplus.Service;
  readonly serviceAccount: kplus.ServiceAccount;
  readonly deployments: kplus.Deployment[] = [];

  constructor(scope: Construct, id: string, props: BookinfoMicroserviceProps = {}) {
    super(scope, id);
    const app = (this.app = props.app ?? id);
    this.service = labeledService(this, 'Service', {
      name: app,
      labels: { app, service: app },
      selector: { app },
      ports: [{ name: 'http', port: BOOKINFO_PORT }],
    });
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: `bookinfo-${app}`, labels: { account: app } },
      automountToken: false,
    });
    const user = props.user ?? 1000;
    for (const { version, image } of props.versions ?? []) {
      const volumes = Object.entries(props.emptyDirs ?? {}).map(([name, path]) => ({
        path,
        volume: kplus.Volume.fromEmptyDir(this, `${version}-${name}`, name),
      }));
      const labels = { app, version };
      const deployment = new kplus.Deployment(this, `Deployment-${version}`, {
        metadata: { name: `${app}-${version}`, labels },
        replicas: 1,
        serviceAccount: this.serviceAccount,
        ...podDefaults({ user, group: props.group }),
        podMetadata: props.podAnnotations ? { annotations: { ...props.podAnnotations } } : undefined,
        volumes: volumes.map((v) => v.volume),
        containers: [
          {
            name: app,
            image,
            ports: [{ number: BOOKINFO_PORT }],
            envVariables: Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
            ...containerDefaults({
              resources: props.resources ?? { cpuRequest: '20m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
              user,
              group: props.group,
              readOnlyRootFilesystem: props.readOnlyRootFilesystem,
            }),
            volumeMounts: volumes,
          },
        ],
      });
      finishWorkload(deployment, labels);
      this.deployments.push(deployment);
    }
  }
}
