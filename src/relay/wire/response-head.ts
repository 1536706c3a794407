/**
 * HTTP/1.1 response heads from an upstream (RFC 9112 §4, §6.3), parsed strictly (pure; never throws).
 * A response the relay cannot frame with certainty is an error (the client gets a 502), never a guess.
 */
import { checkHeadCharacters, connectionTokenSet, parseFieldLines, quoted } from './fields';

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
  /** `[name, value, …]` as received */
  readonly raw: string[];
  /** The lowercase names of `raw`, one per pair. */
  readonly lower: string[];
  readonly framing: BodyFraming;
  /** The upstream connection may carry another request after this response. */
  readonly keepAlive: boolean;
  readonly connectionTokens?: ReadonlySet<string>;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\x00-\x08\x0a-\x1f\x7f]*)?$/;

/**
 * Parses an upstream response head (the text before CRLFCRLF). `requestMethod` decides whether a body
 * follows (none for HEAD). Returns a one-line reason on anything malformed.
 */
export function parseResponseHead(head: string, requestMethod: string): ResponseHead | string {
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = head.length;
  const m = STATUS_LINE.exec(head.slice(0, lineEnd));
  if (!m) return `malformed status line ${quoted(head.slice(0, lineEnd))}`;
  const status = Number(m[2]);
  if (status < 100) return `status ${status} out of range`;
  const http10 = m[1] === '0';
  const bad = checkHeadCharacters(head);
  if (bad) return bad;
  const fields = parseFieldLines(head, lineEnd + 2);
  if (typeof fields === 'string') return fields;
  const { raw, lower } = fields;
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection: string | undefined;
  for (let j = 0; j < lower.length; j++) {
    const name = lower[j];
    const value = raw[2 * j + 1];
    if (name === 'content-length') {
      if (!/^\d{1,15}$/.test(value)) return `Content-Length ${quoted(value)} is not a decimal length`;
      const n = Number(value);
      if (contentLength >= 0 && contentLength !== n) return `two different Content-Length values (${contentLength} and ${n})`;
      contentLength = n;
    } else if (name === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    } else if (name === 'connection') {
      connection = connection === undefined ? value : `${connection}, ${value}`;
    }
  }
  const connectionTokens = connection !== undefined ? connectionTokenSet(connection) : undefined;
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
  return { status, raw, lower, framing, keepAlive, connectionTokens };
}
