/** Field-line grammar shared by request and response heads (RFC 9110 §5, RFC 9112 §5). */

/**
 * What may not appear in a head at all, checked once over the whole head: controls other than HTAB, CR
 * and LF (RFC 9110 §5.5), and a CR or LF that is not part of a CRLF.
 */
const BAD_HEAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?:^|[^\r])\n/;

/** tchar (RFC 9110 §5.6.2) by character code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

/** The text between `start` and `end` is a token (checked without making a substring). */
export function isTokenRange(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** The field value of the line `[colon + 1, end)` without leading and trailing OWS. */
export function fieldValue(text: string, colon: number, end: number): string {
  let vs = colon + 1;
  let ve = end;
  while (vs < ve && (text.charCodeAt(vs) === 0x20 || text.charCodeAt(vs) === 0x09)) vs++;
  while (ve > vs && (text.charCodeAt(ve - 1) === 0x20 || text.charCodeAt(ve - 1) === 0x09)) ve--;
  return text.slice(vs, ve);
}

/** Parsed field lines: names as received, lowercase names, values without OWS. */
export interface Fields {
  /** `[name, value, name, value, …]` in order */
  readonly raw: string[];
  /** lowercase names, one per pair */
  readonly lower: string[];
}

/** Why the field section is malformed, for an error message. */
export function checkHeadCharacters(head: string): string | undefined {
  const m = BAD_HEAD.exec(head);
  if (!m) return undefined;
  return m[0].endsWith('\r') || m[0].endsWith('\n')
    ? 'bare CR or LF (lines must end with CRLF)'
    : `control character 0x${m[0].charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * Checks the field line `[start, end)`: no leading whitespace (obs-fold), a colon, a token name before it
 * (so no whitespace before the colon). Returns the colon's index, or why the line is malformed.
 */
export function fieldLineColon(head: string, start: number, end: number): number | string {
  const first = head.charCodeAt(start);
  if (first === 0x20 || first === 0x09) return 'obsolete line folding (a header line starting with whitespace)';
  const colon = head.indexOf(':', start);
  if (colon < 0 || colon > end) return `header line without a colon: ${quoted(head.slice(start, end))}`;
  if (!isTokenRange(head, start, colon))
    return `malformed header name ${quoted(head.slice(start, colon))} (no whitespace before the colon)`;
  return colon;
}

/**
 * Splits the field lines of a head (after its first line, starting at `start`) into names and values.
 * The head's characters must have passed `checkHeadCharacters`. Returns a reason on a malformed line.
 */
export function parseFieldLines(head: string, start: number): Fields | string {
  const raw: string[] = [];
  const lower: string[] = [];
  while (start < head.length) {
    let end = head.indexOf('\r\n', start);
    if (end < 0) end = head.length;
    const colon = fieldLineColon(head, start, end);
    if (typeof colon === 'string') return colon;
    const name = head.slice(start, colon);
    raw.push(name, fieldValue(head, colon, end));
    lower.push(name.toLowerCase());
    start = end + 2;
  }
  return { raw, lower };
}

const KEEP_ALIVE: ReadonlySet<string> = new Set(['keep-alive']);
const CLOSE: ReadonlySet<string> = new Set(['close']);

/**
 * The lowercase tokens of a comma-separated `Connection` value. The two values almost every message
 * carries get shared sets (this runs once per request and once per response on the hot path).
 */
export function connectionTokenSet(value: string): ReadonlySet<string> {
  const lower = value.toLowerCase();
  if (lower === 'keep-alive') return KEEP_ALIVE;
  if (lower === 'close') return CLOSE;
  const tokens = new Set<string>();
  for (const token of lower.split(',')) {
    const t = token.trim();
    if (t) tokens.add(t);
  }
  return tokens;
}

/** A value for an error message: JSON-quoted, cut to `max` characters. */
export function quoted(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
