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
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  HTTP_REQUEST_METHOD_VALUE_OTHER,
} from '@opentelemetry/semantic-conventions';
import { originForm } from './http1';

// The propagation-evidence names live with the kit's other attribute names; the hop imports them from here.
export {
  ATTR_PROPAGATION_EXTRACTED,
  ATTR_PROPAGATION_INVALID,
  ATTR_PROPAGATION_IGNORED,
  ATTR_PROPAGATION_ACCEPTED,
  ATTR_PROPAGATION_INJECTED,
  ATTR_PROPAGATION_SAMPLED,
} from '../attribute-names';

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
    attrs[ATTR_HTTP_REQUEST_METHOD] = method;
    return method;
  }
  attrs[ATTR_HTTP_REQUEST_METHOD] = HTTP_REQUEST_METHOD_VALUE_OTHER;
  attrs[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = bounded(method, 32);
  return 'HTTP';
}

/** Splits a Host header into name and port (IPv6 literals keep their brackets off). */
export function splitHost(host: string | undefined): { address?: string; port?: number } {
  if (!host) return {};
  // The request parser refuses a Host that is not host[:port] (http1/request-head.ts); what still does not
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
export function serverSpanStart(
  info: ServerRequestInfo,
  extra: Readonly<Record<string, string>>,
): { name: string; attributes: Attributes } {
  const attributes: Attributes = {};
  const name = methodAttributes(info.method, attributes);
  // The path the hop forwards (an absolute-form target reduced to it, so no scheme, host or userinfo);
  // no url.path for a target that is not a path at all (`*`, authority-form, garbage: answered 400).
  const path = originForm(info.target);
  if (path !== undefined) attributes[ATTR_URL_PATH] = bounded(pathOnly(path));
  attributes[ATTR_URL_SCHEME] = 'http';
  const { address, port } = splitHost(info.host);
  if (address) attributes[ATTR_SERVER_ADDRESS] = address;
  if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
  if (info.peerAddress) attributes[ATTR_NETWORK_PEER_ADDRESS] = info.peerAddress;
  if (info.peerPort !== undefined) attributes[ATTR_NETWORK_PEER_PORT] = info.peerPort;
  attributes[ATTR_NETWORK_PROTOCOL_VERSION] = info.httpVersion;
  if (info.userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = bounded(info.userAgent);
  for (const key of Object.keys(extra)) attributes[key] = bounded(extra[key]);
  return { name, attributes };
}

/** Attributes of a client span to `upstream` for `target` (query dropped). */
export function clientSpanStart(
  method: string,
  upstream: URL,
  path: string,
  extra: Readonly<Record<string, string>>,
): { name: string; attributes: Attributes } {
  const attributes: Attributes = {};
  const name = methodAttributes(method, attributes);
  attributes[ATTR_SERVER_ADDRESS] = upstream.hostname.replace(/^\[|\]$/g, '');
  attributes[ATTR_SERVER_PORT] = upstream.port ? Number(upstream.port) : 80;
  attributes[ATTR_URL_FULL] = bounded(`${upstream.origin}${pathOnly(path)}`, 2 * MAX_ATTRIBUTE_LENGTH);
  for (const key of Object.keys(extra)) attributes[key] = bounded(extra[key]);
  return { name, attributes };
}
