/**
 * Real loopback upstreams for the relay's tests: an echo server that records what reached it, and the
 * misbehaving ones of the fault matrix (slow, reset mid-body). Port 0, 127.0.0.1 only.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect, createServer as createNetServer, type Server as NetServer } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: string;
}

export interface TestUpstream {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** requests whose connection closed before the response was written (aborted by the relay) */
  aborted: number;
  close(): Promise<void>;
}

async function listening(server: Server | NetServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server | NetServer, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

function track(server: Server | NetServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

export interface EchoOptions {
  /** ms before answering */
  readonly delayMs?: number;
  readonly status?: number;
  /** response headers to add */
  readonly headers?: Record<string, string>;
  /** answer body (default: `ok`) */
  readonly body?: string;
}

/** Records each request, then answers (after `delayMs`) with `status` and `body`. */
export async function startEchoUpstream(options: EchoOptions = {}): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const upstream = { url: '', seen, aborted: 0, close: async () => {} } as TestUpstream;
  // Large header limit: the relay's own limit is under test, not this upstream's.
  const server = createServer({ maxHeaderSize: 128 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = (): void => {
        const body = options.body ?? 'ok';
        res.writeHead(options.status ?? 200, {
          'content-type': 'text/plain',
          'content-length': Buffer.byteLength(body),
          ...options.headers,
        });
        res.end(body);
      };
      if (options.delayMs) {
        const timer = setTimeout(answer, options.delayMs);
        res.on('close', () => {
          if (!res.writableFinished) {
            clearTimeout(timer);
            upstream.aborted++;
          }
        });
      } else answer();
    });
  });
  server.maxHeadersCount = 0;
  const sockets = track(server);
  (upstream as { url: string }).url = await listening(server);
  upstream.close = closer(server, sockets);
  return upstream;
}

/**
 * Sends status line, headers (Content-Length 1000) and half the body — in `chunks` separate writes
 * 30 ms apart — then resets the connection.
 */
export async function startResetMidBodyUpstream(chunks = 1): Promise<TestUpstream> {
  const upstream = { url: '', seen: [], aborted: 0, close: async () => {} } as TestUpstream;
  const server = createNetServer((socket) => {
    socket.once('data', async () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n');
      for (let i = 0; i < chunks; i++) {
        await new Promise((r) => setTimeout(r, 30));
        socket.write('x'.repeat(Math.floor(500 / chunks)));
      }
      setTimeout(() => socket.resetAndDestroy(), 50);
    });
  });
  const sockets = track(server);
  (upstream as { url: string }).url = await listening(server);
  upstream.close = closer(server, sockets);
  return upstream;
}

/** A loopback port with nothing listening (bound, then released). */
export async function refusedUrl(): Promise<string> {
  const server = createNetServer();
  const url = await listening(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

/** Sends raw bytes and resolves with everything the server answered until it closed (or `timeoutMs`). */
/**
 * A raw client paced by the test: `pieces` are written `gapMs` apart (the first at once); resolves with
 * everything received (latin1) when the relay closes the connection.
 */
export function rawPacedRequest(port: number, pieces: ReadonlyArray<string | Buffer>, gapMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
    let next = 0;
    const writeNext = (): void => {
      if (next >= pieces.length || socket.destroyed) return;
      socket.write(pieces[next++]);
      setTimeout(writeNext, gapMs);
    };
    writeNext();
  });
}

export function rawRequest(port: number, bytes: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: Error) => {
      clearTimeout(timer);
      if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}
