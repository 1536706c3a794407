/**
 * An embedded OTLP/HTTP trace receiver for local runs (`meshtrace verify --otlp-listen`, the local
 * demo): `POST /v1/traces` with `application/x-protobuf` or `application/json`, optionally
 * `Content-Encoding: gzip`. Spans are kept in memory, grouped by trace id.
 *
 * Responses follow the OTLP/HTTP spec, in the request's encoding: 200 with an
 * ExportTraceServiceResponse (a partial success when the span store is full), and a google.rpc.Status
 * body for every error — 400 undecodable or out-of-bounds data (otlp-limits.ts, otlp-json-shape.ts),
 * 408 a body that stops arriving for the idle bound, 413 a body over the limit before or after decompression (or OTLP/JSON with too many objects), 415 another Content-Type or Content-Encoding, 503 with
 * Retry-After when the bytes of bodies in flight reach their cap. A refused request whose body has
 * not all arrived is answered first, then the connection is closed (`Connection: close`) after a
 * bounded drain, so the sender reads the status instead of a reset. Every cap is an option here and
 * a flag of `verify` and `demo` (docs/verify.md).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Span, Trace } from '../model';
import { otlpSpanSteps } from './otlp';
import { jsonShapeSteps } from './otlp-json-shape';
import { otlpProtobufSpanSteps } from './otlp-proto-fast';
import { runInSlices } from './stepwise';
import { ByteBudget } from './receiver/byte-budget';
import { DecodeGate } from './receiver/decode-gate';
import { errorBody, successBody, type OtlpEncoding } from './receiver/export-response';
import { HttpError } from './receiver/http-error';
import { gunzipBounded, readBody, reserveDeclared, type BodyLease } from './receiver/read-body';
import { SpanStore } from './receiver/span-store';
import { RECEIVER_DEFAULTS } from './receiver/defaults';

export { RECEIVER_DEFAULTS };

export interface OtlpReceiverOptions {
  /** Interface to bind. @default '127.0.0.1' (never all interfaces unless asked) */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @default 4318 */
  readonly port?: number;
  /** Largest accepted body, compressed and decompressed; larger: 413. @default 20 MiB */
  readonly maxBodyBytes?: number;
  /**
   * Bytes of bodies buffered at once across all requests; beyond: 503 + Retry-After. At least twice
   * maxBodyBytes (a gzip body is held compressed and decompressed), or a largest body could never pass.
   * @default 64 MiB, or 2 × maxBodyBytes when that is more
   */
  readonly maxInflightBytes?: number;
  /** Spans kept; beyond: dropped, counted, one warning. @default 200000 */
  readonly maxSpans?: number;
  /** Decoded body bytes of the spans kept; beyond: as maxSpans. @default 32 MiB */
  readonly maxStoredBytes?: number;
  /**
   * Longest wait for the next bytes of a body (from its first byte wanted); then 408, the connection
   * closes and the body's share of maxInflightBytes is free at once. @default 10 s
   */
  readonly bodyIdleTimeoutMs?: number;
  /** Where the one "spans dropped" warning goes. @default a line on stderr */
  readonly onWarning?: (line: string) => void;
}

export interface OtlpReceiver {
  /** Base URL (`http://host:port`); exporters append `/v1/traces`. */
  readonly url: string;
  readonly port: number;
  /** Every trace received so far (a snapshot). */
  traces(): Trace[];
  /** Total spans accepted. */
  readonly spansReceived: number;
  /** Spans refused because the store was full (answered as a partial success). */
  readonly spansDropped: number;
  /** Epoch ms of the last accepted batch (0 before any). */
  readonly lastSpanAt: number;
  /** Bytes of request bodies held right now (what maxInflightBytes caps). */
  readonly bytesInFlight: number;
  /** Called with each accepted batch; returns an unsubscribe function. */
  onSpans(cb: (spans: readonly Span[]) => void): () => void;
  /** Forgets every span received so far (and re-arms the "store full" warning). */
  clear(): void;
  close(): Promise<void>;
}

/** How long, and how many bytes, a refused request's unread body is discarded before the socket closes. */
const DRAIN_MS = 5_000;
/** Node's bound on a whole request (the idle bound cuts off a stalled body long before it). */
const REQUEST_TIMEOUT_MS = 30_000;

type Encoding = OtlpEncoding | undefined;

function encodingOf(contentType: string | undefined): Encoding {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/**
 * Lets the sender read a refusal sent before its body ended. Node ends a `Connection: close` response
 * with `socket.destroySoon()`: close(2) while request bytes still arrive, and the kernel answers them
 * with a reset that can reach the sender before it has read the status. So only half-close (FIN after
 * the response), keep discarding what arrives, and close once the sender closes its side (Node then
 * destroys the socket) or a bound is hit.
 */
function closeAfterDrain(req: IncomingMessage, socket: Socket, maxBytes: number): void {
  let drained = 0;
  const timer = setTimeout(() => socket.destroy(), DRAIN_MS).unref();
  socket.once('close', () => clearTimeout(timer));
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > maxBytes) socket.destroy();
  });
  req.resume();
  socket.destroySoon = () => {
    socket.end();
  };
}

/**
 * The body's spans, decoded in slices: a near-limit body takes hundreds of ms to decode, and every other
 * request would wait behind it. (JSON.parse itself cannot be split: a 16 MiB OTLP/JSON body still holds
 * the loop for its parse, ~0.1 s.) Undecodable: 400.
 */
async function decodeSpans(encoding: OtlpEncoding, body: Buffer): Promise<Span[]> {
  try {
    return await runInSlices(encoding === 'protobuf' ? otlpProtobufSpanSteps(body) : otlpSpanSteps(JSON.parse(body.toString('utf8'))));
  } catch (err) {
    throw new HttpError(400, `${encoding === 'protobuf' ? 'protobuf' : 'JSON'} body could not be decoded: ${(err as Error).message}`);
  }
}

// long-function: a factory whose short inner handlers (accept, the request handler, close) share one receiver's
// state (store, byte budget, decode gate, counters) by closure; each is small, the span is their sum.
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxBodyBytes ?? RECEIVER_DEFAULTS.maxBodyBytes;
  const inflightLimit = options.maxInflightBytes ?? Math.max(RECEIVER_DEFAULTS.maxInflightBytes, 2 * limit);
  if (inflightLimit < 2 * limit) {
    throw new RangeError(
      `maxInflightBytes ${inflightLimit} is below twice maxBodyBytes ${limit}: a largest gzip body (held compressed and decompressed) could never be accepted`,
    );
  }
  const bodyIdleMs = options.bodyIdleTimeoutMs ?? RECEIVER_DEFAULTS.bodyIdleTimeoutMs;
  if (!(bodyIdleMs > 0)) throw new RangeError(`bodyIdleTimeoutMs ${bodyIdleMs} must be above 0`);
  const inflight = new ByteBudget(inflightLimit);
  const decoding = new DecodeGate(limit);
  const store = new SpanStore(options.maxSpans ?? RECEIVER_DEFAULTS.maxSpans, options.maxStoredBytes ?? RECEIVER_DEFAULTS.maxStoredBytes);
  const warn = options.onWarning ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const listeners = new Set<(spans: readonly Span[]) => void>();
  let spansReceived = 0;
  let spansDropped = 0;
  let warned = false;
  let lastSpanAt = 0;

  /** Stores a decoded batch; returns how many spans did not fit. */
  function accept(spans: Span[], bodyBytes: number): number {
    const kept = store.add(spans, bodyBytes);
    const dropped = spans.length - kept.length;
    if (dropped > 0) {
      spansDropped += dropped;
      if (!warned) {
        warned = true;
        warn(
          `meshtrace: OTLP receiver full (${store.storedSpans} spans from ${store.storedBytes} bytes stored; caps ${store.maxSpans} spans, ${store.maxBytes} bytes): ` +
            'dropping further spans, counted as rejected in each response; raise --otlp-max-spans / --otlp-max-stored',
        );
      }
    }
    if (kept.length === 0) return dropped;
    spansReceived += kept.length;
    lastSpanAt = Date.now();
    for (const cb of listeners) {
      try {
        cb(kept);
      } catch {
        // A listener's bug must not turn into a failed export for the sender.
      }
    }
    return dropped;
  }

  /** `expectContinue`: the sender waits for `100 Continue` (curl does above 1 MiB); sent only once the body is wanted. */
  async function handle(req: IncomingMessage, res: ServerResponse, lease: BodyLease, expectContinue: boolean): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/v1/traces') throw new HttpError(404, `unknown path ${path}; OTLP/HTTP traces go to /v1/traces`);
    if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed; use POST`);
    const encoding = encodingOf(req.headers['content-type']);
    if (!encoding) {
      throw new HttpError(
        415,
        `content-type ${JSON.stringify(req.headers['content-type'] ?? '')} not supported; use application/x-protobuf or application/json`,
      );
    }
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'gzip' && contentEncoding !== 'identity') {
      throw new HttpError(415, `content-encoding ${JSON.stringify(req.headers['content-encoding'])} not supported; use gzip or none`);
    }
    reserveDeclared(req, limit, inflight, lease);
    if (expectContinue) res.writeContinue();
    let body = await readBody(req, limit, inflight, lease, bodyIdleMs);
    if (contentEncoding === 'gzip') body = gunzipBounded(body, limit, inflight, lease);
    if (encoding === 'json') {
      const problem = await runInSlices(jsonShapeSteps(body));
      if (problem) throw new HttpError(problem.kind === 'containers' ? 413 : 400, problem.message);
    }
    await decoding.enter(body.length);
    let dropped: number;
    try {
      dropped = accept(await decodeSpans(encoding, body), body.length);
    } finally {
      decoding.leave(body.length);
    }
    const reply = successBody(
      encoding,
      dropped,
      dropped > 0 ? `receiver span store full (${store.maxSpans} spans / ${store.maxBytes} bytes): ${dropped} span(s) not stored` : '',
    );
    res.writeHead(200, { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body) });
    res.end(reply.body);
  }

  function refuse(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (res.headersSent || res.destroyed || req.socket.destroyed) return;
    const status = err instanceof HttpError ? err.status : 500;
    const reply = errorBody(encodingOf(req.headers['content-type']) ?? 'json', status, (err as Error).message);
    const unread = !req.complete;
    res.writeHead(status, {
      'content-type': reply.contentType,
      'content-length': Buffer.byteLength(reply.body),
      ...(err instanceof HttpError && err.retryAfterS !== undefined ? { 'retry-after': String(err.retryAfterS) } : {}),
      // The rest of an unread body cannot be told apart from the next request: close after it.
      ...(unread ? { connection: 'close' } : {}),
    });
    if (unread) closeAfterDrain(req, req.socket, limit);
    res.end(reply.body);
  }

  const onRequest =
    (expectContinue: boolean) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const lease: BodyLease = { bytes: 0 };
      handle(req, res, lease, expectContinue)
        .catch((err: unknown) => refuse(req, res, err))
        .finally(() => inflight.give(lease.bytes));
    };
  const server = createServer(onRequest(false));
  // A refusal known from the headers alone (path, type, encoding, Content-Length, budget) then goes out
  // before the sender has sent any of its body.
  server.on('checkContinue', onRequest(true));
  server.keepAliveTimeout = 30_000;
  // A sender that stalls mid-request must not hold the receiver (or its in-flight budget) forever: a
  // stalled body meets the idle bound (readBody); these bound slow headers and a body that trickles.
  server.headersTimeout = 15_000;
  server.requestTimeout = Math.max(REQUEST_TIMEOUT_MS, bodyIdleMs);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4318, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    traces: () => store.traces(),
    get spansReceived() {
      return spansReceived;
    },
    get spansDropped() {
      return spansDropped;
    },
    get lastSpanAt() {
      return lastSpanAt;
    },
    get bytesInFlight() {
      return inflight.inUse;
    },
    onSpans(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    clear() {
      store.clear();
      warned = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
