/**
 * The hop's span records and their HTTP semantic-convention attributes (pure).
 *
 * What is never recorded (reliability-security notes §3): header values other than the ones named here
 * (so never Authorization, Proxy-Authorization, Cookie, Set-Cookie), query strings (`url.path` only; the
 * client span's `url.full` has no query), URL userinfo, bodies, baggage values, raw tracestate, and client
 * addresses taken from X-Forwarded-For / Forwarded (spoofable, personal data): `network.peer.address` comes
 * from the socket. Every value that comes from the request is cut to `MAX_ATTRIBUTE_LENGTH`.
 * @see https://opentelemetry.io/docs/specs/semconv/http/http-spans/
 */
import { originForm } from './forward-headers';

/**
 * Propagation evidence the verifier's format-mismatch diagnosis reads (`src/verify/diagnosis.ts`).
 * Values are format names only (`w3c`, `b3multi`, `b3single`, `jaeger`), never header values.
 * Server span: formats read from the request (`extracted`), present but malformed (`invalid`), present
 * but not read because of `--accept` (`ignored`), and, on a hop restricted by `--accept`, the formats it
 * reads at all (`accepted`: what a callee reads, which is not what arrived). Client span: formats written on the call (`injected`,
 * empty when a drop-context fault sent none) and the sampling decision sent (`sampled`).
 */
export const ATTR_PROPAGATION_EXTRACTED = 'meshtrace.propagation.extracted';
export const ATTR_PROPAGATION_INVALID = 'meshtrace.propagation.invalid';
export const ATTR_PROPAGATION_IGNORED = 'meshtrace.propagation.ignored';
export const ATTR_PROPAGATION_ACCEPTED = 'meshtrace.propagation.accepted';
export const ATTR_PROPAGATION_INJECTED = 'meshtrace.propagation.injected';
export const ATTR_PROPAGATION_SAMPLED = 'meshtrace.propagation.sampled';

/** Longest attribute string taken from a request. */
export const MAX_ATTRIBUTE_LENGTH = 256;

/** Attribute values; lists are the kit's own short format names (shared, never copied per request). */
export type AttributeValue = string | number | boolean | readonly string[];
export type Attributes = Record<string, AttributeValue>;

/** A finished span of this hop, in the compact form kept in the export queue. */
export interface HopSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: 'server' | 'client';
  /** Epoch milliseconds, fractional. */
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Attributes;
  /** Set for an error span (status ERROR with this description). */
  readonly error?: string;
  /** W3C trace flags of the span's context (sampled, random). */
  readonly traceFlags: number;
}

/** Methods semconv knows; anything else is `_OTHER` with the original kept (bounded). */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

export function bounded(value: string, max = MAX_ATTRIBUTE_LENGTH): string {
  return value.length > max ? value.slice(0, max) : value;
}

/** The path without query or fragment. */
export function pathOnly(target: string): string {
  const q = target.indexOf('?');
  const h = target.indexOf('#');
  const end = q >= 0 ? q : h >= 0 ? h : target.length;
  return target.slice(0, end) || '/';
}

function methodAttributes(method: string, attrs: Attributes): string {
  if (KNOWN_METHODS.has(method)) {
    attrs['http.request.method'] = method;
    return method;
  }
  attrs['http.request.method'] = '_OTHER';
  attrs['http.request.method_original'] = bounded(method, 32);
  return 'HTTP';
}

/** Splits a Host header into name and port (IPv6 literals keep their brackets off). */
export function splitHost(host: string | undefined): { address?: string; port?: number } {
  if (!host) return {};
  // The request parser refuses a Host that is not host[:port] (wire/request-head.ts); what still does not
  // split is not written to a span at all.
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) return {};
  return { address: bounded(m[1] ?? m[2]), port: m[3] ? Number(m[3]) : undefined };
}

export interface ServerRequestInfo {
  readonly method: string;
  readonly target: string;
  readonly host?: string;
  readonly peerAddress?: string;
  readonly peerPort?: number;
  readonly userAgent?: string;
  readonly httpVersion: string;
}

/** Attributes known when the request arrives, and the span name (`{method}`: the relay has no routes). */
export function serverSpanStart(info: ServerRequestInfo, extra: Readonly<Record<string, string>>): { name: string; attributes: Attributes } {
  const attributes: Attributes = {};
  const name = methodAttributes(info.method, attributes);
  // The path the hop forwards (an absolute-form target reduced to it, so no scheme, host or userinfo);
  // no url.path for a target that is not a path at all (`*`, authority-form, garbage: answered 400).
  const path = originForm(info.target);
  if (path !== undefined) attributes['url.path'] = bounded(pathOnly(path));
  attributes['url.scheme'] = 'http';
  const { address, port } = splitHost(info.host);
  if (address) attributes['server.address'] = address;
  if (port !== undefined) attributes['server.port'] = port;
  if (info.peerAddress) attributes['network.peer.address'] = info.peerAddress;
  if (info.peerPort !== undefined) attributes['network.peer.port'] = info.peerPort;
  attributes['network.protocol.version'] = info.httpVersion;
  if (info.userAgent) attributes['user_agent.original'] = bounded(info.userAgent);
  for (const key of Object.keys(extra)) attributes[key] = bounded(extra[key]);
  return { name, attributes };
}

/** Attributes of a client span to `upstream` for `target` (query dropped). */
export function clientSpanStart(method: string, upstream: URL, path: string, extra: Readonly<Record<string, string>>): { name: string; attributes: Attributes } {
  const attributes: Attributes = {};
  const name = methodAttributes(method, attributes);
  attributes['server.address'] = upstream.hostname.replace(/^\[|\]$/g, '');
  attributes['server.port'] = upstream.port ? Number(upstream.port) : 80;
  attributes['url.full'] = bounded(`${upstream.origin}${pathOnly(path)}`, 2 * MAX_ATTRIBUTE_LENGTH);
  for (const key of Object.keys(extra)) attributes[key] = bounded(extra[key]);
  return { name, attributes };
}
