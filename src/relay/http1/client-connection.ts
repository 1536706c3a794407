/**
 * The relay's server side: one client TCP connection, read as HTTP/1.1 by the relay itself.
 *
 * Why not `http.Server`: a hop that forwards bytes and rewrites a few headers does not need Node's
 * generic server (IncomingMessage and ServerResponse streams, header objects, a parser binding per
 * connection); on one core it caps the relay at a fraction of nginx (BENCHMARKS.md, Relay).
 * What Node's server did for the relay is done here, on purpose and tested (test/relay/): strict head
 * parsing (`request-head.ts`), the 60 KiB head limit (431), request bodies framed by
 * Content-Length or validated chunked coding (forwarded byte for byte), `Expect: 100-continue`,
 * keep-alive and pipelined requests answered in order, an idle timeout, and `Connection: close` while
 * draining. A client's FIN ends the connection (as with Node's server): that is how an abort is seen.
 *
 * A response that ends before its request body has fully arrived closes the connection afterwards (the
 * rest of the body is never parsed as a request).
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { ChunkedScanner, joined } from './chunked';
import { writeBatched } from './write-batch';
import { isHeadError, parseRequestHead, type RequestHead } from './request-head';

export interface ClientConnectionOptions {
  readonly maxHeaderBytes: number;
  /** Idle time before a kept-alive connection is closed (and the limit for a slow request head). */
  readonly idleTimeoutMs: number;
  onRequest(exchange: ClientExchange): void;
  /** A request refused before handling (malformed, too large), by status. */
  onRejected(status: number): void;
  /** Responses announce `Connection: close` and connections end after them. */
  isDraining(): boolean;
  /** An exception escaped request handling (the connection is closed). */
  onInternalError(err: unknown): void;
}

/** Where a streamed request body goes (an upstream call). */
export interface BodySink {
  write(chunk: Buffer): boolean;
  onDrain(cb: () => void): void;
  /** The body is complete (called once). */
  end(): void;
}

/** Bodies up to this size are written together with the response head. */
const SMALL_BODY_BYTES = 16 * 1024;

/** How long a connection the relay ended may stay open after its last byte left (nginx: lingering_timeout 5s). */
const LINGER_MS = 5000;

/**
 * Empty lines (CRLF) ignored before a request line (RFC 9112 §2.2: "SHOULD ignore at least one"; some
 * clients send one after a POST body). More is no client's habit, only a way to hold a connection: 400.
 */
export const MAX_LEADING_EMPTY_LINES = 4;

/** Bytes of request body held before the hop decides where it goes (then the socket pauses). */
const BODY_HOLD_BYTES = 64 * 1024;

let cachedDate = '';
let cachedDateSecond = -1;
/** RFC 9110 Date for the relay's own responses, formatted once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedDateSecond) {
    cachedDateSecond = second;
    cachedDate = new Date(now).toUTCString();
  }
  return cachedDate;
}

function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
}

/**
 * A whole response of the relay's own (answers, errors, refusals) as one string, to write as UTF-8.
 * 204 and 304 carry neither a body nor its headers (RFC 9110 §15.3.5, §15.4.5): a client reading by
 * the status would take the body for the next response.
 */
function ownResponse(
  status: number,
  contentType: string,
  body: string,
  connection: 'close' | 'keep-alive' | undefined,
  withBody = true,
): string {
  const bodyless = status === 204 || status === 304;
  return (
    `${statusLine(status)}${bodyless ? '' : `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`}Date: ${httpDate()}\r\n` +
    `${connection ? `Connection: ${connection}\r\n` : ''}\r\n${withBody && !bodyless ? body : ''}`
  );
}

/** One request on a client connection and its response. */
export class ClientExchange {
  readonly method: string;
  readonly target: string;
  readonly httpVersion: '1.0' | '1.1';
  /** `[name, value, …]` as received */
  readonly rawHeaders: string[];
  /** lowercase header names, one per pair of `rawHeaders` */
  readonly lowerHeaders: string[];
  /** field names the request's `Connection` lists */
  readonly connectionTokens?: ReadonlySet<string>;
  readonly host?: string;
  readonly userAgent?: string;
  readonly peerAddress?: string;
  readonly peerPort?: number;
  /** The request has a body (Content-Length > 0 or chunked). */
  readonly hasBody: boolean;
  /** Content-Length of the request (-1: none). */
  readonly contentLength: number;
  readonly chunked: boolean;
  /** The client went away before the response ended. */
  aborted = false;
  /**
   * Why the exchange was abandoned: the client went away, or its request body broke its own framing
   * (answered 400 by the connection; not the client's doing in the metrics sense).
   */
  abortReason: 'client' | 'invalid_request' = 'client';
  headersSent = false;
  finished = false;
  /** The request body has fully arrived. */
  bodyDone: boolean;
  keepAlive: boolean;

  private bodyRemaining: number;
  private readonly scanner?: ChunkedScanner;
  private sink?: BodySink;
  private held?: Buffer[];
  private heldBytes = 0;
  private discard = false;
  private collect?: { chunks: Buffer[]; size: number; limit: number; over: boolean; done: (body: Buffer | 'too-large') => void };
  private pendingHead?: string;
  private closeAfter = false;
  private abortListener?: () => void;

  constructor(
    private readonly connection: ClientConnection,
    head: RequestHead,
  ) {
    this.method = head.method;
    this.target = head.target;
    this.httpVersion = head.version;
    this.rawHeaders = head.raw;
    this.lowerHeaders = head.lower;
    this.connectionTokens = head.connectionTokens;
    this.host = head.host;
    this.userAgent = head.userAgent;
    this.peerAddress = connection.socket.remoteAddress;
    this.peerPort = connection.socket.remotePort;
    this.contentLength = head.contentLength;
    this.chunked = head.chunked;
    this.keepAlive = head.keepAlive;
    this.bodyRemaining = head.contentLength > 0 ? head.contentLength : 0;
    if (head.chunked) this.scanner = new ChunkedScanner(connection.options.maxHeaderBytes);
    this.hasBody = head.chunked || head.contentLength > 0;
    this.bodyDone = !this.hasBody;
  }

  /** Called once if the client goes away before the response ended. */
  onAbort(listener: () => void): void {
    this.abortListener = listener;
  }

  // ---- request body -------------------------------------------------------------------------------

  /** Streams the body (wire framing as is) to `sink`, with back-pressure. */
  pipeBody(sink: BodySink): void {
    this.sink = sink;
    const held = this.held;
    this.held = undefined;
    this.heldBytes = 0;
    let full = false;
    if (held) for (const chunk of held) full = !sink.write(chunk) || full;
    if (this.bodyDone) sink.end();
    if (full) this.waitForDrain();
    else this.connection.socket.resume();
  }

  /** Reads the whole body (payload, de-chunked) up to `limit` bytes. */
  readBody(limit: number): Promise<Buffer | 'too-large'> {
    return new Promise((done) => {
      this.collect = { chunks: [], size: 0, limit, over: false, done };
      const held = this.held;
      this.held = undefined;
      this.heldBytes = 0;
      if (held && this.chunked) {
        // Held bytes are the body as sent (chunk framing included, for a sink that forwards it as is):
        // decoded here by a scanner of their own (the connection's scanner has already read past them).
        const decoder = new ChunkedScanner(this.connection.options.maxHeaderBytes);
        for (const chunk of held) decoder.scan(chunk, 0, (b, start, end) => this.collectChunk(b.subarray(start, end)));
      } else if (held) for (const chunk of held) this.collectChunk(chunk);
      if (this.bodyDone) this.settleCollect();
      else this.connection.socket.resume();
    });
  }

  /** The body is not needed: drop it as it arrives. */
  discardBody(): void {
    this.discard = true;
    this.held = undefined;
    this.heldBytes = 0;
    this.connection.socket.resume();
  }

  /**
   * @internal Takes the request body bytes in `buf` from `from`; returns how many belonged to the body
   * (-1: a malformed chunked body).
   */
  feedBody(buf: Buffer, from: number): number {
    let used: number;
    let framed: Buffer[] | undefined;
    if (this.scanner) {
      if (this.collect) used = this.scanner.scan(buf, from, (b, s, e) => this.collectChunk(b.subarray(s, e)));
      else if (this.discard) used = this.scanner.scan(buf, from);
      else used = this.scanner.scan(buf, from, undefined, (framed = []));
      if (used < 0) return -1;
      if (this.scanner.done) this.bodyDone = true;
    } else {
      used = Math.min(this.bodyRemaining, buf.length - from);
      this.bodyRemaining -= used;
      if (this.bodyRemaining === 0) this.bodyDone = true;
      if (this.collect && used > 0) this.collectChunk(buf.subarray(from, from + used));
    }
    if (used > 0 && !this.collect && !this.discard) {
      // A chunked body goes on re-framed (`chunked.ts`), one buffer per read.
      const chunk = framed ? joined(framed) : from === 0 && used === buf.length ? buf : buf.subarray(from, from + used);
      if (this.sink) {
        if (chunk.length && !this.sink.write(chunk)) this.waitForDrain();
        if (this.bodyDone) this.sink.end();
      } else if (chunk.length) {
        (this.held ??= []).push(chunk);
        this.heldBytes += chunk.length;
        if (this.heldBytes >= BODY_HOLD_BYTES) this.connection.socket.pause();
      }
    }
    if (this.bodyDone && this.collect) this.settleCollect();
    return used;
  }

  private waitForDrain(): void {
    this.connection.socket.pause();
    this.sink!.onDrain(() => this.connection.socket.resume());
  }

  private collectChunk(chunk: Buffer): void {
    const c = this.collect!;
    c.size += chunk.length;
    if (c.size > c.limit) c.over = true;
    else c.chunks.push(chunk);
  }

  private settleCollect(): void {
    const c = this.collect!;
    c.done(c.over ? 'too-large' : Buffer.concat(c.chunks));
  }

  /** @internal the client went away (or its request body was malformed) */
  abort(reason: 'client' | 'invalid_request' = 'client'): void {
    if (this.finished || this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    if (this.collect) this.settleCollect();
    const listener = this.abortListener;
    this.abortListener = undefined;
    listener?.();
  }

  // ---- response -----------------------------------------------------------------------------------

  /** A complete response of the relay's own (errors, faults, leaf answers). */
  respond(status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
    if (this.headersSent || this.finished) return;
    const close = this.mustClose();
    this.headersSent = true;
    this.closeAfter = close;
    const socket = this.connection.socket;
    const connection = close ? 'close' : this.httpVersion === '1.0' ? 'keep-alive' : undefined;
    if (!socket.destroyed) writeBatched(socket, ownResponse(status, contentType, body, connection, this.method !== 'HEAD'), 'utf8');
    this.finish();
  }

  /**
   * Starts a forwarded response: `fields` are the header lines (`name: value\r\n` each) to send; the
   * body follows through `write`/`end` in the given framing. Nothing is written until the first
   * `write` or `end`, so a small response leaves in one write.
   */
  writeHead(status: number, fields: string, framing: 'length' | 'chunked' | 'close' | 'none'): void {
    if (this.headersSent || this.finished) return;
    const close = this.mustClose() || framing === 'close';
    let extra = '';
    if (framing === 'chunked') extra = 'transfer-encoding: chunked\r\n';
    if (close) extra += 'connection: close\r\n';
    else if (this.httpVersion === '1.0') extra += 'connection: keep-alive\r\n';
    this.closeAfter = close;
    this.headersSent = true;
    this.pendingHead = `${statusLine(status)}${fields}${extra}\r\n`;
  }

  /** Body bytes; false when the socket buffer is full (wait for `onDrain`). */
  write(chunk: Buffer): boolean {
    const socket = this.connection.socket;
    if (this.finished || socket.destroyed) return true;
    if (this.pendingHead !== undefined) {
      // A small body leaves with its head as one latin1 string (byte for byte): one plain write, which
      // measured cheaper than the corked two-buffer writev.
      if (chunk.length <= SMALL_BODY_BYTES) {
        const head = this.pendingHead;
        this.pendingHead = undefined;
        return this.connection.wrote(writeBatched(socket, head + chunk.toString('latin1')));
      }
      socket.cork();
      socket.write(this.pendingHead, 'latin1');
      this.pendingHead = undefined;
      const ok = socket.write(chunk);
      socket.uncork();
      return this.connection.wrote(ok);
    }
    return this.connection.wrote(socket.write(chunk));
  }

  onDrain(cb: () => void): void {
    this.connection.socket.once('drain', cb);
  }

  /** Ends the response (with a last body chunk). */
  end(chunk?: Buffer): void {
    if (this.finished) return;
    if (chunk && chunk.length) this.write(chunk);
    else if (this.pendingHead !== undefined && !this.connection.socket.destroyed) {
      writeBatched(this.connection.socket, this.pendingHead);
      this.pendingHead = undefined;
    }
    this.finish();
  }

  /** Cuts the connection: the only honest signal once a status line is out and the body cannot end. */
  destroy(): void {
    this.finished = true;
    this.connection.socket.destroy();
  }

  /**
   * The connection ends after this response (client asked, draining, or the request body is not all
   * read: what follows it cannot be parsed as a request). Announced, so a pooling caller (Envoy) does
   * not send another request on a connection about to close.
   */
  private mustClose(): boolean {
    return !this.keepAlive || !this.bodyDone || this.connection.options.isDraining();
  }

  private finish(): void {
    this.finished = true;
    this.connection.exchangeDone(this, this.closeAfter);
  }
}

/** One client connection: parses requests in order and hands each to `onRequest`. */
export class ClientConnection {
  /** bytes read but not yet parsed (a partial head, or pipelined requests) */
  private buf?: Buffer;
  private current?: ClientExchange;
  private parsing = false;
  private closed = false;
  /** when the last request began or the last response ended (Date.now()) */
  private lastActive = Date.now();
  /** when a response write last found the socket buffer full, until it drains (0: not stalled) */
  private stalledSince = 0;
  /** when the relay ended the connection (0: it has not) */
  private endedAt = 0;
  /** empty lines seen before the request line being waited for */
  private emptyLines = 0;
  /** bytes of the partial head in `buf` already checked for a bare LF */
  private headScanned = 0;

  constructor(
    readonly socket: Socket,
    readonly options: ClientConnectionOptions,
  ) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.onData(chunk);
      } catch (err) {
        // A bug must cost this connection, never the process.
        options.onInternalError(err);
        socket.destroy();
      }
    });
    socket.on('error', () => {
      // Resets and writes after the client left end in 'close', handled there.
    });
    socket.on('drain', () => {
      this.stalledSince = 0;
    });
    socket.on('close', () => {
      this.closed = true;
      const current = this.current;
      if (current && !current.finished) current.abort();
    });
  }

  /** No request in progress (safe to close while draining). */
  get idle(): boolean {
    return this.current === undefined;
  }

  private onData(chunk: Buffer): void {
    // Ended by the relay (draining, Connection: close): a request racing the FIN is never handled,
    // so it gets neither an answer nor a span (the client retries it elsewhere).
    if (this.closed) return;
    const current = this.current;
    if (current && !current.bodyDone && this.buf === undefined) {
      const used = current.feedBody(chunk, 0);
      if (used < 0) return this.protocolError();
      if (used < chunk.length) this.buf = chunk.subarray(used);
      else return;
    } else {
      this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    }
    if (!this.current) this.parseRequests();
    else if (this.buf && this.buf.length > this.options.maxHeaderBytes + BODY_HOLD_BYTES) this.socket.pause(); // pipelined flood
  }

  /**
   * Called by the server's sweep (`sweepIdle`): a connection with no request in progress for
   * `idleTimeoutMs` is closed, with a 408 if a request head was begun and never finished. One sweep
   * per server instead of a timer per socket, which Node refreshes on every read and write.
   */
  sweep(now: number): void {
    if (this.socket.destroyed) return;
    if (this.endedAt) {
      // Ended by the relay: the FIN is out once the writes are; a client that neither reads the rest
      // nor closes its side is cut after a linger (nginx's lingering close), or after the idle time
      // if it does not even take the response.
      const since = now - this.endedAt;
      if ((this.socket.writableFinished && since >= LINGER_MS) || since >= this.options.idleTimeoutMs) this.socket.destroy();
      return;
    }
    if (this.current) {
      // The client has not taken response bytes for the idle time (nginx's send_timeout): the exchange
      // is cut (its upstream call is aborted with it).
      if (this.stalledSince && now - this.stalledSince >= this.options.idleTimeoutMs) this.socket.destroy();
      return;
    }
    if (this.closed || now - this.lastActive < this.options.idleTimeoutMs) return;
    if (this.buf && this.buf.length) this.reject(408, 'request head not received in time');
    else this.socket.destroy();
  }

  /** @internal a response write's result: remembers a full socket buffer (the send timeout) */
  wrote(ok: boolean): boolean {
    if (!ok && !this.stalledSince) this.stalledSince = Date.now();
    return ok;
  }

  private parseRequests(): void {
    if (this.parsing) return;
    this.parsing = true;
    try {
      while (!this.current && this.buf && !this.closed) {
        let buf = this.buf;
        // RFC 9112 §2.2: empty lines before a request line are ignored, a few of them.
        let start = 0;
        while (start + 1 < buf.length && buf[start] === 0x0d && buf[start + 1] === 0x0a) {
          start += 2;
          if (++this.emptyLines > MAX_LEADING_EMPTY_LINES)
            return this.reject(400, `more than ${MAX_LEADING_EMPTY_LINES} empty lines before the request line`);
        }
        if (start) {
          buf = buf.subarray(start);
          this.buf = buf.length ? buf : undefined;
          this.headScanned = 0;
          if (!buf.length) return;
        }
        const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
        if (end < 0) {
          // A head with bare LF line ends never shows a CRLFCRLF: refused as soon as the LF arrives
          // (the 400 a complete head gets), not after 60 KiB or the idle timer.
          if (this.hasBareLf(buf)) return this.reject(400, 'bare LF in the request head (lines must end with CRLF)');
          if (buf.length > this.options.maxHeaderBytes) this.reject(431, `request headers over ${this.options.maxHeaderBytes} bytes`);
          return;
        }
        if (end + 4 > this.options.maxHeaderBytes) return this.reject(431, `request headers over ${this.options.maxHeaderBytes} bytes`);
        const head = parseRequestHead(buf.toString('latin1', 0, end));
        if (isHeadError(head)) return this.reject(head.status, head.reason);
        const rest = end + 4 < buf.length ? buf.subarray(end + 4) : undefined;
        this.buf = undefined;
        this.emptyLines = 0;
        this.headScanned = 0;
        const exchange = new ClientExchange(this, head);
        this.current = exchange;
        this.lastActive = Date.now();
        if (exchange.hasBody) {
          if (head.expectContinue) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
          if (rest) {
            const used = exchange.feedBody(rest, 0);
            if (used < 0) return this.protocolError();
            if (used < rest.length) this.buf = rest.subarray(used);
          }
        } else this.buf = rest;
        this.options.onRequest(exchange);
      }
    } finally {
      this.parsing = false;
    }
  }

  /**
   * The partial head in `buf` has an LF not preceded by CR. RFC 9112 §2.2 lets a recipient take a bare
   * LF as a line end or refuse it; a proxy that took it would read a head that a strict upstream reads
   * differently (a smuggling shape), so it is refused, as Node's llhttp does. Only the new bytes are
   * scanned on each read.
   */
  private hasBareLf(buf: Buffer): boolean {
    for (let i = buf.indexOf(0x0a, this.headScanned); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
      if (i === 0 || buf[i - 1] !== 0x0d) return true;
    }
    // The next read's first LF is checked against this read's last byte (a CR split from its LF).
    this.headScanned = buf.length;
    return false;
  }

  /** @internal the exchange's response is complete */
  exchangeDone(exchange: ClientExchange, close: boolean): void {
    if (this.current !== exchange) return;
    this.current = undefined;
    this.lastActive = Date.now();
    if (this.closed) return;
    if (close || !exchange.bodyDone || this.options.isDraining()) return this.end();
    this.socket.resume();
    if (this.buf) this.parseRequests();
  }

  /**
   * Ends the connection after what was written (and `lastResponse`, if given), with a FIN. Nothing more is
   * parsed from it, but it is read (and dropped) so the client's FIN is seen and a paused socket cannot
   * stay open forever.
   */
  end(lastResponse?: string): void {
    this.closed = true;
    this.buf = undefined;
    this.endedAt ||= Date.now();
    this.socket.resume();
    if (lastResponse === undefined) this.socket.end();
    else this.socket.end(lastResponse, 'utf8');
  }

  /** A refused request: the status with the reason, then the connection closes (what follows cannot be trusted). */
  private reject(status: number, reason: string): void {
    this.options.onRejected(status);
    this.end(ownResponse(status, 'text/plain; charset=utf-8', `${STATUS_CODES[status] ?? 'Error'}: ${reason}\n`, 'close'));
  }

  /** A request body that breaks its own framing: the connection is unusable. */
  private protocolError(): void {
    const current = this.current;
    if (current && !current.headersSent) this.reject(400, 'malformed chunked request body');
    else {
      this.options.onRejected(400);
      this.closed = true;
      this.socket.destroy();
    }
    current?.abort('invalid_request');
  }
}
