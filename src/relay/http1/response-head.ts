/**
 * HTTP/1.1 response heads from an upstream (RFC 9112 §4, §6.3), parsed strictly (pure; never throws).
 * A response the relay cannot frame with certainty is an error (the client gets a 502), never a guess.
 */
import { checkHeadCharacters, connectionTokenSet, fieldLineColon, fieldValue, quoted } from './fields';

/** How the body of a message is delimited on the wire. */
export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  /** HTTP/1.0 style: the body ends when the connection closes. */
  | { readonly kind: 'close' };

export const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
const UNTIL_CLOSE: BodyFraming = Object.freeze({ kind: 'close' });

export interface ResponseHead {
  readonly status: number;
  /**
   * The header lines to send on to the client, each ending in CRLF: the upstream's own, in order and
   * byte for byte, minus hop-by-hop fields and those its `Connection` names (RFC 9110 §7.6.1).
   * Content-Length is rewritten: one line, last, only when no Transfer-Encoding came with it (it frames
   * the body the relay forwards as is); nothing `Connection` says removes it.
   */
  readonly forward: string;
  readonly framing: BodyFraming;
  /** The upstream connection may carry another request after this response. */
  readonly keepAlive: boolean;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\x00-\x08\x0a-\x1f\x7f]*)?$/;

/** Hop-by-hop response fields, never forwarded (the request side has its own list, forward-headers.ts). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-authenticate',
  'proxy-authorization',
  'http2-settings',
]);
/** The lengths of the names above and of content-length: only names of these lengths are lowercased. */
const INTERESTING_LENGTHS = new Set([...HOP_BY_HOP, 'content-length'].map((n) => n.length));

/**
 * Parses an upstream response head (the text before CRLFCRLF). `requestMethod` decides whether a body
 * follows (none for HEAD). Returns a one-line reason on anything malformed.
 *
 * Works on line offsets and forwards slices of the original text: a response head is read once per
 * request on the hot path, and per-header name/value strings would be a measurable share of the
 * relay's allocation (BENCHMARKS.md, Relay).
 */
export function parseResponseHead(head: string, requestMethod: string): ResponseHead | string {
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = head.length;
  const m = STATUS_LINE.exec(head.slice(0, lineEnd));
  if (!m) return `malformed status line ${quoted(head.slice(0, lineEnd))}`;
  const status = Number(m[2]);
  if (status < 100) return `status ${m[2]} out of range; allowed: 100..999`;
  const http10 = m[1] === '0';
  const bad = checkHeadCharacters(head);
  if (bad) return bad;
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection: string | undefined;
  let forward = '';
  /** start of the run of kept lines not yet copied to `forward` */
  let keptFrom = lineEnd + 2;
  let start = lineEnd + 2;
  while (start < head.length) {
    let end = head.indexOf('\r\n', start);
    if (end < 0) end = head.length;
    const colon = fieldLineColon(head, start, end);
    if (typeof colon === 'string') return colon;
    if (INTERESTING_LENGTHS.has(colon - start)) {
      const name = head.slice(start, colon).toLowerCase();
      if (name === 'content-length') {
        const value = fieldValue(head, colon, end);
        if (!/^\d{1,15}$/.test(value)) return `Content-Length ${quoted(value)} is not a decimal length`;
        const n = Number(value);
        if (contentLength >= 0 && contentLength !== n) return `two different Content-Length values (${contentLength} and ${n})`;
        contentLength = n;
        // Not forwarded as received: written once below, and only when it frames the body.
        if (start > keptFrom) forward += head.slice(keptFrom, start);
        keptFrom = end + 2;
      } else if (HOP_BY_HOP.has(name)) {
        if (name === 'transfer-encoding') {
          const value = fieldValue(head, colon, end);
          transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        } else if (name === 'connection') {
          const value = fieldValue(head, colon, end);
          connection = connection === undefined ? value : `${connection}, ${value}`;
        }
        if (start > keptFrom) forward += head.slice(keptFrom, start);
        keptFrom = end + 2;
      }
    }
    start = end + 2;
  }
  if (keptFrom < head.length) forward += `${head.slice(keptFrom)}\r\n`;
  const connectionTokens = connection !== undefined ? connectionTokenSet(connection) : undefined;
  if (connectionTokens && [...connectionTokens].some((t) => !HOP_BY_HOP.has(t) && t !== 'close'))
    forward = withoutFields(forward, connectionTokens);
  let keepAlive = http10 ? connectionTokens?.has('keep-alive') === true : connectionTokens?.has('close') !== true;
  let framing: BodyFraming;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) framing = NO_BODY;
  else if (transferEncoding !== undefined) {
    // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; a final coding other than chunked
    // means the body runs to the close.
    const codings = transferEncoding.split(',');
    if (codings[codings.length - 1].trim().toLowerCase() === 'chunked' && !http10) framing = CHUNKED;
    else {
      framing = UNTIL_CLOSE;
      keepAlive = false;
    }
    if (contentLength >= 0) keepAlive = false; // the upstream framed ambiguously: do not reuse it
  } else if (contentLength >= 0) framing = contentLength === 0 ? NO_BODY : { kind: 'length', length: contentLength };
  else {
    framing = UNTIL_CLOSE;
    keepAlive = false;
  }
  // One Content-Length, the one that frames what the client gets: never next to Transfer-Encoding
  // (RFC 9112 §6.3: an intermediary removes it), never on 1xx/204, and whatever `Connection` names.
  // HEAD and 304 keep it as metadata (the size of the representation).
  if (contentLength >= 0 && transferEncoding === undefined && status >= 200 && status !== 204)
    forward += `content-length: ${contentLength}\r\n`;
  return { status, forward, framing, keepAlive };
}

/** `lines` (each ending CRLF) without the fields named in `names` (the rare case of `Connection: x-foo`). */
function withoutFields(lines: string, names: ReadonlySet<string>): string {
  let out = '';
  for (const line of lines.split('\r\n')) {
    if (!line) continue;
    const colon = line.indexOf(':');
    if (!names.has(line.slice(0, colon).toLowerCase())) out += `${line}\r\n`;
  }
  return out;
}
