/**
 * @kubernetes/client-node is by far the heaviest import of the CLI (measured ~7 s of a 10 s
 * `meshtrace --help` on a loaded 2-core machine, ~65 % of the local demo's wall time). Only the
 * cluster lane needs it, and only once it talks to a cluster: this wrapper loads it on first use.
 */
import type { Duplex } from 'node:stream';
import type { KubeApi } from './kube';
import type { WorkloadRef } from './plan';

export class LazyClientNodeKube implements KubeApi {
  private real?: Promise<KubeApi>;

  constructor(private readonly context: string) {}

  private kube(): Promise<KubeApi> {
    this.real ??= import('./kube').then((m) => m.ClientNodeKube.forContext(this.context));
    return this.real;
  }

  async getWorkload(ref: WorkloadRef) {
    return (await this.kube()).getWorkload(ref);
  }

  async getService(namespace: string, name: string) {
    return (await this.kube()).getService(namespace, name);
  }

  async listPods(namespace: string, labelSelector?: string) {
    return (await this.kube()).listPods(namespace, labelSelector);
  }

  async listEvents(namespace: string) {
    return (await this.kube()).listEvents(namespace);
  }

  async readLog(namespace: string, pod: string, container?: string, tailLines?: number) {
    return (await this.kube()).readLog(namespace, pod, container, tailLines);
  }

  async forwardStream(namespace: string, pod: string, port: number, stream: Duplex) {
    return (await this.kube()).forwardStream(namespace, pod, port, stream);
  }
}
