/**
 * The relay hop's programmatic API: `startRelay(options)` starts one hop (the CLI, the local demo and
 * the conformance tests all go through it) and returns a handle whose `close()` drains gracefully.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { ClientConnection } from './http1';
import { Hop } from './hop';
import { RelayMetrics, renderMetrics } from './metrics';
import { resolveRelayOptions, type RelayOptions, type ResolvedRelayOptions } from './options';
import { createOtlpSpanSink, SpanBatcher, type SpanExportStats, type SpanSink } from './span-export';

export type { RelayOptions, OtlpProtocol, ResolvedRelayOptions } from './options';
export {
  RelayOptionError,
  resolveRelayOptions,
  parseHostPort,
  parseDurationMs,
  parseKeyValues,
  parsePropagate,
  PROPAGATION_FORMATS,
  DEFAULT_MAX_HEADER_BYTES,
} from './options';
export { parseFault, formatFault, FaultSyntaxError, type Fault } from '../faults';
export type { SpanExportStats } from './span-export';

export interface RunningRelay {
  /** `http://host:port` the hop listens on. */
  readonly url: string;
  readonly port: number;
  /** `http://host:port` of the admin listener, when one was asked for. */
  readonly adminUrl?: string;
  /** The options in effect (defaults applied). */
  readonly options: ResolvedRelayOptions;
  /** Span counters (undefined without `otlpEndpoint`). */
  spanStats(): SpanExportStats | undefined;
  /** Prometheus text of the hop's counters. */
  metricsText(): string;
  /** Graceful: stop accepting, finish in-flight requests, flush spans, close pools. Idempotent. */
  close(): Promise<void>;
}

/** Test seam: where spans go (default: the OTLP/HTTP exporter for `otlpEndpoint`). */
export interface RelayInternals {
  readonly spanSink?: SpanSink;
}

/** The shortest time the span flush on close gets, even after a drain that used the whole timeout. */
const SPAN_FLUSH_FLOOR_MS = 2000;

function listen(server: Server | NetServer, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** What a running relay is made of: what `shutdown` stops, in order. */
interface RelayParts {
  readonly o: ResolvedRelayOptions;
  readonly metrics: RelayMetrics;
  readonly hop: Hop;
  readonly batcher?: SpanBatcher;
  readonly server: NetServer;
  readonly connections: ReadonlySet<ClientConnection>;
  readonly idleSweep: NodeJS.Timeout;
  readonly admin?: Server;
}

/** The admin listener: liveness, readiness (503 while draining) and the Prometheus metrics. */
function adminListener({ o, hop, metrics, batcher }: Pick<RelayParts, 'o' | 'hop' | 'metrics' | 'batcher'>): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (path === '/healthz') send(200, 'ok\n');
    else if (path === '/readyz') send(hop.draining ? 503 : 200, hop.draining ? 'draining\n' : 'ready\n');
    else if (path === '/metrics') send(200, renderMetrics(o.serviceName, metrics, batcher?.stats()), 'text/plain; version=0.0.4');
    else send(404, 'not found: the admin listener serves /healthz, /readyz, /metrics\n');
  };
}

/**
 * The graceful stop: no new connections, in-flight requests answered (with `Connection: close`) until
 * `shutdownTimeoutMs`, then every connection ended, the pools closed and the spans flushed.
 */
async function shutdown({ o, metrics, hop, batcher, server, connections, idleSweep, admin }: RelayParts): Promise<void> {
  const shutdownStarted = Date.now();
  hop.draining = true;
  clearInterval(idleSweep);
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  // end(), not destroy(): a response finished in this very loop iteration may still sit in the
  // write batch (http1/write-batch.ts); end() flushes it, then sends FIN.
  for (const c of connections) if (c.idle) c.end();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), o.shutdownTimeoutMs);
  });
  const drained = await Promise.race([hop.idle().then(() => 'idle' as const), deadline]);
  if (drained === 'timeout')
    o.log(
      `relay ${o.serviceName}: shutdown timeout after ${o.shutdownTimeoutMs} ms with ${metrics.inFlight} requests in flight; closing them`,
    );
  // The last responses leave with the write batch; connections that finished end politely (the
  // client closes its side on FIN), and whatever is still open after a short grace is cut.
  await new Promise((resolve) => setImmediate(resolve));
  for (const c of connections) if (c.idle || drained === 'timeout') c.end();
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([stopped, new Promise((resolve) => (grace = setTimeout(resolve, drained === 'timeout' ? 0 : 2000)))]);
  clearTimeout(grace);
  for (const c of connections) c.socket.destroy();
  await stopped;
  await hop.close();
  clearTimeout(timer);
  // The span flush gets what is left of the shutdown timeout, at least SPAN_FLUSH_FLOOR_MS (the spans of
  // requests cut at the timeout), and never more: a hanging collector must not outlive the pod's grace.
  await batcher?.shutdown(Math.max(shutdownStarted + o.shutdownTimeoutMs, Date.now() + SPAN_FLUSH_FLOOR_MS));
  // Probes keep admin connections alive; they must not hold the exit.
  admin?.closeAllConnections();
  await new Promise<void>((resolve) => (admin ? admin.close(() => resolve()) : resolve()));
  const stats = batcher?.stats();
  if (stats && (stats.dropped || stats.failed || stats.pending)) {
    o.log(
      `relay ${o.serviceName}: spans lost: ${stats.dropped} dropped (queue full), ${stats.failed} failed export, ${stats.pending} unsent`,
    );
  }
}

/** Starts one relay hop. Rejects with `RelayOptionError` on bad options, or the listen error. */
export async function startRelay(options: RelayOptions, internals: RelayInternals = {}): Promise<RunningRelay> {
  const o = resolveRelayOptions(options);
  const metrics = new RelayMetrics();
  const sink = internals.spanSink ?? (o.otlpTracesUrl ? createOtlpSpanSink(o.otlpTracesUrl, o.otlpProtocol) : undefined);
  const batcher = sink
    ? new SpanBatcher(sink, { serviceName: o.serviceName, maxQueueSize: o.spanQueueSize, flushIntervalMs: o.spanFlushIntervalMs })
    : undefined;
  const hop = new Hop(o, metrics, batcher);
  const connections = new Set<ClientConnection>();
  const connectionOptions = {
    maxHeaderBytes: o.maxHeaderBytes,
    // Above the idle timeouts of callers (Envoy 1 h is out of reach; common LBs use 60 s): a caller must
    // not reuse a connection the relay is closing (the Envoy "UC" 503 race).
    idleTimeoutMs: 65_000,
    onRequest: hop.handle,
    onRejected: (status: number) => metrics.countRejected(status),
    isDraining: () => hop.draining,
    onInternalError: (err: unknown) => o.log(`relay ${o.serviceName}: internal error: ${(err as Error)?.stack ?? String(err)}`),
  };
  const idleSweep = setInterval(() => {
    const now = Date.now();
    for (const c of connections) c.sweep(now);
  }, 1000);
  idleSweep.unref();
  // Not half-open (Node's http default too): a client's FIN ends the connection, which is how an
  // aborted request is seen and cancelled upstream.
  const server = createNetServer({ allowHalfOpen: false, noDelay: true }, (socket: Socket) => {
    const connection = new ClientConnection(socket, connectionOptions);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  let admin: Server | undefined;
  let address: AddressInfo;
  let adminAddress: AddressInfo | undefined;
  try {
    address = await listen(server, o.host, o.port);
    if (o.admin) {
      admin = createServer(adminListener({ o, hop, metrics, batcher }));
      adminAddress = await listen(admin, o.admin.host, o.admin.port);
    }
  } catch (err) {
    clearInterval(idleSweep);
    server.close();
    admin?.close();
    await hop.close();
    await batcher?.shutdown();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= shutdown({ o, metrics, hop, batcher, server, connections, idleSweep, admin }));

  return {
    url: urlOf(o.host, address.port),
    port: address.port,
    adminUrl: adminAddress ? urlOf(o.admin!.host, adminAddress.port) : undefined,
    options: o,
    spanStats: () => batcher?.stats(),
    metricsText: () => renderMetrics(o.serviceName, metrics, batcher?.stats()),
    close,
  };
}
