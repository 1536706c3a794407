/**
 * HTTP/1.1 request heads (RFC 9112), parsed strictly (pure; never throws).
 *
 * The relay reads requests off the socket itself (see `client-connection.ts` for why), so this parser
 * is where request smuggling is refused: every shape that two HTTP parsers could read differently is a
 * 400 here, before a byte goes upstream — Content-Length together with Transfer-Encoding, differing
 * Content-Lengths, a Transfer-Encoding whose final coding is not chunked, whitespace before the colon,
 * obs-fold, bare CR or LF, control characters in values, missing or repeated Host, a request-target
 * with bytes outside visible ASCII or in a form the method does not allow.
 */
import { checkHeadCharacters, connectionTokenSet, parseFieldLines, quoted } from './fields';

/** A parsed request head. Header names keep their case; values are trimmed of OWS. */
export interface RequestHead {
  readonly method: string;
  /** The request target as sent: origin-form, absolute-form (http/https), or `*` with OPTIONS; visible ASCII. */
  readonly target: string;
  readonly version: '1.0' | '1.1';
  /** `[name, value, name, value, …]` in the order received. */
  readonly raw: string[];
  /** The lowercase names of `raw`, one per pair. */
  readonly lower: string[];
  readonly host?: string;
  readonly userAgent?: string;
  /** Body length from Content-Length; -1 when there is none (no body, or chunked). */
  readonly contentLength: number;
  readonly chunked: boolean;
  /** The connection may carry another request after this one. */
  readonly keepAlive: boolean;
  readonly expectContinue: boolean;
  /** Lowercase field names listed in `Connection` (hop-by-hop for this message). */
  readonly connectionTokens?: ReadonlySet<string>;
}

/** Why a request head is refused: the status to answer and a one-line reason for the body. */
export interface HeadError {
  readonly status: 400 | 417 | 501 | 505;
  readonly reason: string;
}

/**
 * The request-target is visible ASCII only (RFC 9112 §3.2, RFC 3986): a byte over 0x7f is refused rather
 * than forwarded raw (each upstream would decode it its own way, and it would reach `url.path` as is).
 * VCHARs that RFC 3986 leaves out (`"`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}`) are accepted and
 * forwarded unchanged, as nginx and Node's llhttp do: curl sends them raw, and refusing them would break
 * real clients without making the target any less ambiguous.
 */
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([!-~]+) HTTP\/(\d)\.(\d)$/;

/** A line that is a request line but for its target's bytes (for a message that names the real problem). */
const REQUEST_LINE_ANY_TARGET = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ ([^ ]+) HTTP\/\d\.\d$/;

/** absolute-form (RFC 9112 §3.2.2) of the schemes a hop can be asked for. */
const ABSOLUTE_FORM = /^https?:\/\//i;

/** RFC 9112 §3.2 / RFC 3986: uri-host [":" port]; no userinfo, path or whitespace. */
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)(?::\d*)?$/;

/** Bytes over 0x7f as `\xNN`, so a message shows what was sent instead of mojibake. */
function escapeNonAscii(text: string): string {
  return text.replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}

function fail(status: HeadError['status'], reason: string): HeadError {
  return { status, reason };
}

export function isHeadError(value: RequestHead | HeadError): value is HeadError {
  return (value as HeadError).status !== undefined;
}

/**
 * Parses the head of one request: `head` is the text (latin1, byte for byte) before the blank line
 * that ends it, without that CRLFCRLF.
 */
// long-function: one pass over the head of every request, in the order refusals are reported (the request
// line, then each field, then the framing and Host rules that need all fields); see README.md.
export function parseRequestHead(head: string): RequestHead | HeadError {
  const bad = checkHeadCharacters(head);
  if (bad) return fail(400, `${bad} in the request head`);
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = head.length;
  const requestLine = head.slice(0, lineEnd);
  const m = REQUEST_LINE.exec(requestLine);
  if (!m) {
    const t = REQUEST_LINE_ANY_TARGET.exec(requestLine);
    if (t)
      return fail(
        400,
        `request target ${escapeNonAscii(quoted(t[1]))} has a byte outside visible ASCII; allowed: 0x21-0x7e (percent-encode the rest, RFC 3986)`,
      );
    return fail(400, `malformed request line ${quoted(requestLine)}; expected METHOD SP target SP HTTP/1.1`);
  }
  if (m[3] !== '1') return fail(505, `HTTP/${m[3]}.${m[4]} is not supported; allowed: HTTP/1.0, HTTP/1.1`);
  // A reverse-proxy hop opens no tunnels: forwarded, CONNECT would ask the upstream for one.
  if (m[1] === 'CONNECT') return fail(501, 'CONNECT is not supported (the relay is a reverse-proxy hop, not a tunnel)');
  const target = m[2];
  // RFC 9112 §3.2: origin-form or absolute-form; asterisk-form only for OPTIONS (§3.2.4); authority-form
  // only for CONNECT (refused above).
  if (target.charCodeAt(0) !== 0x2f && !(target === '*' && m[1] === 'OPTIONS') && !ABSOLUTE_FORM.test(target)) {
    return fail(400, `request target ${quoted(target)} is not a path; allowed: /path?query, an absolute http(s) URL, or * with OPTIONS`);
  }
  const version = m[4] === '0' ? '1.0' : '1.1';
  const fields = parseFieldLines(head, lineEnd + 2);
  if (typeof fields === 'string') return fail(400, fields);
  const { raw, lower } = fields;
  let host: string | undefined;
  let hosts = 0;
  let userAgent: string | undefined;
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection: string | undefined;
  let expect: string | undefined;
  // Only the fields that decide framing and routing are looked at.
  for (let j = 0; j < lower.length; j++) {
    const name = lower[j];
    const value = raw[2 * j + 1];
    switch (name) {
      case 'host':
        host = value;
        hosts++;
        break;
      case 'user-agent':
        userAgent = value;
        break;
      case 'content-length': {
        if (!/^\d{1,15}$/.test(value)) return fail(400, `Content-Length ${quoted(value)} is not a decimal length`);
        const n = Number(value);
        if (contentLength >= 0 && contentLength !== n) return fail(400, `two different Content-Length values (${contentLength} and ${n})`);
        contentLength = n;
        break;
      }
      case 'transfer-encoding':
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        break;
      case 'connection':
        connection = connection === undefined ? value : `${connection}, ${value}`;
        break;
      case 'expect':
        expect = expect === undefined ? value : `${expect}, ${value}`;
        break;
    }
  }
  let chunked = false;
  if (transferEncoding !== undefined) {
    if (version === '1.0') return fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
    if (contentLength >= 0) return fail(400, 'both Content-Length and Transfer-Encoding (a request smuggling shape)');
    const codings = transferEncoding.split(',').map((c) => c.trim().toLowerCase());
    if (codings[codings.length - 1] !== 'chunked')
      return fail(400, `Transfer-Encoding ${quoted(transferEncoding)} does not end in chunked`);
    if (codings.length > 1) return fail(501, `Transfer-Encoding ${quoted(transferEncoding)}; allowed: chunked`);
    chunked = true;
  }
  if (version === '1.1' && hosts === 0) return fail(400, 'missing Host header (required in HTTP/1.1)');
  if (hosts > 1) return fail(400, 'more than one Host header');
  if (host !== undefined && !HOST_VALUE.test(host)) return fail(400, `Host ${quoted(host)} is not host[:port] (RFC 9112 §3.2)`);
  let expectContinue = false;
  if (expect !== undefined) {
    if (expect.trim().toLowerCase() !== '100-continue') return fail(417, `Expect ${quoted(expect)}; allowed: 100-continue`);
    expectContinue = version === '1.1';
  }
  let keepAlive = version === '1.1';
  let connectionTokens: ReadonlySet<string> | undefined;
  if (connection !== undefined) {
    connectionTokens = connectionTokenSet(connection);
    if (connectionTokens.has('close')) keepAlive = false;
    else if (version === '1.0' && connectionTokens.has('keep-alive')) keepAlive = true;
  }
  return {
    method: m[1],
    target,
    version,
    raw,
    lower,
    host,
    userAgent,
    contentLength,
    chunked,
    keepAlive,
    expectContinue,
    connectionTokens,
  };
}
