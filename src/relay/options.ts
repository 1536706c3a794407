/**
 * The relay's options: the programmatic `RelayOptions` (what `startRelay` takes and what the CLI flags
 * mirror), the parsers that turn flag strings into them, and the resolution of defaults. Every parser
 * rejects bad input with a `RelayOptionError` naming the option, the value and what is allowed.
 */
import {
  headerFormatOf,
  resolveFormatName,
  type BaggageEntry,
  type FormatName,
  type HeaderFormat,
  type PropagationFormat,
} from '../propagation';
import { parseDurationUs } from '../duration';
import { type Fault, parseFault } from '../faults';

/** What `--propagate` and `--accept` take: the trace-context formats, and `baggage` (W3C baggage on its own). */
export const PROPAGATION_FORMATS: readonly HeaderFormat[] = ['w3c', 'b3multi', 'b3single', 'jaeger', 'baggage'];

/** The same formats as users spell them (`b3` = the single `b3` header; `b3single` is its old alias). */
export const PROPAGATION_FORMAT_NAMES: readonly FormatName[] = ['w3c', 'b3', 'b3multi', 'jaeger', 'baggage'];

/** The trace-context formats (what the propagation evidence lists). */
const TRACE_CONTEXT_FORMATS: readonly PropagationFormat[] = ['w3c', 'b3multi', 'b3single', 'jaeger'];

export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** Envoy's default request-header limit (`max_request_headers_kb: 60`): what passes the mesh passes the relay. */
export const DEFAULT_MAX_HEADER_BYTES = 60 * 1024;

/** Options of one relay hop. Every field mirrors a `meshtrace relay` flag. */
export interface RelayOptions {
  /**
   * `host:port` to listen on (`--listen`). Port 0 picks a free port.
   * @default '127.0.0.1:0'
   */
  readonly listen?: string;
  /**
   * Upstream base URLs (`--upstream`, repeatable). None makes a leaf hop that answers 200 itself.
   * @default []
   */
  readonly upstreams?: readonly string[];
  /**
   * `service.name` of the hop's spans (`--service-name`).
   * @default 'relay'
   */
  readonly serviceName?: string;
  /**
   * Call every upstream for each request (`--fanout`, a DAG hop) instead of one (round-robin).
   * @default false
   */
  readonly fanout?: boolean;
  /**
   * Formats to write on the outgoing request (`--propagate w3c,b3multi,...`). Baggage (incoming and
   * `--baggage`) goes as W3C `baggage` with `w3c` or `baggage`, as `uberctx-*` with `jaeger`, and as
   * W3C `baggage` when the list names neither (B3 has no baggage of its own): the list chooses
   * baggage's carriers, never drops it. Tracestate travels with `w3c` only (it is defined only beside
   * a `traceparent`).
   * @default - the formats that came in, plus W3C always
   */
  readonly propagate?: readonly HeaderFormat[];
  /**
   * Formats this hop reads (`--accept w3c,...`). Trace headers of other formats are neither read nor
   * forwarded, the way an application whose SDK has only those propagators behaves: labs use it to
   * put a "W3C-only service" behind a hop that writes B3, and the server span records what it
   * ignored (`meshtrace.propagation.ignored`). Envoy's `x-request-id` family is always passed on.
   * `w3c` reads `baggage` too; `baggage` alone reads only it (B3 plus W3C baggage: `b3multi,baggage`).
   * @default - every format (w3c, b3multi, b3single, jaeger, baggage)
   */
  readonly accept?: readonly HeaderFormat[];
  /**
   * OTLP/HTTP endpoint (`--otlp-endpoint`): a base URL (`/v1/traces` is appended) or the full traces URL.
   * @default - no span export
   */
  readonly otlpEndpoint?: string;
  /**
   * OTLP/HTTP encoding (`--otlp-protocol`).
   * @default 'http/protobuf'
   */
  readonly otlpProtocol?: OtlpProtocol;
  /**
   * Faults to inject (`--fault`, repeatable): `drop-context`, `delay=200ms`, `status=500@0.2`, `reset`;
   * each may end in `@fraction`.
   * @default []
   */
  readonly faults?: readonly (string | Fault)[];
  /**
   * Upstream connect timeout in ms (`--connect-timeout`): expiry answers 504.
   * @default 5000 (Envoy's cluster connect_timeout)
   */
  readonly connectTimeoutMs?: number;
  /**
   * Upstream response timeout in ms (`--response-timeout`): time to response headers and the longest
   * pause between body chunks. Expiry before the response answers 504.
   * @default 15000 (Envoy's route timeout)
   */
  readonly responseTimeoutMs?: number;
  /**
   * Limit on request header bytes (`--max-header-size`); larger requests get 431.
   * @default 61440 (Envoy's 60 KiB)
   */
  readonly maxHeaderBytes?: number;
  /**
   * Extra attributes on every span of this hop (`--span-attribute k=v`, repeatable).
   * @default {}
   */
  readonly spanAttributes?: Readonly<Record<string, string>>;
  /**
   * Baggage members added to every outgoing request (`--baggage k=v`, repeatable); they replace
   * incoming members of the same key.
   * @default {}
   */
  readonly baggage?: Readonly<Record<string, string>>;
  /**
   * Baggage keys whose values this hop records on its server span, under the same key, like
   * OpenTelemetry's BaggageSpanProcessor (`--baggage-attribute KEY`, repeatable). Opt-in per key:
   * baggage is not recorded otherwise, because callers may put anything in it. Values are cut to
   * 256 characters and never replace an attribute the hop sets itself.
   * @default []
   * @see https://github.com/open-telemetry/opentelemetry-java-contrib/tree/main/baggage-processor
   */
  readonly baggageAttributes?: readonly string[];
  /**
   * Probability of sampling a request that arrives without a decision (`--sample-rate 0..1`).
   * Parent-based: an incoming decision is always honoured.
   * @default 1
   */
  readonly sampleRate?: number;
  /**
   * `host:port` of the admin listener (`--admin-listen`): `/healthz`, `/readyz`, `/metrics`.
   * @default - none
   */
  readonly adminListen?: string;
  /**
   * Connections kept per upstream (`--upstream-connections`).
   * @default 64
   */
  readonly upstreamConnections?: number;
  /**
   * Bound of the span queue (`--span-queue-size`); spans beyond it are dropped and counted.
   * @default 16384
   */
  readonly spanQueueSize?: number;
  /**
   * Longest time a span waits in the queue before export, in ms (`--span-flush-interval`).
   * @default 1000
   */
  readonly spanFlushIntervalMs?: number;
  /**
   * Longest graceful drain on close (in-flight requests, then spans), in ms (`--shutdown-timeout`).
   * Keep it inside Kubernetes' 30 s `terminationGracePeriodSeconds`.
   * @default 20000
   */
  readonly shutdownTimeoutMs?: number;
  /** Source of randomness for faults and root sampling (tests make it deterministic). @default Math.random */
  readonly random?: () => number;
  /** Where diagnostic lines go (one line each). @default - stderr */
  readonly log?: (line: string) => void;
}

/** Options with every default applied and every value checked. */
export interface ResolvedRelayOptions {
  readonly host: string;
  readonly port: number;
  readonly upstreams: readonly URL[];
  readonly serviceName: string;
  readonly fanout: boolean;
  /** What `inject` writes when `--propagate` was given (baggage's carrier resolved: `resolvePropagate`). */
  readonly propagate?: readonly HeaderFormat[];
  /** The trace-context formats of `propagate`, for the `meshtrace.propagation.injected` evidence. */
  readonly propagateEvidence?: readonly PropagationFormat[];
  /** What the hop reads when `--accept` restricts it (`w3c` implies `baggage`: `resolveAccept`). */
  readonly accept?: readonly HeaderFormat[];
  readonly otlpTracesUrl?: URL;
  readonly otlpProtocol: OtlpProtocol;
  readonly faults: readonly Fault[];
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly spanAttributes: Readonly<Record<string, string>>;
  readonly baggage: readonly BaggageEntry[];
  readonly baggageAttributes: readonly string[];
  readonly sampleRate: number;
  readonly admin?: { readonly host: string; readonly port: number };
  readonly upstreamConnections: number;
  readonly spanQueueSize: number;
  readonly spanFlushIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  readonly random: () => number;
  readonly log: (line: string) => void;
}

/**
 * A bad option value: the message names the option (by its CLI flag, which every `RelayOptions` field
 * mirrors), the value and what is allowed.
 */
export class RelayOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelayOptionError';
  }
}

function fail(option: string, value: unknown, allowed: string): never {
  throw new RelayOptionError(`${option}: invalid value ${JSON.stringify(value)}; expected ${allowed}`);
}

/** Parses `host:port` (IPv6 as `[::1]:8080`). Port 0 = any free port. */
export function parseHostPort(option: string, value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) fail(option, value, 'HOST:PORT with a port 0..65535, e.g. 127.0.0.1:8080 or [::1]:8080');
  return { host: m[1] ?? m[2], port };
}

/** Parses a duration with the verifier's one parser: `250ms`, `2s`, `1m`, `1h`, or a bare number of milliseconds. */
export function parseDurationMs(option: string, value: string | number): number {
  const us = parseDurationUs(value);
  if (us === undefined)
    fail(option, value, typeof value === 'number' ? 'a duration >= 0 (ms)' : 'a duration such as 250ms, 2s, 1m (a bare number means ms)');
  return us / 1000;
}

/** Parses `k=v` pairs (repeatable flags) into a record; later keys win. */
export function parseKeyValues(option: string, values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    if (eq <= 0) fail(option, item, 'KEY=VALUE with a non-empty key');
    out[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  return out;
}

/**
 * Parses `w3c,b3,...` (repeatable, comma-separated) into the core's formats; `option` names the flag
 * in errors. An old spelling (`b3single`) still works and is reported through `onDeprecated`.
 * Core identifiers pass too, so a resolved list (`b3single` inside) parses to itself.
 */
export function parsePropagate(
  values: readonly string[],
  option = '--propagate',
  onDeprecated?: (old: string, canonical: string) => void,
): HeaderFormat[] {
  const out: HeaderFormat[] = [];
  const allowed = PROPAGATION_FORMAT_NAMES.join(', ');
  for (const part of values.flatMap((v) => v.split(','))) {
    if (!part.trim()) continue;
    const resolved = resolveFormatName(part);
    const format = resolved && headerFormatOf(resolved.name);
    if (!resolved || !format)
      fail(
        option,
        part,
        `a comma-separated list of ${allowed}${resolved?.name === 'envoy' ? " (the relay always passes Envoy's x-request-id on)" : ''}`,
      );
    if (resolved.deprecated) onDeprecated?.(resolved.deprecated, resolved.name);
    if (!out.includes(format)) out.push(format);
  }
  if (out.length === 0) fail(option, values.join(','), `at least one of ${allowed}`);
  return out;
}

/**
 * What an explicit `--propagate` list writes. Baggage is decided apart from the trace-context format
 * (as OpenTelemetry composes W3CBaggagePropagator with B3Propagator): a list without a baggage carrier
 * (`w3c`, `baggage`, `jaeger`) gets W3C `baggage`, so a B3-only hop still forwards what came in and its
 * own `--baggage`. Pure.
 */
export function resolvePropagate(list: readonly HeaderFormat[]): HeaderFormat[] {
  if (list.includes('w3c') || list.includes('baggage') || list.includes('jaeger')) return [...list];
  return [...list, 'baggage'];
}

/**
 * What an `--accept` list reads: `w3c` implies `baggage` (OpenTelemetry's default pair); every format
 * accepted is no restriction at all (undefined: the unfiltered fast path). Pure.
 */
export function resolveAccept(list: readonly HeaderFormat[]): HeaderFormat[] | undefined {
  const out = list.includes('w3c') && !list.includes('baggage') ? [...list, 'baggage' as const] : [...list];
  return PROPAGATION_FORMATS.every((f) => out.includes(f)) ? undefined : out;
}

/** Parses an upstream base URL: plain HTTP only (TLS between hops is the mesh's job). */
export function parseUpstream(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('--upstream', value, 'an absolute http:// URL, e.g. http://details:9080');
  }
  if (url.protocol !== 'http:')
    fail('--upstream', value, "an http:// URL (the relay speaks plain HTTP/1.1; mTLS is the mesh sidecar's job)");
  if (url.username || url.password) fail('--upstream', value, 'a URL without credentials');
  if (url.search || url.hash) fail('--upstream', value, 'a base URL without query or fragment');
  return url;
}

/** The OTLP traces URL: `/v1/traces` appended to a base endpoint, like OTEL_EXPORTER_OTLP_ENDPOINT. */
export function parseOtlpEndpoint(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('--otlp-endpoint', value, 'an http(s):// URL such as http://jaeger-collector.observability.svc.cluster.local:4318');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('--otlp-endpoint', value, 'an http:// or https:// URL');
  if (!url.pathname.endsWith('/v1/traces')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
  return url;
}

function checkInteger(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(option, value, `an integer ${min}..${max}`);
  return value;
}

/** Applies defaults and validates; throws `RelayOptionError` on the first bad value. */
export function resolveRelayOptions(options: RelayOptions): ResolvedRelayOptions {
  const { host, port } = parseHostPort('--listen', options.listen ?? '127.0.0.1:0');
  const serviceName = options.serviceName ?? 'relay';
  if (!/^[\w.-]{1,63}$/.test(serviceName)) fail('--service-name', serviceName, '1-63 characters of letters, digits, ".", "_" or "-"');
  const sampleRate = options.sampleRate ?? 1;
  if (typeof sampleRate !== 'number' || !(sampleRate >= 0 && sampleRate <= 1)) fail('--sample-rate', sampleRate, 'a number 0..1');
  const otlpProtocol = options.otlpProtocol ?? 'http/protobuf';
  if (otlpProtocol !== 'http/protobuf' && otlpProtocol !== 'http/json')
    fail('--otlp-protocol', otlpProtocol, '"http/protobuf" or "http/json"');
  const spanAttributes = { ...(options.spanAttributes ?? {}) };
  for (const key of Object.keys(spanAttributes)) {
    if (!/^[A-Za-z][\w.-]{0,127}$/.test(key))
      fail('--span-attribute', key, 'an attribute key of letters, digits, ".", "_" or "-" (max 128), starting with a letter');
  }
  const baggage: BaggageEntry[] = [];
  for (const [key, value] of Object.entries(options.baggage ?? {})) {
    // RFC 7230 token, the W3C baggage key grammar.
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(key)) fail('--baggage', key, 'a key made of RFC 7230 token characters');
    baggage.push({ key, value });
  }
  const baggageAttributes = [...new Set(options.baggageAttributes ?? [])];
  for (const key of baggageAttributes) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(key)) fail('--baggage-attribute', key, 'a baggage key made of RFC 7230 token characters');
  }
  const faults = (options.faults ?? []).map((f) => (typeof f === 'string' ? parseFault(f) : f));
  const accept = options.accept ? resolveAccept(parsePropagate(options.accept, '--accept')) : undefined;
  const propagate = options.propagate ? resolvePropagate(parsePropagate(options.propagate)) : undefined;
  return {
    host,
    port,
    upstreams: (options.upstreams ?? []).map(parseUpstream),
    serviceName,
    fanout: options.fanout ?? false,
    propagate,
    propagateEvidence: propagate?.filter((f): f is PropagationFormat => TRACE_CONTEXT_FORMATS.includes(f as PropagationFormat)),
    accept,
    otlpTracesUrl: options.otlpEndpoint ? parseOtlpEndpoint(options.otlpEndpoint) : undefined,
    otlpProtocol,
    faults,
    connectTimeoutMs: checkInteger('--connect-timeout (ms)', options.connectTimeoutMs ?? 5000, 1, 600_000),
    responseTimeoutMs: checkInteger('--response-timeout (ms)', options.responseTimeoutMs ?? 15_000, 1, 3_600_000),
    maxHeaderBytes: checkInteger('--max-header-size', options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES, 1024, 1024 * 1024),
    spanAttributes,
    baggage,
    baggageAttributes,
    sampleRate,
    admin: options.adminListen ? parseHostPort('--admin-listen', options.adminListen) : undefined,
    upstreamConnections: checkInteger('--upstream-connections', options.upstreamConnections ?? 64, 1, 4096),
    spanQueueSize: checkInteger('--span-queue-size', options.spanQueueSize ?? 16_384, 1, 10_000_000),
    spanFlushIntervalMs: checkInteger('--span-flush-interval (ms)', options.spanFlushIntervalMs ?? 1000, 1, 600_000),
    shutdownTimeoutMs: checkInteger('--shutdown-timeout (ms)', options.shutdownTimeoutMs ?? 20_000, 0, 600_000),
    random: options.random ?? Math.random,
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
}
