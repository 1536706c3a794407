/**
 * One relay hop's request handling: extract the incoming context, decide sampling (parent-based),
 * apply faults, then answer as a leaf, forward to one upstream (streaming), or fan out to all.
 * Spans: one server span per request, one client span per upstream call, with the ids propagated.
 */
import { performance } from 'node:perf_hooks';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import {
  type BaggageEntry,
  type HeaderFormat,
  type PropagationFormat,
  type SamplingOnly,
  type TraceContext,
  PASSTHROUGH_HEADERS,
  TRACE_HEADER_NAMES,
  childContext,
  extract,
  inject,
} from '../propagation';
import { decideFaults, NO_FAULT, type FaultDecision } from '../faults';
import {
  buildUpstreamHead,
  classifyUpstreamError,
  headerClassifier,
  HeaderKind,
  originForm,
  Upstream,
  type ClientExchange,
  type HeaderClassifier,
  type ResponseHead,
  type UpstreamCall,
  type UpstreamError,
} from './http1';
import type { RelayMetrics } from './metrics';
import type { ResolvedRelayOptions } from './options';
import {
  ATTR_PROPAGATION_EXTRACTED,
  ATTR_PROPAGATION_IGNORED,
  ATTR_PROPAGATION_ACCEPTED,
  ATTR_PROPAGATION_INJECTED,
  ATTR_PROPAGATION_INVALID,
  ATTR_PROPAGATION_SAMPLED,
  bounded,
  clientSpanStart,
  serverSpanStart,
  type Attributes,
} from './span-attributes';
import type { SpanBatcher } from './span-export';
import { RANDOM_IDS } from '../random-ids';
import { sleepUntil } from './sleep-until';

/** Longest request body buffered for a fan-out hop (it is sent to every upstream). */
export const FANOUT_MAX_BODY_BYTES = 1024 * 1024;

/** The time origin is fixed for the process: read once (the getter is not free on the hot path). */
const TIME_ORIGIN = performance.timeOrigin;
const nowMs = (): number => TIME_ORIGIN + performance.now();

/** Span status message and `error.type` of a request the client abandoned. */
const CLIENT_ABORTED = ['client aborted the request', 'client_aborted'] as const;
/** The same for an upstream call cancelled because the client's request body broke its framing. */
const INVALID_REQUEST_BODY = ['request body malformed (the client got 400)', 'invalid_request'] as const;

/** Nothing injected (drop-context): one shared empty list. */
const NO_FORMATS: readonly PropagationFormat[] = Object.freeze([]);

/** The format a trace header belongs to; undefined for Envoy's passthrough family (no format: always read). */
export function formatOfHeader(lowercaseName: string): HeaderFormat | undefined {
  if (lowercaseName === 'baggage') return 'baggage';
  if (lowercaseName === 'traceparent' || lowercaseName === 'tracestate') return 'w3c';
  if (lowercaseName === 'b3') return 'b3single';
  if (lowercaseName.startsWith('x-b3-')) return 'b3multi';
  if (lowercaseName === 'uber-trace-id' || lowercaseName.startsWith('uberctx-')) return 'jaeger';
  return undefined;
}

const SAMPLED: SamplingOnly = Object.freeze({ sampling: 'sampled', debug: false });
const NOT_SAMPLED: SamplingOnly = Object.freeze({ sampling: 'not-sampled', debug: false });

/** One upstream call as its client span records it. */
interface ClientCall {
  /** The context sent upstream (the client span's ids). */
  readonly context: TraceContext;
  readonly upstream: Upstream;
  readonly method: string;
  readonly path: string;
  readonly startMs: number;
}

/** The per-request state shared by the handling steps. */
interface Exchange {
  readonly client: ClientExchange;
  readonly startMs: number;
  readonly server: TraceContext;
  /** The incoming parent span id (what the server span hangs under). */
  readonly parentSpanId?: string;
  readonly sampled: boolean;
  /** what the upstream calls get written (trace-context formats, and `baggage` when apart from them) */
  readonly formats: readonly HeaderFormat[];
  /** the trace-context formats of `formats` (the `meshtrace.propagation.injected` evidence) */
  readonly injected: readonly PropagationFormat[];
  readonly baggage: readonly BaggageEntry[];
  readonly passthrough: Readonly<Record<string, string>>;
  readonly serverName: string;
  readonly serverAttributes: Attributes;
  readonly faults: FaultDecision;
  /** set when the client connection closed before the response ended */
  aborted: boolean;
  /** the request target in origin-form (set before forwarding) */
  target: string;
  /** called once on client abort (cancels whatever is in progress) */
  onAbort?: () => void;
}

export class Hop {
  private readonly upstreams: Upstream[];
  private readonly classify: HeaderClassifier;
  private next = 0;
  /** set while draining: responses close their connection */
  draining = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly options: ResolvedRelayOptions,
    private readonly metrics: RelayMetrics,
    private readonly spans: SpanBatcher | undefined,
  ) {
    this.upstreams = options.upstreams.map(
      (url) =>
        new Upstream(url, {
          connections: options.upstreamConnections,
          connectTimeoutMs: options.connectTimeoutMs,
          responseTimeoutMs: options.responseTimeoutMs,
          maxHeaderBytes: options.maxHeaderBytes,
        }),
    );
    // Everything the core reads or writes, plus the Envoy passthrough family, is removed before
    // injection: inject() writes each one back once.
    this.classify = headerClassifier([...TRACE_HEADER_NAMES, ...PASSTHROUGH_HEADERS, 'traceparent', 'tracestate', 'baggage']);
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    if (this.metrics.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await Promise.all(this.upstreams.map((u) => u.close()));
  }

  /** The request listener. Never throws: every failure becomes a response (or a closed socket) and a span. */
  readonly handle = (client: ClientExchange): void => {
    this.metrics.requests++;
    this.metrics.inFlight++;
    let ex: Exchange;
    try {
      ex = this.begin(client);
    } catch (err) {
      // A bug in context handling must not take the hop down: answer, and keep serving.
      this.options.log(`relay ${this.options.serviceName}: internal error: ${(err as Error)?.stack ?? String(err)}`);
      client.discardBody();
      client.respond(500, `relay ${this.options.serviceName}: internal error\n`);
      this.done();
      return;
    }
    client.onAbort(() => {
      if (ex.aborted) return;
      ex.aborted = true;
      if (!ex.faults.reset && client.abortReason === 'client') this.metrics.clientAborts++;
      ex.onAbort?.();
    });
    // In flight until the handling (and so its spans) is complete, not merely until the socket closed:
    // the graceful drain waits for this before flushing spans. Callbacks, not promises, on this path:
    // a promise chain per request costs a measurable share of the hop's CPU.
    let completed = false;
    const complete = (): void => {
      if (completed) return;
      completed = true;
      this.done();
    };
    try {
      this.run(ex, complete);
    } catch (err) {
      this.internalError(client, err);
      complete();
    }
  };

  private internalError(client: ClientExchange, err: unknown): void {
    this.options.log(`relay ${this.options.serviceName}: internal error: ${(err as Error)?.stack ?? String(err)}`);
    if (!client.headersSent) client.respond(500, `relay ${this.options.serviceName}: internal error\n`);
    else client.destroy();
  }

  private done(): void {
    this.metrics.inFlight--;
    if (this.metrics.inFlight === 0 && this.idleWaiters.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private begin(client: ClientExchange): Exchange {
    const startMs = nowMs();
    const o = this.options;
    const { bag, ignored } = traceHeaderBag(client.rawHeaders, client.lowerHeaders, this.classify, o.accept);
    const incoming = extract(bag);
    const parent = incoming.context;
    // Parent-based sampling: an incoming decision always wins; only a missing (or B3-deferred) one is rolled.
    let decision: SamplingOnly | undefined;
    if (parent) {
      if (parent.sampling === 'deferred') decision = this.roll();
    } else if (incoming.samplingOnly && incoming.samplingOnly.sampling !== 'deferred') {
      decision = incoming.samplingOnly;
    } else {
      decision = this.roll();
    }
    let server = childContext(RANDOM_IDS, parent, decision);
    if (parent && decision && server.sampling === 'deferred') server = { ...server, sampling: decision.sampling };
    const sampled = server.sampling === 'sampled' || server.debug;
    // The default always has `w3c`, which carries baggage too: then formats and evidence are one list.
    let formats: readonly HeaderFormat[];
    let injected: readonly PropagationFormat[];
    if (o.propagate) {
      formats = o.propagate;
      injected = o.propagateEvidence!;
    } else formats = injected = incoming.formatsSeen.includes('w3c') ? incoming.formatsSeen : ['w3c', ...incoming.formatsSeen];
    const baggage = o.baggage.length ? mergeBaggage(incoming.baggage, o.baggage) : incoming.baggage;
    // Span attributes only for a span that will be exported (most of the per-request attribute work).
    let name = '';
    let attributes: Attributes = {};
    if (this.spans && sampled) {
      ({ name, attributes } = serverSpanStart(
        {
          method: client.method,
          target: client.target,
          host: client.host,
          peerAddress: client.peerAddress,
          peerPort: client.peerPort,
          userAgent: client.userAgent,
          httpVersion: client.httpVersion,
        },
        o.spanAttributes,
      ));
      // Evidence for the verifier: the lists come from extract() as they are (no copy per request).
      if (incoming.formatsSeen.length) attributes[ATTR_PROPAGATION_EXTRACTED] = incoming.formatsSeen;
      if (incoming.formatsInvalid.length) attributes[ATTR_PROPAGATION_INVALID] = incoming.formatsInvalid;
      if (ignored) attributes[ATTR_PROPAGATION_IGNORED] = ignored;
      if (o.accept) attributes[ATTR_PROPAGATION_ACCEPTED] = o.accept;
      if (o.baggageAttributes.length) recordBaggage(o.baggageAttributes, baggage, attributes);
    }
    const faults = o.faults.length ? decideFaults(o.faults, o.random) : NO_FAULT;
    return {
      client,
      startMs,
      server,
      parentSpanId: parent?.spanId,
      sampled,
      formats,
      injected,
      baggage,
      passthrough: incoming.passthrough,
      serverName: name,
      serverAttributes: attributes,
      faults,
      aborted: false,
      target: client.target,
    };
  }

  private roll(): SamplingOnly {
    const rate = this.options.sampleRate;
    return rate >= 1 || (rate > 0 && this.options.random() < rate) ? SAMPLED : NOT_SAMPLED;
  }

  /** Handles the exchange; `complete` is called once its handling and spans are done. */
  private run(ex: Exchange, complete: () => void): void {
    const { faults } = ex;
    if (faults.delayMs > 0) {
      this.metrics.countFault('delay');
      ex.serverAttributes['relay.fault.delay_ms'] = faults.delayMs;
      // `complete` only where the handling ends here: after the delay, `proceed` may start an upstream
      // call that completes later (the drain must keep waiting for it, and for its spans).
      this.delay(ex, faults.delayMs)
        .then(() => {
          if (!ex.aborted) return this.proceed(ex, complete);
          this.endAborted(ex);
          complete();
        })
        .catch((err) => {
          this.internalError(ex.client, err);
          complete();
        });
      return;
    }
    this.proceed(ex, complete);
  }

  /** `run` after any delay fault. */
  private proceed(ex: Exchange, complete: () => void): void {
    const { faults } = ex;
    if (faults.reset) {
      this.metrics.countFault('reset');
      ex.serverAttributes['relay.fault'] = 'reset';
      ex.client.destroy();
      this.endServer(ex, undefined, 'fault injected: connection reset', 'fault_reset');
      return complete();
    }
    if (faults.status !== undefined) {
      this.metrics.countFault('status');
      ex.serverAttributes['relay.fault'] = `status=${faults.status}`;
      ex.client.discardBody();
      ex.client.respond(faults.status, `relay ${this.options.serviceName}: fault injected: status ${faults.status}\n`);
      this.endServer(ex, faults.status, faults.status >= 500 ? `fault injected: status ${faults.status}` : undefined);
      return complete();
    }
    if (faults.dropContext) {
      this.metrics.countFault('drop-context');
      ex.serverAttributes['relay.fault'] = 'drop-context';
    }
    if (this.upstreams.length === 0) {
      this.answerAsLeaf(ex);
      return complete();
    }
    // `*` (asterisk-form) reaches here only with OPTIONS (the parser refuses it otherwise): a question
    // about the upstream server itself, so it is forwarded as it is, never joined to a base path.
    const target = ex.client.target === '*' ? '*' : originForm(ex.client.target);
    if (target === undefined) {
      // An absolute-form target that is no URL: refused like the parser's 400s, with the connection closed.
      ex.client.keepAlive = false;
      ex.client.discardBody();
      ex.client.respond(
        400,
        `relay ${this.options.serviceName}: request target ${JSON.stringify(bounded(ex.client.target, 64))} is not a path; allowed: /path?query or an absolute http(s) URL\n`,
      );
      this.endServer(ex, 400);
      return complete();
    }
    ex.target = target;
    if (this.options.fanout && this.upstreams.length > 1) {
      this.fanOut(ex)
        .catch((err) => this.internalError(ex.client, err))
        .finally(complete);
      return;
    }
    const upstream = this.upstreams[this.next];
    this.next = (this.next + 1) % this.upstreams.length;
    this.forward(ex, upstream, complete);
  }

  /** Waits until `ms` after the exchange's start by the span clock: the span holds the whole delay. */
  private delay(ex: Exchange, ms: number): Promise<void> {
    const wait = sleepUntil(ex.startMs + ms, nowMs);
    ex.onAbort = wait.cancel;
    return wait.done;
  }

  private answerAsLeaf(ex: Exchange): void {
    ex.client.discardBody();
    const body = `{"service":${JSON.stringify(this.options.serviceName)},"traceId":"${ex.server.traceId}"}\n`;
    ex.client.respond(200, body, 'application/json');
    this.endServer(ex, 200);
  }

  /** The outgoing context and request head for one upstream call; `bodyLength` for a buffered body. */
  private outgoing(ex: Exchange, upstream: Upstream, path: string, bodyLength?: number): { client: TraceContext; head: string } {
    const client = childContext(RANDOM_IDS, ex.server);
    const injected = ex.faults.dropContext
      ? {}
      : inject({ context: client, baggage: ex.baggage, passthrough: ex.passthrough, formats: ex.formats });
    const c = ex.client;
    const head = buildUpstreamHead(
      {
        method: c.method,
        path,
        host: upstream.host,
        raw: c.rawHeaders,
        lower: c.lowerHeaders,
        connection: c.connectionTokens,
        injected,
        forwarded: { peerAddress: c.peerAddress, host: c.host, proto: 'http' },
        framing: bodyLength !== undefined ? bodyLength : c.chunked ? 'chunked' : c.contentLength,
      },
      this.classify,
    );
    return { client, head };
  }

  /** Single upstream: stream the request and the response through, with back-pressure both ways. */
  private forward(ex: Exchange, upstream: Upstream, complete: () => void): void {
    const { client: downstream } = ex;
    const path = upstream.path(ex.target);
    const { client, head: requestHead } = this.outgoing(ex, upstream, path);
    const method = downstream.method;
    const span: ClientCall = { context: client, upstream, method, path, startMs: nowMs() };
    // An HTTP/1.0 client cannot take chunked coding: its body is de-chunked and ends with the connection.
    const dechunk = downstream.httpVersion === '1.0';
    let status: number | undefined;
    // eslint-disable-next-line prefer-const -- the abort callback above the assignment reads it; it must exist (undefined) before upstream.call() returns
    let call: UpstreamCall | undefined;
    let held: Buffer | undefined;
    let head: ResponseHead | undefined;
    let settled = false;
    let waitingForClient = false;
    const flushHead = (): void => {
      if (!head) return;
      const framing = head.framing.kind === 'chunked' ? (dechunk ? 'close' : 'chunked') : head.framing.kind;
      downstream.writeHead(head.status, head.forward, framing);
      head = undefined;
    };
    const finish = (err?: UpstreamError | 'aborted'): void => {
      if (settled) return;
      settled = true;
      if (err === undefined) {
        this.endClient(ex, span, status);
        this.endServer(ex, status);
      } else if (err === 'aborted' || ex.aborted) {
        call?.abort();
        this.endClient(ex, span, status, ...this.abortCause(ex));
        this.endAborted(ex, status);
      } else {
        this.failForward(ex, span, status, err);
      }
      complete();
    };
    ex.onAbort = () => finish('aborted');
    call = upstream.call(
      { method, head: requestHead, streaming: downstream.hasBody, dechunk },
      {
        // The status line and one body chunk are held back: the common small response then leaves in a
        // single write with its head, and an upstream failing before anything was flushed still gets
        // an honest 502 instead of a cut connection.
        onHead: (h) => {
          status = h.status;
          head = h;
        },
        onData: (chunk) => {
          const previous = held;
          // Copied: the upstream's chunk is only valid during this call (a shared read buffer).
          held = Buffer.from(chunk);
          if (previous) {
            flushHead();
            if (!downstream.write(previous) && !waitingForClient) {
              // One drain listener per pause; resuming a finished call is a no-op (its connection
              // may already serve another request).
              waitingForClient = true;
              call!.pause();
              downstream.onDrain(() => {
                waitingForClient = false;
                call!.resume();
              });
            }
          }
        },
        onEnd: () => {
          flushHead();
          downstream.end(held);
          held = undefined;
          finish();
        },
        onError: (err) => finish(err),
      },
    );
    if (downstream.hasBody) downstream.pipeBody(call);
  }

  /** A forwarded call that failed: its spans, and a 502-class answer if the status line is not sent yet. */
  private failForward(ex: Exchange, span: ClientCall, status: number | undefined, err: UpstreamError): void {
    const downstream = ex.client;
    const failure = classifyUpstreamError(err);
    this.metrics.countUpstreamError(failure.type);
    this.endClient(ex, span, status, failure.message, failure.type);
    if (!downstream.headersSent) {
      downstream.respond(failure.status, `relay ${this.options.serviceName}: ${failure.message}\n`);
      this.endServer(ex, failure.status, failure.message, failure.type);
    } else {
      // The status line is gone: the only honest signal left is to cut the connection.
      downstream.destroy();
      this.endServer(ex, status, failure.message, failure.type);
    }
  }

  /** Fan-out: call every upstream with the (buffered) request, answer with a summary of their statuses. */
  private async fanOut(ex: Exchange): Promise<void> {
    const { client: downstream } = ex;
    const body = await downstream.readBody(FANOUT_MAX_BODY_BYTES);
    if (ex.aborted) return this.endAborted(ex);
    if (body === 'too-large') {
      downstream.respond(413, `relay ${this.options.serviceName}: request body over ${FANOUT_MAX_BODY_BYTES} bytes (the fan-out limit)\n`);
      return this.endServer(ex, 413);
    }
    const method = downstream.method;
    const calls: UpstreamCall[] = [];
    const aborts: Array<() => void> = [];
    ex.onAbort = () => {
      for (const call of calls) call.abort();
      for (const abort of aborts) abort();
    };
    const results = await Promise.all(
      this.upstreams.map(
        (upstream) =>
          new Promise<{ upstream: string; status: number; error?: string }>((resolve) => {
            const path = upstream.path(ex.target);
            const { client, head } = this.outgoing(ex, upstream, path, body.length);
            const span: ClientCall = { context: client, upstream, method, path, startMs: nowMs() };
            let status = 0;
            let settled = false;
            const settle = (): boolean => !settled && (settled = true);
            aborts.push(() => {
              if (!settle()) return;
              this.endClient(ex, span, undefined, ...this.abortCause(ex));
              resolve({ upstream: upstream.url.href, status: 0, error: 'client aborted' });
            });
            calls.push(
              upstream.call(
                { method, head, body },
                {
                  onHead: (h) => (status = h.status),
                  onData: () => {},
                  onEnd: () => {
                    if (!settle()) return;
                    this.endClient(ex, span, status);
                    resolve({ upstream: upstream.url.href, status });
                  },
                  onError: (err) => {
                    if (!settle()) return;
                    const failure = classifyUpstreamError(err);
                    this.metrics.countUpstreamError(failure.type);
                    // The status the upstream had already sent, if any (it failed in its body).
                    this.endClient(ex, span, status || undefined, failure.message, failure.type);
                    resolve({ upstream: upstream.url.href, status: failure.status, error: failure.message });
                  },
                },
              ),
            );
          }),
      ),
    );
    if (ex.aborted) return this.endAborted(ex);
    const failed = results.find((r) => r.status >= 500 || r.status === 0);
    const status = failed ? 502 : 200;
    const summary = JSON.stringify({ service: this.options.serviceName, traceId: ex.server.traceId, upstreams: results });
    downstream.respond(status, `${summary}\n`, 'application/json');
    this.endServer(ex, status, failed ? `upstream ${failed.upstream} failed (${failed.error ?? failed.status})` : undefined);
  }

  /** Why an aborted exchange's upstream calls were cancelled (for their client spans). */
  private abortCause(ex: Exchange): readonly [string, string] {
    return ex.client.abortReason === 'invalid_request' ? INVALID_REQUEST_BODY : CLIENT_ABORTED;
  }

  /**
   * The server span of an aborted exchange: a client that went away (no status, `client_aborted`), or a
   * malformed request body the connection answered with 400 (a client error: no error status, HTTP semconv).
   */
  private endAborted(ex: Exchange, status?: number): void {
    if (ex.client.abortReason === 'invalid_request') this.endServer(ex, 400);
    else this.endServer(ex, status, ...CLIENT_ABORTED);
  }

  private endServer(ex: Exchange, status: number | undefined, error?: string, errorType?: string): void {
    // Without a status line sent there is no response to count (a client abort or a reset fault has
    // its own counter): a `code` label holds status classes only.
    if (status !== undefined) this.metrics.countResponse(status);
    if (!this.spans || !ex.sampled) return;
    const attributes = ex.serverAttributes;
    if (status !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    // Server spans: 5xx is an error, 4xx is the client's (HTTP semconv).
    let message = error;
    if (message === undefined && status !== undefined && status >= 500) message = `HTTP ${status}`;
    if (message !== undefined) attributes[ATTR_ERROR_TYPE] = errorType ?? String(status ?? 'error');
    this.spans.add({
      traceId: ex.server.traceId,
      spanId: ex.server.spanId,
      parentSpanId: ex.parentSpanId,
      name: ex.serverName,
      kind: 'server',
      startMs: ex.startMs,
      endMs: nowMs(),
      attributes,
      error: message,
      traceFlags: traceFlags(ex.server),
    });
  }

  private endClient(ex: Exchange, call: ClientCall, status: number | undefined, error?: string, errorType?: string): void {
    if (!this.spans || !ex.sampled) return;
    const client = call.context;
    const { name, attributes } = clientSpanStart(call.method, call.upstream.url, call.path, this.options.spanAttributes);
    if (status !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    if (ex.faults.dropContext) attributes['relay.fault'] = 'drop-context';
    attributes[ATTR_PROPAGATION_INJECTED] = ex.faults.dropContext ? NO_FORMATS : ex.injected;
    if (!ex.faults.dropContext) attributes[ATTR_PROPAGATION_SAMPLED] = client.sampling === 'sampled' || client.debug;
    // Client spans: 4xx and 5xx are errors (HTTP semconv).
    let message = error;
    if (message === undefined && status !== undefined && status >= 400) message = `HTTP ${status}`;
    if (message !== undefined) attributes[ATTR_ERROR_TYPE] = errorType ?? String(status);
    this.spans.add({
      traceId: client.traceId,
      spanId: client.spanId,
      parentSpanId: ex.server.spanId,
      name,
      kind: 'client',
      startMs: call.startMs,
      endMs: nowMs(),
      attributes,
      error: message,
      traceFlags: traceFlags(client),
    });
  }
}

/** The trace headers of a request, and the formats left out by `--accept`. */
interface TraceHeaders {
  readonly bag: Record<string, string | string[]>;
  /** Formats that arrived and are not accepted, once each; undefined when none (or no `accept`). */
  readonly ignored?: HeaderFormat[];
}

/**
 * Only the trace-context headers, as `headersDistinct` would give them (lowercase names, repeated
 * headers as arrays in order, so a duplicate traceparent is seen). Cheaper than `headersDistinct`,
 * which builds an array for every header of every request. With `accept` (`--accept`), headers of
 * other formats are left out (so neither read nor, being trace headers, forwarded) and their
 * formats listed in `ignored`.
 */
function traceHeaderBag(
  raw: readonly string[],
  lower: readonly string[],
  classify: HeaderClassifier,
  accept?: readonly HeaderFormat[],
): TraceHeaders {
  const bag: Record<string, string | string[]> = {};
  let ignored: HeaderFormat[] | undefined;
  for (let j = 0; j < lower.length; j++) {
    const name = lower[j];
    if (classify(name) !== HeaderKind.Trace) continue;
    if (accept) {
      const format = formatOfHeader(name);
      if (format !== undefined && !accept.includes(format)) {
        if (!ignored) ignored = [format];
        else if (!ignored.includes(format)) ignored.push(format);
        continue;
      }
    }
    const value = raw[2 * j + 1];
    const previous = bag[name];
    if (previous === undefined) bag[name] = value;
    else if (typeof previous === 'string') bag[name] = [previous, value];
    else previous.push(value);
  }
  return ignored ? { bag, ignored } : { bag };
}

function traceFlags(ctx: TraceContext): number {
  return (ctx.sampling === 'sampled' || ctx.debug ? 1 : 0) | (ctx.random ? 2 : 0);
}

/** Named baggage members onto span attributes (opt-in keys; bounded; the hop's own attributes win). */
export function recordBaggage(keys: readonly string[], baggage: readonly BaggageEntry[], attributes: Attributes): void {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (attributes[key] !== undefined) continue;
    for (let j = 0; j < baggage.length; j++) {
      if (baggage[j]!.key === key) {
        attributes[key] = bounded(baggage[j]!.value);
        break;
      }
    }
  }
}

/** Configured baggage replaces incoming members with the same key; the rest keep their order. */
export function mergeBaggage(incoming: readonly BaggageEntry[], added: readonly BaggageEntry[]): BaggageEntry[] {
  const keys = new Set(added.map((b) => b.key));
  return [...incoming.filter((b) => !keys.has(b.key)), ...added];
}
