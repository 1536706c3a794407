/**
 * The Kubernetes seam: the few API calls the lane makes (workload status, services, pods,
 * events, logs, port-forward streams), as plain data. `ClientNodeKube` implements it with
 * @kubernetes/client-node against a kubeconfig context; tests point it at a loopback server.
 */
import type { Duplex } from 'node:stream';
import { AppsV1Api, CoreV1Api, KubeConfig, PortForward } from '@kubernetes/client-node';
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { WorkloadKind, WorkloadRef } from './plan';

export interface WorkloadStatus extends WorkloadRef {
  readonly generation: number;
  readonly observedGeneration: number;
  /** Desired replicas (spec). */
  readonly replicas: number;
  /** Replicas that exist (status), old and new. */
  readonly currentReplicas: number;
  readonly updatedReplicas: number;
  readonly readyReplicas: number;
  readonly availableReplicas: number;
  /** StatefulSet revisions (equal once a rollout is done); absent for Deployments. */
  readonly currentRevision?: string;
  readonly updateRevision?: string;
  /** `spec.selector.matchLabels` as a label selector string, to find the pods. */
  readonly podSelector: string;
}

export interface ContainerInfo {
  readonly name: string;
  readonly ready: boolean;
  readonly restartCount: number;
  /** `running`, `waiting: ImagePullBackOff (message)`, `terminated: Error (exit 1)`. */
  readonly state: string;
}

export interface PodInfo {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly phase: string;
  readonly ready: boolean;
  /** PodScheduled=False reason and message, e.g. `Unschedulable: 0/1 nodes are available: Insufficient cpu`. */
  readonly unscheduled?: string;
  readonly containers: readonly ContainerInfo[];
  readonly containerPorts: readonly { readonly name?: string; readonly containerPort: number }[];
}

export interface EventInfo {
  readonly namespace: string;
  /** `Pod/productpage-v1-…` */
  readonly object: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly lastSeen: string;
}

export interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly name?: string; readonly port: number; readonly targetPort: number | string }[];
}

export interface KubeApi {
  /** undefined when the object does not exist (yet). */
  getWorkload(ref: WorkloadRef): Promise<WorkloadStatus | undefined>;
  getService(namespace: string, name: string): Promise<ServiceInfo | undefined>;
  listPods(namespace: string, labelSelector?: string): Promise<PodInfo[]>;
  listEvents(namespace: string): Promise<EventInfo[]>;
  readLog(namespace: string, pod: string, container?: string, tailLines?: number): Promise<string>;
  /**
   * Connects one TCP stream to `port` of a pod (one WebSocket per connection, like kubectl).
   * Resolves to a function that closes the tunnel.
   */
  forwardStream(namespace: string, pod: string, port: number, stream: Duplex): Promise<() => void>;
}

/** An API error with the HTTP status, so callers can tell "not found" from "cannot reach". */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function selectorString(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Deployment or StatefulSet object → status summary (pure). */
export function workloadStatusOf(kind: WorkloadKind, obj: V1Deployment | V1StatefulSet): WorkloadStatus {
  const status = obj.status ?? {};
  const s = status as V1StatefulSet['status'] & V1Deployment['status'];
  return {
    kind,
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    generation: obj.metadata?.generation ?? 0,
    observedGeneration: s?.observedGeneration ?? 0,
    replicas: obj.spec?.replicas ?? 1,
    currentReplicas: s?.replicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    currentRevision: kind === 'StatefulSet' ? (s?.currentRevision ?? undefined) : undefined,
    updateRevision: kind === 'StatefulSet' ? (s?.updateRevision ?? undefined) : undefined,
    podSelector: selectorString(obj.spec?.selector?.matchLabels),
  };
}

interface RawPod {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { containers?: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      state?: {
        running?: object;
        waiting?: { reason?: string; message?: string };
        terminated?: { reason?: string; exitCode?: number };
      };
    }[];
  };
}

/** Pod object → summary (pure). */
export function podInfoOf(pod: RawPod): PodInfo {
  const conditions = pod.status?.conditions ?? [];
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    labels: pod.metadata?.labels ?? {},
    phase: pod.status?.phase ?? 'Unknown',
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    unscheduled:
      scheduled && scheduled.status === 'False' ? `${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message ?? ''}`.trim() : undefined,
    containers: (pod.status?.containerStatuses ?? []).map((c) => ({
      name: c.name,
      ready: c.ready,
      restartCount: c.restartCount,
      state: c.state?.running
        ? 'running'
        : c.state?.waiting
          ? `waiting: ${c.state.waiting.reason ?? '?'}${c.state.waiting.message ? ` (${c.state.waiting.message})` : ''}`
          : c.state?.terminated
            ? `terminated: ${c.state.terminated.reason ?? '?'} (exit ${c.state.terminated.exitCode ?? '?'})`
            : 'unknown',
    })),
    containerPorts: (pod.spec?.containers ?? []).flatMap((c) =>
      (c.ports ?? []).map((p) => ({ name: p.name, containerPort: p.containerPort })),
    ),
  };
}

/** @kubernetes/client-node implementation, bound to one kubeconfig (one context). */
export class ClientNodeKube implements KubeApi {
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly forward: PortForward;

  /** Loads the default kubeconfig ($KUBECONFIG or ~/.kube/config) and selects `context`. */
  static forContext(context: string): ClientNodeKube {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw new KubeApiError(
        `kubeconfig has no context "${context}" (contexts: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    }
    kc.setCurrentContext(context);
    return new ClientNodeKube(kc);
  }

  constructor(readonly config: KubeConfig) {
    this.apps = config.makeApiClient(AppsV1Api);
    this.core = config.makeApiClient(CoreV1Api);
    // disconnectOnErr: an error on the port's error channel ends that connection, not the forward
    this.forward = new PortForward(config, true);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) return undefined;
      const server = this.config.getCurrentCluster()?.server ?? '(no server)';
      throw new KubeApiError(`${what} failed against ${server}: ${status ? `HTTP ${status}` : (err as Error).message}`, status);
    }
  }

  async getWorkload(ref: WorkloadRef): Promise<WorkloadStatus | undefined> {
    const what = `get ${ref.kind.toLowerCase()}/${ref.name} -n ${ref.namespace}`;
    if (ref.kind === 'Deployment') {
      const d = await this.call(what, () => this.apps.readNamespacedDeployment({ name: ref.name, namespace: ref.namespace }));
      return d && workloadStatusOf('Deployment', d);
    }
    const s = await this.call(what, () => this.apps.readNamespacedStatefulSet({ name: ref.name, namespace: ref.namespace }));
    return s && workloadStatusOf('StatefulSet', s);
  }

  async getService(namespace: string, name: string): Promise<ServiceInfo | undefined> {
    const svc = await this.call(`get service/${name} -n ${namespace}`, () => this.core.readNamespacedService({ name, namespace }));
    if (!svc) return undefined;
    return {
      namespace,
      name,
      selector: svc.spec?.selector ?? {},
      ports: (svc.spec?.ports ?? []).map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: (p.targetPort as number | string | undefined) ?? p.port,
      })),
    };
  }

  async listPods(namespace: string, labelSelector?: string): Promise<PodInfo[]> {
    const list = await this.call(`list pods -n ${namespace}`, () => this.core.listNamespacedPod({ namespace, labelSelector }));
    return (list?.items ?? []).map((p) => podInfoOf(p as RawPod));
  }

  async listEvents(namespace: string): Promise<EventInfo[]> {
    const list = await this.call(`list events -n ${namespace}`, () => this.core.listNamespacedEvent({ namespace }));
    return (list?.items ?? []).map((e) => ({
      namespace,
      object: `${e.involvedObject?.kind ?? '?'}/${e.involvedObject?.name ?? '?'}`,
      type: e.type ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
      lastSeen: String(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''),
    }));
  }

  async readLog(namespace: string, pod: string, container?: string, tailLines = 500): Promise<string> {
    const text = await this.call(`logs ${pod}${container ? ` -c ${container}` : ''} -n ${namespace}`, () =>
      this.core.readNamespacedPodLog({ name: pod, namespace, container, tailLines }),
    );
    return text ?? '';
  }

  async forwardStream(namespace: string, pod: string, port: number, stream: Duplex): Promise<() => void> {
    const ws = await this.forward.portForward(namespace, pod, [port], stream, null, stream);
    const socket = typeof ws === 'function' ? ws() : ws;
    // the pod side closing (container gone, port closed) must end the local connection too
    socket?.on?.('close', () => stream.end());
    return () => socket?.close();
  }
}
