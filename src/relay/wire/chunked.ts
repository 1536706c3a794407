/**
 * Chunked transfer coding (RFC 9112 §7.1), scanned for framing: where a chunked body ends, and which
 * bytes are chunk data. The relay forwards chunked bodies byte for byte (a scanner, not a decoder: no
 * copy), so it must validate every size line, CRLF and trailer itself — a lenient scanner in a proxy is
 * a smuggling gap. Pure state machine over buffers; never throws.
 */

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
  /** the current trailer line has its colon */
  private trailerColon = false;
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
   * client that cannot take chunked). On malformed input returns -1 with `error` set.
   */
  scan(buf: Buffer, from: number, onData?: (buf: Buffer, start: number, end: number) => void): number {
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
          else if (byte !== 0x20 && byte !== 0x09) return this.fail(`invalid byte 0x${byte.toString(16)} after a chunk size; allowed: ";" and an extension`);
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
          else this.state = State.Data;
          break;
        case State.Data: {
          const take = Math.min(this.size, end - i);
          if (onData) onData(buf, i, i + take);
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
          i++;
          break;
        case State.TrailerLineStart:
          if (buf[i] === 0x0d) {
            this.state = State.FinalLf;
            i++;
          } else if (buf[i] === 0x20 || buf[i] === 0x09) return this.fail('obsolete line folding in a trailer');
          else {
            this.state = State.TrailerLine;
            this.trailerColon = false;
          }
          break;
        case State.TrailerLine: {
          const byte = buf[i];
          if (byte === 0x0d) {
            if (!this.trailerColon) return this.fail('a trailer line without a colon');
            this.state = State.TrailerLf;
          } else if (byte === 0x3a) this.trailerColon = true;
          else if (byte === 0x0a || (byte < 0x20 && byte !== 0x09) || byte === 0x7f) return this.fail('control character in a trailer');
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
          return i + 1 - from;
        default:
          return this.state === State.Done ? i - from : -1;
      }
    }
    return i - from;
  }

  private fail(reason: string): number {
    this.state = State.Failed;
    this.error = reason;
    return -1;
  }
}
