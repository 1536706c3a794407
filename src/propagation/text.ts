/**
 * Small text helpers shared by the header formats: OWS trimming, first-value selection,
 * and UTF-8 percent-encoding/decoding that never throws (unlike `decodeURIComponent` /
 * `encodeURIComponent`, which throw on bad `%` sequences and lone surrogates).
 */
import { hexDigitValue } from './hex';

/** A header value as Node hands it over: a string, or an array for repeated headers. */
export type HeaderValue = string | readonly string[] | undefined;

/** True for RFC 9110 OWS characters (space and horizontal tab). */
export function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

/** Removes leading and trailing spaces and tabs (RFC 9110 OWS), nothing else. */
export function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isOws(s.charCodeAt(start))) start++;
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** The first value of a possibly repeated header (B3 and Jaeger: "first value wins"). */
export function firstValue(v: HeaderValue): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return v.length > 0 ? v[0] : undefined;
}

/**
 * All values of a list-valued header combined in order, as RFC 9110 §5.3 allows
 * (`tracestate`, `baggage`): repeated headers are joined with `,`.
 */
export function combinedValue(v: HeaderValue): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (v.length === 0) return undefined;
  return v.length === 1 ? v[0] : v.join(',');
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Percent-decodes `s` as UTF-8. A `%` not followed by two hex digits and invalid UTF-8
 * sequences both become U+FFFD (W3C Baggage: "invalid UTF-8 → replacement character");
 * the characters after a bad `%` are kept as they are. Never throws.
 */
export function percentDecodeUtf8(s: string): string {
  if (s.indexOf('%') === -1) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */) {
      const hi = i + 2 < s.length ? hexDigitValue(s.charCodeAt(i + 1)) : -1;
      const lo = hi >= 0 ? hexDigitValue(s.charCodeAt(i + 2)) : -1;
      if (hi >= 0 && lo >= 0) {
        bytes.push(hi * 16 + lo);
        i += 2;
      } else {
        // 0xFF never starts a valid UTF-8 sequence: the decoder turns it into U+FFFD.
        bytes.push(0xff);
      }
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // A raw non-ASCII character (header values arrive as latin1 in Node): keep its UTF-8 form.
      const encoded = Buffer.from(String.fromCharCode(c), 'utf8');
      for (const b of encoded) bytes.push(b);
    }
  }
  return UTF8.decode(Uint8Array.from(bytes));
}

const HEX_UPPER = '0123456789ABCDEF';

/**
 * Percent-encodes `s` as UTF-8, leaving the ASCII characters for which `safe[code]` is 1 as
 * they are. Lone surrogates become U+FFFD (Buffer's UTF-8 encoder), so this never throws.
 */
export function percentEncodeUtf8(s: string, safe: Uint8Array): string {
  let i = 0;
  const n = s.length;
  // Fast path: most values need no encoding at all.
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || safe[c] !== 1) break;
    i++;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  const rest = Buffer.from(s.slice(i), 'utf8');
  for (let j = 0; j < rest.length; j++) {
    const b = rest[j];
    if (b < 0x80 && safe[b] === 1) out += String.fromCharCode(b);
    else out += '%' + HEX_UPPER[b >> 4] + HEX_UPPER[b & 15];
  }
  return out;
}

/** Builds a 128-entry table with 1 for every ASCII character that `isSafe` accepts. */
export function asciiTable(isSafe: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) t[c] = isSafe(c) ? 1 : 0;
  return t;
}

/** RFC 9110 `tchar` (the characters of a token, e.g. a header name or a baggage key). */
export const TOKEN_CHARS = asciiTable(
  (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)),
);

/** True when `s` is a non-empty RFC 9110 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] !== 1) return false;
  }
  return true;
}
