/**
 * Chunked transfer coding (RFC 9112 §7.1), scanned for framing: where a chunked body ends, which bytes
 * are chunk data, and the same body re-framed canonically for forwarding. The relay never forwards the
 * framing as received: a size line with BWS or extensions, or a trailer section, that the relay read
 * one way could be read another way by the upstream (a smuggling gap). So every size line, CRLF and
 * trailer is validated, and what goes on is `hex-size CRLF data CRLF`, no extensions, and only the
 * trailer fields a trailer may carry. Pure state machine over buffers; never throws.
 */
import { isTraceHeaderName } from '../../propagation';
import { isTokenRange } from './fields';

const enum State {
  Size,
  /** whitespace after the size: only more of it, `;` or the CR may follow */
  SizeBws,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerLineStart,
  TrailerLine,
  TrailerLf,
  FinalLf,
  Done,
  Failed,
}

/** Longest chunk-size line (size plus extensions) accepted. */
const MAX_SIZE_LINE = 4096;
/** 13 hex digits: sizes up to 2^52, inside a JavaScript safe integer. */
const MAX_SIZE_DIGITS = 13;

/**
 * Fields dropped from a forwarded trailer section. RFC 9110 §6.5.1: framing, routing, authentication,
 * request modifiers, response controls and content format must be known before the content, so a
 * recipient that merged them from a trailer (some do) would act on what the relay never checked. The
 * hop-by-hop fields and the trace headers (the hop writes the context itself) are dropped as well. What
 * is left (e.g. `Server-Timing`, checksums) goes on: RFC 9112 §7.1.2 lets a recipient keep or drop each.
 */
const FORBIDDEN_TRAILERS: ReadonlySet<string> = new Set([
  // framing and content format
  'content-length',
  'transfer-encoding',
  'trailer',
  'content-type',
  'content-encoding',
  'content-range',
  'content-location',
  // routing and forwarding
  'host',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'via',
  'max-forwards',
  // authentication and state
  'authorization',
  'proxy-authorization',
  'www-authenticate',
  'proxy-authenticate',
  'cookie',
  'set-cookie',
  // request modifiers
  'expect',
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'te',
  // response controls
  'age',
  'cache-control',
  'expires',
  'date',
  'location',
  'retry-after',
  'vary',
  'pragma',
  'warning',
  // hop-by-hop
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
]);

/** A trailer field the relay drops rather than forwards. */
export function isForbiddenTrailer(lowercaseName: string): boolean {
  return FORBIDDEN_TRAILERS.has(lowercaseName) || isTraceHeaderName(lowercaseName);
}

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK_NO_TRAILERS = Buffer.from('0\r\n\r\n', 'latin1');

/** Re-framed pieces as one buffer to send (the common single piece without a copy). */
export function joined(pieces: readonly Buffer[]): Buffer {
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

export class ChunkedScanner {
  private state = State.Size;
  private size = 0;
  private digits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;
  /** where the current trailer line starts in `trailers` */
  private lineStart = 0;
  /** where the current trailer line's colon is in `trailers` (-1: not seen yet) */
  private trailerColon = -1;
  /** the trailer lines as received (latin1, each with its CRLF; bounded by `maxTrailerBytes`) */
  private trailers = '';
  /** trailer fields dropped as forbidden (lowercase names), for the caller to report */
  dropped?: string[];
  /** Why the body is malformed (set once `failed`). */
  error?: string;

  constructor(private readonly maxTrailerBytes = 60 * 1024) {}

  /** The whole body (last chunk and trailers included) has been scanned. */
  get done(): boolean {
    return this.state === State.Done;
  }

  get failed(): boolean {
    return this.state === State.Failed;
  }

  /**
   * Scans `buf` from `from`; returns how many bytes belong to the body (scanning stops at the end of
   * the body, so what follows is the next message). `onData` receives the chunk-data ranges (for a
   * client that cannot take chunked). `framed`, when given, receives the body re-framed canonically
   * (size lines without extensions, allowed trailers only), as pieces to send in order; data pieces are
   * views of `buf`, not copies. On malformed input returns -1 with `error` set.
   */
  // long-function: one byte-level state machine over a read, on the path of every chunked body; the states
  // share the cursor and the pending size line, and a call per state would cost on that path.
  scan(buf: Buffer, from: number, onData?: (buf: Buffer, start: number, end: number) => void, framed?: Buffer[]): number {
    let i = from;
    const end = buf.length;
    while (i < end) {
      switch (this.state) {
        case State.Size: {
          const byte = buf[i];
          const v = hexValue(byte);
          if (v >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return this.fail('chunk size over 13 hex digits');
            this.size = this.size * 16 + v;
          } else if (this.digits > 0 && byte === 0x3b) {
            this.state = State.Extension;
          } else if (this.digits > 0 && (byte === 0x20 || byte === 0x09)) {
            this.state = State.SizeBws;
          } else if (this.digits > 0 && byte === 0x0d) {
            this.state = State.SizeLf;
          } else return this.fail(`invalid byte 0x${byte.toString(16)} in a chunk size`);
          if (++this.lineBytes > MAX_SIZE_LINE) return this.fail('chunk size line too long');
          i++;
          break;
        }
        case State.SizeBws: {
          // RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ): anything
          // else after the size (`5 junk`) is a size line two parsers could read differently.
          const byte = buf[i];
          if (byte === 0x3b) this.state = State.Extension;
          else if (byte === 0x0d) this.state = State.SizeLf;
          else if (byte !== 0x20 && byte !== 0x09)
            return this.fail(`invalid byte 0x${byte.toString(16)} after a chunk size; allowed: ";" and an extension`);
          if (++this.lineBytes > MAX_SIZE_LINE) return this.fail('chunk size line too long');
          i++;
          break;
        }
        case State.Extension: {
          const byte = buf[i];
          if (byte === 0x0d) this.state = State.SizeLf;
          else if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) return this.fail('control character in a chunk extension');
          if (++this.lineBytes > MAX_SIZE_LINE) return this.fail('chunk size line too long');
          i++;
          break;
        }
        case State.SizeLf:
          if (buf[i] !== 0x0a) return this.fail('chunk size line not ended by CRLF');
          i++;
          this.lineBytes = 0;
          this.digits = 0;
          if (this.size === 0) this.state = State.TrailerLineStart;
          else {
            this.state = State.Data;
            if (framed) framed.push(Buffer.from(`${this.size.toString(16)}\r\n`, 'latin1'));
          }
          break;
        case State.Data: {
          const take = Math.min(this.size, end - i);
          if (onData) onData(buf, i, i + take);
          if (framed && take > 0) framed.push(buf.subarray(i, i + take));
          this.size -= take;
          i += take;
          if (this.size === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (buf[i] !== 0x0d) return this.fail('chunk data longer than its size');
          this.state = State.DataLf;
          i++;
          break;
        case State.DataLf:
          if (buf[i] !== 0x0a) return this.fail('chunk data not ended by CRLF');
          this.state = State.Size;
          if (framed) framed.push(CRLF);
          i++;
          break;
        case State.TrailerLineStart:
          if (buf[i] === 0x0d) {
            this.state = State.FinalLf;
            i++;
          } else if (buf[i] === 0x20 || buf[i] === 0x09) return this.fail('obsolete line folding in a trailer');
          else {
            this.state = State.TrailerLine;
            this.trailerColon = -1;
            this.lineStart = this.trailers.length;
          }
          break;
        case State.TrailerLine: {
          const byte = buf[i];
          if (byte === 0x0d) {
            if (this.trailerColon < 0) return this.fail('a trailer line without a colon');
            this.state = State.TrailerLf;
            this.trailers += '\r\n';
          } else {
            if (byte === 0x3a && this.trailerColon < 0) {
              // RFC 9112 §5.1: a token, then the colon (no whitespace before it), as in a header.
              if (!isTokenRange(this.trailers, this.lineStart, this.trailers.length))
                return this.fail('malformed trailer field name (a token, then the colon)');
              this.trailerColon = this.trailers.length;
            } else if (byte === 0x0a || (byte < 0x20 && byte !== 0x09) || byte === 0x7f) return this.fail('control character in a trailer');
            this.trailers += String.fromCharCode(byte);
          }
          if (++this.trailerBytes > this.maxTrailerBytes) return this.fail(`trailers over ${this.maxTrailerBytes} bytes`);
          i++;
          break;
        }
        case State.TrailerLf:
          if (buf[i] !== 0x0a) return this.fail('trailer line not ended by CRLF');
          this.state = State.TrailerLineStart;
          i++;
          break;
        case State.FinalLf:
          if (buf[i] !== 0x0a) return this.fail('chunked body not ended by CRLF');
          this.state = State.Done;
          if (framed) framed.push(this.trailers ? Buffer.from(`0\r\n${this.allowedTrailers()}\r\n`, 'latin1') : LAST_CHUNK_NO_TRAILERS);
          return i + 1 - from;
        default:
          return this.state === State.Done ? i - from : -1;
      }
    }
    return i - from;
  }

  /** The received trailer lines without the forbidden ones (each line with its CRLF). */
  private allowedTrailers(): string {
    let out = '';
    for (const line of this.trailers.split('\r\n')) {
      if (!line) continue;
      const name = line.slice(0, line.indexOf(':')).toLowerCase();
      if (isForbiddenTrailer(name)) (this.dropped ??= []).push(name);
      else out += `${line}\r\n`;
    }
    return out;
  }

  private fail(reason: string): number {
    this.state = State.Failed;
    this.error = reason;
    return -1;
  }
}
