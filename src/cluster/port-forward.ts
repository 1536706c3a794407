/**
 * Port-forwards opened by the kit itself (no `kubectl port-forward` child processes to leak):
 * a loopback listener on an ephemeral port whose every connection is tunnelled to one ready pod
 * behind a Service, through the Kubernetes seam (client-node's WebSocket port-forward).
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { ServicePortRef } from './plan';
import type { KubeApi, PodInfo, ServiceInfo } from './kube';
import { podProblems } from './wait';

export interface ForwardTarget {
  readonly pod: string;
  readonly podPort: number;
}

/** Which container port a Service port leads to on a given pod (pure; kubectl's rule). */
export function podPortFor(service: ServiceInfo, pod: PodInfo, port: number): number | undefined {
  const servicePort = service.ports.find((p) => p.port === port);
  if (!servicePort) {
    // not a Service port: a port of the pod itself (e.g. the collector's :8888 metrics); like
    // kubectl, forward even when the container does not declare it
    return port;
  }
  if (typeof servicePort.targetPort === 'number') return servicePort.targetPort;
  const asNumber = Number(servicePort.targetPort);
  if (Number.isInteger(asNumber) && asNumber > 0) return asNumber;
  return pod.containerPorts.find((p) => p.name === servicePort.targetPort)?.containerPort;
}

/** Finds a ready pod behind the Service and the pod port to use; rejects saying what is missing. */
export async function resolveForwardTarget(kube: KubeApi, ref: ServicePortRef): Promise<ForwardTarget> {
  const where = `svc/${ref.service} -n ${ref.namespace}`;
  const service = await kube.getService(ref.namespace, ref.service);
  if (!service) throw new Error(`cannot port-forward to ${where}: the Service does not exist`);
  const selector = Object.entries(service.selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (!selector) throw new Error(`cannot port-forward to ${where}: the Service has no selector`);
  const pods = (await kube.listPods(ref.namespace, selector)).sort((a, b) => a.name.localeCompare(b.name));
  const pod = pods.find((p) => p.ready && p.phase === 'Running');
  if (!pod) {
    const why = podProblems(pods);
    throw new Error(
      `cannot port-forward to ${where}: no ready pod matches ${selector}${why.length ? ` (${why.join('; ')})` : ' (no pods)'}`,
    );
  }
  const podPort = podPortFor(service, pod, ref.port);
  if (podPort === undefined) {
    const named = service.ports.find((p) => p.port === ref.port)?.targetPort;
    throw new Error(
      `cannot port-forward to ${where} port ${ref.port}: it targets port name "${String(named)}", which no container of pod ${pod.name} declares`,
    );
  }
  return { pod: pod.name, podPort };
}

export interface OpenForward {
  readonly id: string;
  readonly target: ServicePortRef;
  readonly pod: string;
  readonly podPort: number;
  readonly localPort: number;
  /** `http://127.0.0.1:<localPort>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Opens the forward; `close()` stops the listener and every tunnel it opened. */
export async function openPortForward(kube: KubeApi, id: string, ref: ServicePortRef): Promise<OpenForward> {
  const target = await resolveForwardTarget(kube, ref);
  const sockets = new Set<Socket>();
  const closers = new Set<() => void>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    kube
      .forwardStream(ref.namespace, target.pod, target.podPort, socket)
      .then((closeTunnel) => {
        closers.add(closeTunnel);
        socket.on('close', () => {
          closers.delete(closeTunnel);
          closeTunnel();
        });
      })
      .catch(() => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const localPort = typeof address === 'object' && address ? address.port : 0;
  return {
    id,
    target: ref,
    pod: target.pod,
    podPort: target.podPort,
    localPort,
    url: `http://127.0.0.1:${localPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of closers) c();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
