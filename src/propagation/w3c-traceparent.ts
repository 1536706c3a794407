/**
 * W3C Trace Context `traceparent` (Level 2): `version-traceid-parentid-flags`.
 * @see https://www.w3.org/TR/trace-context-2/#traceparent-header
 */
import { isAllZero, isLowerHex } from './hex';
import { trimOws } from './text';

export const TRACEPARENT_HEADER = 'traceparent';

/** Flag bit 0: the caller may have recorded (sampled) the trace. */
export const FLAG_SAMPLED = 0x01;
/** Flag bit 1 (Level 2): the right-most 7 bytes of the trace id are random. */
export const FLAG_RANDOM = 0x02;
/** The flag bits this version of the spec defines; all others MUST be sent as zero. */
export const KNOWN_FLAGS = FLAG_SAMPLED | FLAG_RANDOM;

/** A parsed `traceparent`. */
export interface Traceparent {
  /** The version byte as sent (0 for `00`, 204 for `cc`); always re-emitted as `00`. */
  readonly version: number;
  readonly traceId: string;
  readonly spanId: string;
  /** The flags byte as sent, unknown bits included (they are zeroed on output). */
  readonly flags: number;
}

// `00-` + 32 + `-` + 16 + `-` + 2
const VERSION_00_LENGTH = 55;

/**
 * Parses one `traceparent` value. Returns `undefined` for anything the spec says to ignore:
 * version `ff`, a version-00 value that is not exactly 55 characters, a future version whose
 * fourth field is followed by anything but `-`, non-lowercase hex, all-zero ids. Leading and
 * trailing OWS is allowed. Never throws.
 */
export function parseTraceparent(raw: string): Traceparent | undefined {
  if (typeof raw !== 'string') return undefined;
  const v = trimOws(raw);
  if (v.length < VERSION_00_LENGTH) return undefined;
  if (v.charCodeAt(2) !== 45 || v.charCodeAt(35) !== 45 || v.charCodeAt(52) !== 45) return undefined;
  const versionHex = v.slice(0, 2);
  if (!isLowerHex(versionHex)) return undefined;
  const version = parseInt(versionHex, 16);
  if (version === 0xff) return undefined;
  if (version === 0) {
    if (v.length !== VERSION_00_LENGTH) return undefined;
  } else if (v.length > VERSION_00_LENGTH && v.charCodeAt(VERSION_00_LENGTH) !== 45) {
    // A future version may append fields, but only after a `-`.
    return undefined;
  }
  const traceId = v.slice(3, 35);
  const spanId = v.slice(36, 52);
  const flagsHex = v.slice(53, 55);
  if (!isLowerHex(traceId) || isAllZero(traceId)) return undefined;
  if (!isLowerHex(spanId) || isAllZero(spanId)) return undefined;
  if (!isLowerHex(flagsHex)) return undefined;
  return { version, traceId, spanId, flags: parseInt(flagsHex, 16) };
}

const FLAGS_HEX = ['00', '01', '02', '03'];

/**
 * Serializes a `traceparent` at version `00`. Only the known flag bits are written (unknown
 * bits MUST be zero), so the flags field is always exactly two characters.
 */
export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return '00-' + traceId + '-' + spanId + '-' + FLAGS_HEX[flags & KNOWN_FLAGS];
}
