/**
 * An embedded OTLP/HTTP trace receiver for local runs (`meshtrace verify --otlp-listen`, the local
 * demo): `POST /v1/traces` with `application/x-protobuf` or `application/json`, optionally
 * `Content-Encoding: gzip`. Spans are kept in memory, grouped by trace id.
 * Responses follow the OTLP/HTTP spec: 200 with an empty ExportTraceServiceResponse in the
 * request's encoding; 400 for undecodable bodies; 413 above the size limit; 415 for other types.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Span, Trace } from '../model';
import { spansFromOtlp } from './otlp';
import { EMPTY_EXPORT_RESPONSE } from './otlp-proto';
import { spansFromOtlpProtobuf } from './otlp-proto-fast';

const gunzipAsync = promisify(gunzip);

export interface OtlpReceiverOptions {
  /** Interface to bind. @default '127.0.0.1' (never all interfaces unless asked) */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @default 4318 */
  readonly port?: number;
  /** Largest accepted body, compressed and decompressed. @default 32 MiB */
  readonly maxBodyBytes?: number;
}

export interface OtlpReceiver {
  /** Base URL (`http://host:port`); exporters append `/v1/traces`. */
  readonly url: string;
  readonly port: number;
  /** Every trace received so far (a snapshot). */
  traces(): Trace[];
  /** Total spans accepted. */
  readonly spansReceived: number;
  /** Epoch ms of the last accepted batch (0 before any). */
  readonly lastSpanAt: number;
  /** Called with each accepted batch; returns an unsubscribe function. */
  onSpans(cb: (spans: readonly Span[]) => void): () => void;
  /** Forgets every span received so far. */
  clear(): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const byTrace = new Map<string, Span[]>();
  const listeners = new Set<(spans: readonly Span[]) => void>();
  let spansReceived = 0;
  let lastSpanAt = 0;

  function accept(spans: Span[]): void {
    for (const s of spans) {
      let list = byTrace.get(s.traceId);
      if (!list) byTrace.set(s.traceId, (list = []));
      list.push(s);
    }
    spansReceived += spans.length;
    lastSpanAt = Date.now();
    for (const cb of listeners) {
      try {
        cb(spans);
      } catch {
        // A listener's bug must not turn into a failed export for the sender.
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/v1/traces') throw new HttpError(404, `unknown path ${path}; OTLP/HTTP traces go to /v1/traces`);
    if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed; use POST`);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const isProto = type === 'application/x-protobuf' || type === 'application/protobuf';
    if (!isProto && type !== 'application/json') {
      throw new HttpError(415, `content-type ${type || '(none)'} not supported; use application/x-protobuf or application/json`);
    }
    let body = await readBody(req, limit);
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding === 'gzip') {
      try {
        body = await gunzipAsync(body, { maxOutputLength: limit });
      } catch (err) {
        throw new HttpError(400, `gzip body could not be decompressed: ${(err as Error).message}`);
      }
    } else if (encoding !== 'identity') {
      throw new HttpError(415, `content-encoding ${encoding} not supported; use gzip or none`);
    }
    let spans: Span[];
    try {
      spans = isProto ? spansFromOtlpProtobuf(body) : spansFromOtlp(JSON.parse(body.toString('utf8')));
    } catch (err) {
      throw new HttpError(400, `${isProto ? 'protobuf' : 'JSON'} body could not be decoded: ${(err as Error).message}`);
    }
    accept(spans);
    if (isProto) {
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': EMPTY_EXPORT_RESPONSE.length });
      res.end(EMPTY_EXPORT_RESPONSE);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (res.headersSent) return;
      // OTLP/HTTP error bodies are google.rpc.Status; JSON is readable for humans and SDKs alike.
      res.writeHead(status, { 'content-type': 'application/json', connection: status === 413 ? 'close' : 'keep-alive' });
      res.end(JSON.stringify({ code: status === 400 ? 3 : 2, message: (err as Error).message }));
    });
  });
  server.keepAliveTimeout = 30_000;
  // A sender that stalls mid-request must not hold the receiver forever.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;

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
    traces: () => [...byTrace].map(([traceId, spans]) => ({ traceId, spans: [...spans] })),
    get spansReceived() {
      return spansReceived;
    },
    get lastSpanAt() {
      return lastSpanAt;
    },
    onSpans(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    clear() {
      byTrace.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
