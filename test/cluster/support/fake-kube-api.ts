/**
 * A loopback HTTP server speaking the few Kubernetes API calls the lane makes: read
 * Deployment/StatefulSet/Service, list pods (with labelSelector) and events, read pod logs, and
 * the pod port-forward WebSocket (v4.channel.k8s.io, implemented with the `ws` package that
 * @kubernetes/client-node itself depends on). Port-forwards are tunnelled to real loopback
 * servers registered per pod port, so bytes really travel client → WebSocket → server → pod.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';

type Obj = Record<string, unknown>;

interface WsLike {
  protocol: string;
  send(data: Buffer): void;
  close(): void;
  on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close', fn: () => void): void;
}
interface WsServerLike {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WsLike) => void): void;
  close(): void;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
}

function matchesSelector(labels: Record<string, string>, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels[k] === v;
  });
}

export class FakeKubeApi {
  readonly deployments = new Map<string, Obj>();
  readonly statefulsets = new Map<string, Obj>();
  readonly services = new Map<string, Obj>();
  readonly pods: Obj[] = [];
  readonly events: Obj[] = [];
  readonly logs = new Map<string, string>();
  /** `ns/pod:port` → loopback port of the server that plays the pod's container port. */
  readonly podPorts = new Map<string, number>();
  readonly requests: RecordedRequest[] = [];
  /** Port-forward tunnels currently open. */
  openTunnels = 0;
  private server?: Server;
  private wss?: WsServerLike;
  private readonly sockets = new Set<Socket | Duplex>();
  url = '';

  async start(): Promise<string> {
    const wsModule: string = 'ws';
    const { WebSocketServer } = (await import(wsModule)) as { WebSocketServer: new (opts: object) => WsServerLike };
    this.wss = new WebSocketServer({
      noServer: true,
      // kubectl and client-node offer several channel protocols; v4 is what API servers pick for port-forward
      handleProtocols: (protocols: Set<string>) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
    });
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', () => resolve()));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.wss?.close();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A kubeconfig whose only context points at this server. */
  kubeConfig(context = 'kind-fake'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake', token: 'not-a-secret' }],
      contexts: [{ name: context, cluster: 'fake', user: 'fake' }],
      currentContext: context,
    });
    return kc;
  }

  // ------------------------------------------------------------------ builders for test state

  deployment(
    ns: string,
    name: string,
    spec: { replicas?: number; ready?: number; updated?: number; generation?: number; observed?: number; labels?: Record<string, string> },
  ): void {
    const replicas = spec.replicas ?? 1;
    const ready = spec.ready ?? replicas;
    this.deployments.set(`${ns}/${name}`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, generation: spec.generation ?? 1 },
      spec: { replicas, selector: { matchLabels: spec.labels ?? { app: name } } },
      status: {
        observedGeneration: spec.observed ?? spec.generation ?? 1,
        replicas,
        updatedReplicas: spec.updated ?? replicas,
        readyReplicas: ready,
        availableReplicas: ready,
      },
    });
  }

  statefulset(
    ns: string,
    name: string,
    spec: { replicas?: number; ready?: number; currentRevision?: string; updateRevision?: string },
  ): void {
    const replicas = spec.replicas ?? 1;
    this.statefulsets.set(`${ns}/${name}`, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, namespace: ns, generation: 1 },
      spec: { replicas, selector: { matchLabels: { app: name } } },
      status: {
        observedGeneration: 1,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: spec.ready ?? replicas,
        currentRevision: spec.currentRevision ?? 'r1',
        updateRevision: spec.updateRevision ?? 'r1',
      },
    });
  }

  service(
    ns: string,
    name: string,
    selector: Record<string, string>,
    ports: { name?: string; port: number; targetPort: number | string }[],
  ): void {
    this.services.set(`${ns}/${name}`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: { selector, ports: ports.map((p) => ({ protocol: 'TCP', ...p })) },
    });
  }

  pod(
    ns: string,
    name: string,
    spec: {
      labels: Record<string, string>;
      ready?: boolean;
      phase?: string;
      ports?: { name?: string; containerPort: number }[];
      containers?: { name: string; ready?: boolean; waiting?: string; restarts?: number }[];
      unschedulable?: string;
    },
  ): void {
    const containers = spec.containers ?? [{ name: 'app', ready: spec.ready ?? true }];
    this.pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, labels: spec.labels },
      spec: { containers: containers.map((c, i) => ({ name: c.name, image: 'x', ports: i === 0 ? spec.ports : undefined })) },
      status: {
        phase: spec.phase ?? (spec.unschedulable ? 'Pending' : 'Running'),
        conditions: [
          { type: 'Ready', status: spec.ready === false ? 'False' : 'True' },
          ...(spec.unschedulable ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: spec.unschedulable }] : []),
        ],
        containerStatuses: containers.map((c) => ({
          name: c.name,
          ready: c.ready ?? spec.ready ?? true,
          restartCount: c.restarts ?? 0,
          image: 'x',
          imageID: '',
          state: c.waiting ? { waiting: { reason: c.waiting } } : { running: { startedAt: '2026-11-21T00:00:00Z' } },
        })),
      },
    });
  }

  // ------------------------------------------------------------------ HTTP

  private send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }

  private notFound(res: ServerResponse, what: string): void {
    this.send(res, 404, {
      apiVersion: 'v1',
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: `${what} not found`,
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query });
    let m: RegExpMatchArray | null;
    if ((m = url.pathname.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets)\/([^/]+)$/))) {
      const store = m[2] === 'deployments' ? this.deployments : this.statefulsets;
      const obj = store.get(`${m[1]}/${m[3]}`);
      return obj ? this.send(res, 200, obj) : this.notFound(res, `${m[2]} ${m[3]}`);
    }
    if ((m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/))) {
      const obj = this.services.get(`${m[1]}/${m[2]}`);
      return obj ? this.send(res, 200, obj) : this.notFound(res, `services ${m[2]}`);
    }
    if ((m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/))) {
      const ns = m[1];
      const items = this.pods.filter(
        (p) =>
          (p.metadata as Obj).namespace === ns &&
          matchesSelector((p.metadata as { labels: Record<string, string> }).labels, query.labelSelector),
      );
      return this.send(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: {}, items });
    }
    if ((m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/events$/))) {
      const ns = m[1];
      return this.send(res, 200, {
        apiVersion: 'v1',
        kind: 'EventList',
        metadata: {},
        items: this.events.filter((e) => (e.metadata as Obj).namespace === ns),
      });
    }
    if ((m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/))) {
      const text = this.logs.get(`${m[1]}/${m[2]}/${query.container ?? ''}`) ?? this.logs.get(`${m[1]}/${m[2]}/`);
      if (text === undefined) return this.notFound(res, `pods ${m[2]}`);
      const lines = text.split('\n');
      const tailed = query.tailLines ? lines.slice(-Number(query.tailLines)).join('\n') : text;
      return this.send(res, 200, tailed, 'text/plain');
    }
    this.send(res, 404, { kind: 'Status', code: 404, message: `fake API server does not serve ${url.pathname}` });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ method: 'UPGRADE', path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/);
    const port = Number(url.searchParams.get('ports'));
    const target = m ? this.podPorts.get(`${m[1]}/${m[2]}:${port}`) : undefined;
    if (!m || target === undefined || !this.wss) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.openTunnels += 1;
      const portBytes = Buffer.alloc(2);
      portBytes.writeUInt16LE(port, 0);
      // the first frame of each channel carries the port number (data channel 0, error channel 1)
      ws.send(Buffer.concat([Buffer.from([0]), portBytes]));
      ws.send(Buffer.concat([Buffer.from([1]), portBytes]));
      const upstream: Socket = connect(target, '127.0.0.1');
      this.sockets.add(upstream);
      upstream.on('data', (chunk: Buffer) => ws.send(Buffer.concat([Buffer.from([0]), chunk])));
      upstream.on('close', () => {
        this.sockets.delete(upstream);
        ws.close();
      });
      upstream.on('error', () => ws.close());
      ws.on('message', (data: Buffer) => {
        if (data.length > 0 && data[0] === 0) upstream.write(data.subarray(1));
      });
      ws.on('close', () => {
        this.openTunnels -= 1;
        upstream.end();
      });
    });
  }
}
