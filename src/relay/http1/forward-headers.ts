/**
 * Header rewriting of a reverse-proxy hop (pure functions).
 *
 * - Hop-by-hop fields are removed in both directions (RFC 9110 §7.6.1): `Connection` and every field it
 *   names, plus Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Trailer, and the proxy's own
 *   Proxy-Authorization / Proxy-Authenticate.
 * - Trace-context fields are replaced, never appended: every incoming trace header is removed and the
 *   injected set is added (a duplicate `traceparent` would break the trace downstream).
 * - `X-Forwarded-For` and `Forwarded` (RFC 7239) get the socket peer appended; `X-Forwarded-Proto` and
 *   `X-Forwarded-Host` are set when absent. Incoming values are forwarded, never trusted for decisions.
 * - Host is the upstream's (like nginx's default `proxy_set_header Host $proxy_host`): a mesh routes on it.
 */

/** Removed in both directions whatever `Connection` says. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
  'http2-settings',
];

/** What the hop does with a request header (one `Map` lookup per header on the hot path). */
export const enum HeaderKind {
  /** forwarded as is */
  Keep = 0,
  /** trace context: read by the propagation core, replaced by what it injects */
  Trace = 1,
  /** hop-by-hop: never forwarded */
  HopByHop = 2,
  /**
   * rewritten: Host (the upstream's), `Expect: 100-continue` (answered by the relay itself),
   * Content-Length (written from the body's framing)
   */
  Rewritten = 3,
  XForwardedFor = 4,
  Forwarded = 5,
  XForwardedProto = 6,
  XForwardedHost = 7,
}

/** Classifies lowercase request header names; `uberctx-*` (Jaeger baggage) counts as trace context. */
export type HeaderClassifier = (lowercaseName: string) => HeaderKind;

export function headerClassifier(traceHeaderNames: Iterable<string>): HeaderClassifier {
  const kinds = new Map<string, HeaderKind>();
  for (const name of traceHeaderNames) kinds.set(name.toLowerCase(), HeaderKind.Trace);
  for (const name of HOP_BY_HOP) kinds.set(name, HeaderKind.HopByHop);
  for (const name of ['host', 'expect', 'content-length']) kinds.set(name, HeaderKind.Rewritten);
  kinds.set('x-forwarded-for', HeaderKind.XForwardedFor);
  kinds.set('forwarded', HeaderKind.Forwarded);
  kinds.set('x-forwarded-proto', HeaderKind.XForwardedProto);
  kinds.set('x-forwarded-host', HeaderKind.XForwardedHost);
  return (name) => kinds.get(name) ?? (name.startsWith('uberctx-') ? HeaderKind.Trace : HeaderKind.Keep);
}

export interface ForwardedInfo {
  /** The socket peer address (never a value taken from the request). */
  readonly peerAddress?: string;
  /** The Host the client asked for. */
  readonly host?: string;
  readonly proto: 'http' | 'https';
}

/** RFC 7239 node: IPv6 addresses quoted and bracketed. */
function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

/** One upstream request head to build. */
export interface UpstreamHeadInput {
  readonly method: string;
  /** origin-form target on the upstream (base path applied) */
  readonly path: string;
  /** the upstream's Host */
  readonly host: string;
  /** the client's `[name, value, …]` as received */
  readonly raw: readonly string[];
  /** the lowercase names of `raw` (one per pair) */
  readonly lower: readonly string[];
  /** field names the client's `Connection` lists (hop-by-hop for this message) */
  readonly connection?: ReadonlySet<string>;
  /** the trace headers to write (name → value) */
  readonly injected: Readonly<Record<string, string>>;
  readonly forwarded: ForwardedInfo;
  /** `chunked` (forwarded as is), a Content-Length (also 0 when the client sent it), or -1: no body */
  readonly framing: number | 'chunked';
}

/**
 * The request head sent upstream (latin1 text, CRLFCRLF included), built in one pass: request line,
 * the upstream's Host, the client's end-to-end fields in order, the injected trace headers, the
 * X-Forwarded family and Forwarded, and the body framing.
 */
export function buildUpstreamHead(input: UpstreamHeadInput, classify: HeaderClassifier): string {
  const { raw, lower, connection, forwarded } = input;
  let text = `${input.method} ${input.path} HTTP/1.1\r\nhost: ${input.host}\r\n`;
  let xff: string | undefined;
  let fwd: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  for (let j = 0; j < lower.length; j++) {
    const name = lower[j];
    const kind = classify(name);
    if (kind === HeaderKind.Keep) {
      if (connection === undefined || !connection.has(name)) text += `${raw[2 * j]}: ${raw[2 * j + 1]}\r\n`;
      continue;
    }
    // The X-Forwarded family is ours to extend, but a client that lists one in Connection asked for it
    // to be removed (RFC 9110 §7.6.1): its value is dropped; the hop's own still goes.
    if (kind >= HeaderKind.XForwardedFor && connection !== undefined && connection.has(name)) continue;
    const value = raw[2 * j + 1];
    if (kind === HeaderKind.XForwardedFor) xff = xff === undefined ? value : `${xff}, ${value}`;
    else if (kind === HeaderKind.Forwarded) fwd = fwd === undefined ? value : `${fwd}, ${value}`;
    else if (kind === HeaderKind.XForwardedProto) xfProto ??= value;
    else if (kind === HeaderKind.XForwardedHost) xfHost ??= value;
  }
  const injected = input.injected;
  for (const name in injected) text += `${name}: ${injected[name]}\r\n`;
  const peer = forwarded.peerAddress;
  if (peer) xff = xff === undefined ? peer : `${xff}, ${peer}`;
  if (xff !== undefined) text += `x-forwarded-for: ${xff}\r\n`;
  text += `x-forwarded-proto: ${xfProto ?? forwarded.proto}\r\n`;
  const host = xfHost ?? forwarded.host;
  if (host) text += `x-forwarded-host: ${host}\r\n`;
  let element = peer ? `for=${forwardedNode(peer)};` : '';
  if (forwarded.host) element += `host="${forwarded.host.replace(/["\\]/g, '')}";`;
  element += `proto=${forwarded.proto}`;
  text += `forwarded: ${fwd === undefined ? element : `${fwd}, ${element}`}\r\n`;
  const framing = input.framing;
  if (framing === 'chunked') text += 'transfer-encoding: chunked\r\n';
  else if (framing >= 0) text += `content-length: ${framing}\r\n`;
  return `${text}\r\n`;
}

/**
 * The request target to send upstream, in origin-form (`/path?query`). An absolute-form target
 * (`GET http://other/x`) is reduced to its path and query: forwarding it raw would let the caller pick
 * the host an upstream proxy (an Envoy sidecar) routes to. `undefined` for anything else (`*`,
 * authority-form, garbage): the hop answers 400.
 */
export function originForm(target: string): string | undefined {
  if (target.startsWith('/')) return target;
  if (/^https?:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      return `${url.pathname}${url.search}`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
