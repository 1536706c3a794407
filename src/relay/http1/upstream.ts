/**
 * Upstream connections: a keep-alive pool of raw TCP sockets per upstream, speaking HTTP/1.1 with the
 * head parsers next to this file, and the mapping of upstream failures to the status a client gets.
 *
 * Why not undici: the relay must reach half of nginx's throughput on one core, and a generic HTTP
 * client stack costs more than the relay's own work; a hop that only rewrites headers and forwards
 * bytes does not need one (BENCHMARKS.md, Relay; propagation notes §D).
 *
 * One request per connection at a time (no pipelining upstream: a slow response would stall the ones
 * queued behind it). A reused connection that dies before answering a request without a body is
 * retried once on a fresh one (the stale keep-alive race; nginx's `proxy_next_upstream error` does the
 * same); anything else fails the call.
 */
import { connect, type Socket } from 'node:net';
import { ChunkedScanner, joined } from './chunked';
import { writeBatched } from './write-batch';
import { parseResponseHead, type ResponseHead } from './response-head';

export interface UpstreamOptions {
  readonly connections: number;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly maxHeaderBytes: number;
}

/**
 * The one read buffer of every upstream socket (`onread`): a read is handled to the end before the next
 * one starts, so one buffer serves all connections. It spares a Buffer allocation and the Readable
 * stream's bookkeeping per read (BENCHMARKS.md, Relay); the price is the
 * rule on `UpstreamHandler.onData`.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * Methods retried once after a stale keep-alive connection failed before any response byte (the
 * upstream may have processed the request before it died): RFC 9110 §9.2.2's idempotent methods, as
 * nginx's `proxy_next_upstream` (never POST, PATCH, LOCK).
 */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Below common server idle timeouts (Node 5 s) so the pool never reuses a socket the upstream is closing. */
const IDLE_TIMEOUT_MS = 4000;

/** An upstream failure; `code` is a system error code (ECONNREFUSED…) or one of the relay's own below. */
export class UpstreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the relay sends: the serialized head and, for a buffered body, the body. */
export interface UpstreamRequest {
  readonly method: string;
  /** Request line and header fields, CRLFCRLF included (latin1). */
  readonly head: string;
  /** A complete body sent after the head (fan-out); streamed bodies go through `UpstreamCall.write`. */
  readonly body?: Buffer;
  /** The body is streamed by the caller (`write` / `end`). */
  readonly streaming?: boolean;
  /** Deliver a chunked response body as plain data (for an HTTP/1.0 client). */
  readonly dechunk?: boolean;
}

/** Callbacks of one call; after `onEnd` or `onError` nothing more is called. */
export interface UpstreamHandler {
  onHead(head: ResponseHead): void;
  /**
   * Response body bytes. The chunk is valid **only during this call**: it is a view of the read buffer
   * all upstream connections share, which the next read overwrites — copy what you keep.
   */
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: UpstreamError): void;
}

/** One request/response exchange with an upstream. */
export interface UpstreamCall {
  /** Writes streamed body bytes (wire framing as is); false when the socket buffer is full. */
  write(chunk: Buffer): boolean;
  /**
   * The streamed body is complete. Until then the connection is never reused: an upstream that
   * answers early would read the rest of the body as the next request (request smuggling).
   */
  end(): void;
  /** Calls `cb` once when the socket buffer drains. */
  onDrain(cb: () => void): void;
  /** Stops reading the response (the client is slow); no timeout runs while paused. */
  pause(): void;
  resume(): void;
  /** Cancels the call (no callback follows); its connection is closed, never reused. */
  abort(): void;
}

/** One upstream base URL with its keep-alive pool. */
export class Upstream {
  readonly origin: string;
  /** The Host header sent upstream (the upstream's own, like nginx's `$proxy_host`). */
  readonly host: string;
  /** The base path to prefix ('' for '/'). */
  readonly basePath: string;
  private readonly hostname: string;
  private readonly port: number;
  private readonly idle: Connection[] = [];
  private readonly waiting: Call[] = [];
  private open = 0;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly url: URL,
    readonly options: UpstreamOptions,
  ) {
    this.origin = url.origin;
    this.host = url.host;
    this.hostname = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || 80);
    this.basePath = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  /** The upstream request target for an incoming one. */
  path(target: string): string {
    if (target === '*') return target;
    return this.basePath ? this.basePath + (target.startsWith('/') ? target : `/${target}`) : target;
  }

  /** Starts a call: on an idle connection, a new one, or queued until one is free. */
  call(request: UpstreamRequest, handler: UpstreamHandler): UpstreamCall {
    const call = new Call(this, request, handler);
    if (this.closed) {
      queueMicrotask(() => call.fail(new UpstreamError('pool_closed', `upstream ${this.origin} pool is closed`)));
      return call;
    }
    this.assign(call);
    return call;
  }

  /** Closes every connection. In-flight calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const c of this.idle.splice(0)) c.socket.destroy();
    for (const call of this.waiting.splice(0)) call.fail(new UpstreamError('pool_closed', `upstream ${this.origin} pool is closed`));
  }

  /** @internal a call wants a connection (first try, or the retry of a stale one) */
  assign(call: Call): void {
    const now = performance.now();
    while (this.idle.length) {
      const connection = this.idle.pop()!;
      if (now - connection.idleSince < IDLE_TIMEOUT_MS && !connection.socket.destroyed) {
        connection.start(call, true);
        return;
      }
      connection.socket.destroy();
    }
    if (this.open < this.options.connections) {
      this.open++;
      new Connection(this, this.hostname, this.port).start(call, false);
      return;
    }
    this.waiting.push(call);
  }

  /** @internal a connection finished its call and may serve another */
  release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next) {
      connection.start(next, true);
      return;
    }
    connection.idleSince = performance.now();
    this.idle.push(connection);
  }

  /** @internal a connection is gone */
  closedConnection(connection: Connection): void {
    this.open--;
    const i = this.idle.indexOf(connection);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.waiting.shift();
    if (next && !this.closed) this.assign(next);
  }

  /** @internal a queued call was aborted */
  dequeue(call: Call): void {
    const i = this.waiting.indexOf(call);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  private sweep(): void {
    const now = performance.now();
    for (let i = this.idle.length - 1; i >= 0; i--) {
      if (now - this.idle[i].idleSince >= IDLE_TIMEOUT_MS) this.idle.splice(i, 1)[0].socket.destroy();
    }
  }
}

/** @internal */
class Call implements UpstreamCall {
  connection?: Connection;
  finished = false;
  retried = false;
  /** a response byte has arrived (a failure after that is never retried) */
  answered = false;
  /** the call runs on a kept-alive connection (only those are retried) */
  reused = false;
  /** streamed body bytes written before the call had a connection */
  queuedBody?: Buffer[];
  private queuedBytes = 0;
  drainWaiter?: () => void;
  /** the whole request body has been handed over (always, for a request without a streamed body) */
  bodyEnded: boolean;
  /** the caller paused the response (client back-pressure) */
  paused = false;

  constructor(
    readonly upstream: Upstream,
    readonly request: UpstreamRequest,
    readonly handler: UpstreamHandler,
  ) {
    this.bodyEnded = !request.streaming;
  }

  write(chunk: Buffer): boolean {
    if (this.finished) return true;
    if (this.connection) return this.connection.writeBody(chunk);
    (this.queuedBody ??= []).push(chunk);
    this.queuedBytes += chunk.length;
    return this.queuedBytes < 64 * 1024;
  }

  end(): void {
    if (this.bodyEnded) return;
    this.bodyEnded = true;
    if (!this.finished) this.connection?.bodyEnded();
  }

  onDrain(cb: () => void): void {
    if (this.finished) {
      cb();
      return;
    }
    this.drainWaiter = cb;
    // Queued for a connection: `Connection.start` re-registers the waiter on the socket.
    if (!this.connection) return;
    this.connection.socket.once('drain', () => {
      const waiter = this.drainWaiter;
      this.drainWaiter = undefined;
      waiter?.();
    });
  }

  pause(): void {
    if (this.finished || this.paused) return;
    this.paused = true;
    this.connection?.socket.pause();
  }

  resume(): void {
    // Once finished, the connection may already serve another call: never touch it.
    if (this.finished || !this.paused) return;
    this.paused = false;
    this.connection?.resumed();
  }

  abort(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.connection) this.connection.abandon();
    else this.upstream.dequeue(this);
  }

  /** Ends the call with an error (once). */
  fail(err: UpstreamError): void {
    if (this.finished) return;
    this.finished = true;
    this.handler.onError(err);
  }
}

/** @internal one TCP connection to the upstream and the response being read on it */
class Connection {
  idleSince = 0;
  private call?: Call;
  private timer?: NodeJS.Timeout;
  private timerMs = 0;
  private timeoutCode = '';
  private timeoutWhat = '';
  /** bytes of an incomplete response head */
  private pending?: Buffer;
  private head?: ResponseHead;
  /** body bytes still expected (length framing) */
  private remaining = 0;
  private chunked?: ChunkedScanner;
  private reusable = false;

  readonly socket: Socket;

  constructor(
    private readonly upstream: Upstream,
    host: string,
    port: number,
  ) {
    const socket = connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => this.onRead(n, buf as Buffer) },
    });
    this.socket = socket;
    socket.on('connect', () => {
      if (this.call) this.arm(this.upstream.options.responseTimeoutMs, 'response_timeout', 'response timeout');
    });
    socket.on('end', () => this.onEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(err));
    socket.on('close', () => {
      this.clearTimer();
      this.upstream.closedConnection(this);
      const call = this.call;
      if (call && !call.finished) this.failCall(socketFailure(this.upstream.origin, 'ECONNRESET'));
    });
  }

  start(call: Call, reused: boolean): void {
    this.call = call;
    call.connection = this;
    call.reused = reused;
    this.pending = undefined;
    this.head = undefined;
    this.chunked = undefined;
    this.reusable = false;
    const { request } = call;
    // A new connection is started before it can have connected: the connect timeout runs first.
    if (!reused) this.arm(this.upstream.options.connectTimeoutMs, 'connect_timeout', 'connect timeout');
    else this.arm(this.upstream.options.responseTimeoutMs, 'response_timeout', 'response timeout');
    // Writes before `connect` are queued by the socket.
    writeBatched(this.socket, request.head);
    if (request.body && request.body.length) this.socket.write(request.body);
    if (call.queuedBody) {
      for (const chunk of call.queuedBody) this.socket.write(chunk);
      call.queuedBody = undefined;
      if (call.drainWaiter) call.onDrain(call.drainWaiter);
    }
  }

  /**
   * Streamed request body bytes. Each one restarts the running timer: a slow upload is the client's
   * pace, not an upstream that does not answer (the response timeout counts from the body's end).
   */
  writeBody(chunk: Buffer): boolean {
    // Not the connect timeout: bytes queued for a socket that is not connected say nothing of the upstream.
    if (this.timeoutCode !== 'connect_timeout') this.timer?.refresh();
    return this.socket.write(chunk);
  }

  /** @internal the streamed body is complete: the response timeout starts now */
  bodyEnded(): void {
    if (this.timeoutCode === 'response_timeout') this.timer?.refresh();
  }

  /** @internal the caller resumed reading after client back-pressure */
  resumed(): void {
    this.socket.resume();
    this.timer?.refresh();
  }

  /** The call was cancelled: this connection's state is unknown, so it goes. */
  abandon(): void {
    this.call = undefined;
    this.socket.destroy();
  }

  /**
   * (Re)starts the connection's one timer for the current phase. The Timeout object is reused (`refresh`)
   * while the duration stays the same: a new timer per phase per request costs measurably on the hot path.
   */
  private arm(ms: number, code: string, what: string): void {
    this.timeoutCode = code;
    this.timeoutWhat = what;
    if (this.timer && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerMs = ms;
    // Unref'd: a kept-alive connection's timer left armed between calls must not hold the process.
    this.timer = setTimeout(() => this.onTimeout(), ms).unref();
  }

  private onTimeout(): void {
    const call = this.call;
    if (!call || call.finished) return;
    if (call.paused) {
      // Waiting for a slow client, not for the upstream: the client side bounds that (its send timeout).
      this.timer?.refresh();
      return;
    }
    this.call = undefined;
    this.socket.destroy();
    call.fail(new UpstreamError(this.timeoutCode, `upstream ${this.upstream.origin} ${this.timeoutWhat}`));
  }

  /**
   * Only when the socket closes: between calls the timer stays armed (it finds no call if it fires), so
   * the next call can `refresh` it — a cleared Node timer cannot be refreshed.
   */
  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** `onread` callback; true: keep reading (back-pressure pauses the socket explicitly). */
  private onRead(n: number, buf: Buffer): boolean {
    try {
      this.onData(buf.subarray(0, n));
    } catch (err) {
      // A bug must cost this call, never the process.
      this.failCall(
        new UpstreamError(
          'internal_error',
          `relay internal error reading from upstream ${this.upstream.origin}: ${(err as Error)?.message ?? String(err)}`,
        ),
      );
    }
    return true;
  }

  /** One read's bytes (a view of `READ_BUFFER`: copied wherever they outlive this call). */
  private onData(chunk: Buffer): void {
    const call = this.call;
    if (!call || call.finished) {
      // Bytes nobody asked for: the connection is out of step.
      this.socket.destroy();
      return;
    }
    call.answered = true;
    let buf = chunk;
    let offset = 0;
    while (!this.head) {
      if (this.pending) {
        buf = Buffer.concat([this.pending, buf.subarray(offset)]);
        offset = 0;
        this.pending = undefined;
      }
      const end = buf.indexOf('\r\n\r\n', offset, 'latin1');
      // Complete or not, a head over the limit is refused as soon as it is seen.
      if ((end < 0 ? buf.length : end) - offset > this.upstream.options.maxHeaderBytes) {
        return this.failCall(
          new UpstreamError(
            'response_headers_too_large',
            `upstream ${this.upstream.origin} sent response headers over the size limit (${this.upstream.options.maxHeaderBytes} bytes)`,
          ),
        );
      }
      if (end < 0) {
        // Kept across reads: copied out of the shared read buffer.
        this.pending = Buffer.from(offset ? buf.subarray(offset) : buf);
        return;
      }
      const head = parseResponseHead(buf.toString('latin1', offset, end), call.request.method);
      if (typeof head === 'string') return this.invalidResponse(`sent an invalid response: ${head}`);
      offset = end + 4;
      if (head.status < 200) {
        // 1xx informational (100 Continue, 103 Early Hints): read on; the final response follows.
        if (head.status === 101) return this.invalidResponse('switched protocols, which the relay never asks for');
        if (offset >= buf.length) return;
        continue;
      }
      this.head = head;
      this.reusable = head.keepAlive;
      if (head.framing.kind === 'length') this.remaining = head.framing.length;
      else if (head.framing.kind === 'chunked') this.chunked = new ChunkedScanner(this.upstream.options.maxHeaderBytes);
      // The body timeout restarts with every chunk (idle time, like undici's bodyTimeout).
      this.arm(this.upstream.options.responseTimeoutMs, 'body_timeout', 'response body timeout');
      call.handler.onHead(head);
      if (call.finished) return;
      if (head.framing.kind === 'none') {
        if (offset < buf.length) this.reusable = false;
        return this.complete();
      }
    }
    if (offset >= buf.length) return;
    this.timer?.refresh();
    this.onBody(call, buf, offset);
  }

  /** Body bytes of the current response from `offset` on, by its framing: a known length, chunked, or up to the close. */
  private onBody(call: Call, buf: Buffer, offset: number): void {
    const framing = this.head!.framing;
    if (framing.kind === 'length') {
      const available = buf.length - offset;
      if (available <= this.remaining) {
        this.remaining -= available;
        call.handler.onData(offset ? buf.subarray(offset) : buf);
      } else {
        // More than the response: the upstream is out of step; deliver the body, drop the connection.
        call.handler.onData(buf.subarray(offset, offset + this.remaining));
        this.remaining = 0;
        this.reusable = false;
      }
      if (this.remaining === 0 && !call.finished) this.complete();
    } else if (framing.kind === 'chunked') {
      const scanner = this.chunked!;
      // De-chunking (an HTTP/1.0 client) delivers the chunk data; otherwise the body goes on re-framed
      // canonically, with only the trailer fields a trailer may carry (`chunked.ts`).
      const dechunk = call.request.dechunk;
      const framed: Buffer[] | undefined = dechunk ? undefined : [];
      const used = scanner.scan(buf, offset, dechunk ? (b, from, to) => call.handler.onData(b.subarray(from, to)) : undefined, framed);
      if (used < 0) return this.invalidResponse(`sent a malformed chunked body: ${scanner.error}`);
      if (framed && framed.length) call.handler.onData(joined(framed));
      if (scanner.done && offset + used < buf.length) this.reusable = false;
      if (scanner.done && !call.finished) this.complete();
    } else {
      call.handler.onData(offset ? buf.subarray(offset) : buf);
    }
  }

  private invalidResponse(what: string): void {
    this.failCall(new UpstreamError('invalid_response', `upstream ${this.upstream.origin} ${what}`));
  }

  private onEnd(): void {
    const call = this.call;
    if (call && !call.finished && this.head?.framing.kind === 'close') return this.complete();
    this.socket.end();
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    const call = this.call;
    if (!call || call.finished) return;
    this.failCall(socketFailure(this.upstream.origin, err.code ?? 'ECONNRESET'));
  }

  /** The call fails; a stale reused connection that never answered a body-less request is retried once. */
  private failCall(err: UpstreamError): void {
    const call = this.call;
    this.call = undefined;
    this.socket.destroy();
    if (!call || call.finished) return;
    const stale =
      call.reused &&
      !call.answered &&
      !call.retried &&
      !call.request.streaming &&
      IDEMPOTENT.has(call.request.method) &&
      (err.code === 'ECONNRESET' || err.code === 'EPIPE');
    if (stale) {
      call.retried = true;
      call.connection = undefined;
      this.upstream.assign(call);
      return;
    }
    call.fail(err);
  }

  private complete(): void {
    const call = this.call!;
    this.call = undefined;
    call.finished = true;
    // Reused only when the upstream has read the whole request: after an early answer (401, 413, a
    // redirect) the rest of a streamed body would be read as the next request on this connection.
    // Released first: a call the handler starts from `onEnd` can take this very connection.
    if (this.reusable && call.bodyEnded && !this.socket.destroyed) {
      if (call.paused) this.socket.resume();
      this.upstream.release(this);
    } else this.socket.destroy();
    call.handler.onEnd();
  }
}

/** A socket-level failure (system error code) as one line naming the upstream. */
function socketFailure(origin: string, code: string): UpstreamError {
  const what =
    code === 'ECONNREFUSED'
      ? 'refused the connection'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host name does not resolve'
        : code === 'ECONNRESET' || code === 'EPIPE'
          ? 'closed the connection before a complete response'
          : 'failed';
  return new UpstreamError(code, `upstream ${origin} ${what} (${code})`);
}

/** What an upstream failure means for the client. */
export interface UpstreamFailure {
  /** 502 (bad gateway) or 504 (timeout) */
  readonly status: 502 | 504;
  /** low-cardinality `error.type` */
  readonly type: string;
  /** one line for the span status and the response body */
  readonly message: string;
}

/** The relay's own failure codes that are timeouts (→ 504). */
const TIMEOUT_CODES = new Set(['connect_timeout', 'response_timeout', 'body_timeout']);

/** Classifies an upstream failure: timeouts → 504, everything else (refused, reset, bad response) → 502. */
export function classifyUpstreamError(err: UpstreamError): UpstreamFailure {
  return { status: TIMEOUT_CODES.has(err.code) ? 504 : 502, type: err.code, message: err.message };
}
