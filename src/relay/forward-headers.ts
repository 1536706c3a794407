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
const HOP_BY_HOP = new Set([
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
]);

/**
 * Removed from requests as well: Host is rewritten; `Expect: 100-continue` is answered by the relay's
 * own server; Content-Length is written by `requestHeadText` from the body's framing; the X-Forwarded
 * family and Forwarded are rebuilt below.
 */
const REQUEST_REBUILT = new Set(['host', 'expect', 'content-length', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']);

/** The field names listed in `Connection` values (lowercase). */
export function connectionTokens(values: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (const value of values) {
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t) tokens.add(t);
    }
  }
  return tokens;
}

/** Trace-context header predicate: the propagation core's names plus Jaeger's `uberctx-*` family. */
export type TraceHeaderPredicate = (lowercaseName: string) => boolean;

export function traceHeaderPredicate(names: Iterable<string>): TraceHeaderPredicate {
  const set = new Set([...names].map((n) => n.toLowerCase()));
  return (name) => set.has(name) || name.startsWith('uberctx-');
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

/**
 * The outgoing request headers as a flat `[name, value, ...]` list (undici's raw form, which keeps
 * duplicates and order). `raw` is Node's `req.rawHeaders`.
 */
export function buildUpstreamHeaders(
  raw: readonly string[],
  isTraceHeader: TraceHeaderPredicate,
  injected: Readonly<Record<string, string>>,
  forwarded: ForwardedInfo,
): string[] {
  const out: string[] = [];
  let connection: Set<string> | undefined;
  const xff: string[] = [];
  const fwd: string[] = [];
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') connection = connectionTokens([...(connection ?? []), raw[i + 1]]);
  }
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    const value = raw[i + 1];
    if (HOP_BY_HOP.has(lower) || connection?.has(lower) || isTraceHeader(lower)) continue;
    if (REQUEST_REBUILT.has(lower)) {
      if (lower === 'x-forwarded-for') xff.push(value);
      else if (lower === 'forwarded') fwd.push(value);
      else if (lower === 'x-forwarded-proto') xfProto ??= value;
      else if (lower === 'x-forwarded-host') xfHost ??= value;
      continue;
    }
    out.push(name, value);
  }
  for (const name of Object.keys(injected)) out.push(name, injected[name]);
  const peer = forwarded.peerAddress;
  if (peer) xff.push(peer);
  if (xff.length) out.push('x-forwarded-for', xff.join(', '));
  out.push('x-forwarded-proto', xfProto ?? forwarded.proto);
  if (xfHost ?? forwarded.host) out.push('x-forwarded-host', (xfHost ?? forwarded.host) as string);
  const element = [peer ? `for=${forwardedNode(peer)}` : undefined, forwarded.host ? `host="${forwarded.host.replace(/["\\]/g, '')}"` : undefined, `proto=${forwarded.proto}`]
    .filter(Boolean)
    .join(';');
  fwd.push(element);
  out.push('forwarded', fwd.join(', '));
  return out;
}

/**
 * The request head sent upstream (latin1 text, CRLFCRLF included): request line, the upstream's Host,
 * `fields` (from `buildUpstreamHeaders`), and the body framing — `chunked` (forwarded as is), a length
 * (Content-Length, also 0 when the client sent it), or -1 for no body.
 */
export function requestHeadText(method: string, path: string, host: string, fields: readonly string[], framing: number | 'chunked'): string {
  let text = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (let i = 0; i < fields.length; i += 2) text += `${fields[i]}: ${fields[i + 1]}\r\n`;
  if (framing === 'chunked') text += 'transfer-encoding: chunked\r\n';
  else if (framing >= 0) text += `content-length: ${framing}\r\n`;
  return `${text}\r\n`;
}

/**
 * The response header lines (`name: value\r\n` each) to send to the client: the upstream's `raw`
 * fields minus hop-by-hop ones and those its `Connection` names. Content-Length stays (it frames the
 * body the relay forwards as is).
 */
export function responseFieldLines(raw: readonly string[], connection?: ReadonlySet<string>): string {
  let text = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connection?.has(lower)) continue;
    text += `${name}: ${raw[i + 1]}\r\n`;
  }
  return text;
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
