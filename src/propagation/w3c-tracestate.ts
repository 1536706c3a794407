/**
 * W3C Trace Context `tracestate`: a list of up to 32 `key=value` members, possibly split over
 * several headers (combined in order). Parsing is strict, as the conformance suite's
 * STRICT_LEVEL 2 requires: one bad member, or more than 32 members, discards the whole header.
 * @see https://www.w3.org/TR/trace-context-2/#tracestate-header
 */
import type { TraceStateEntry } from './trace-context';
import { combinedValue, isOws, type HeaderValue } from './text';

export const TRACESTATE_HEADER = 'tracestate';

/** The spec's member limit: more than this and the whole header is discarded. */
export const TRACESTATE_MAX_MEMBERS = 32;
/** The spec's key length limit (characters). */
export const TRACESTATE_MAX_KEY_LENGTH = 256;
/** The spec's value length limit (characters). */
export const TRACESTATE_MAX_VALUE_LENGTH = 256;
/** Vendors SHOULD propagate at least this many characters of the combined header. */
export const TRACESTATE_MIN_PROPAGATED_LENGTH = 512;
/** Entries longer than this are the first to go when truncating (spec §tracestate limits). */
export const TRACESTATE_LONG_ENTRY = 128;

function isKeyStart(c: number): boolean {
  // lcalpha / DIGIT
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

function isKeyChar(c: number): boolean {
  // lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
  return isKeyStart(c) || c === 95 || c === 45 || c === 42 || c === 47 || c === 64;
}

/**
 * A key under the current grammar (w3c/trace-context #584):
 * `(lcalpha / DIGIT) 0*255(lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@")`, so `foo@`,
 * `foo@@bar` and `a@b@c` are valid and `@foo` is not.
 */
export function isValidTraceStateKey(key: string): boolean {
  const n = key.length;
  if (n === 0 || n > TRACESTATE_MAX_KEY_LENGTH) return false;
  if (!isKeyStart(key.charCodeAt(0))) return false;
  for (let i = 1; i < n; i++) if (!isKeyChar(key.charCodeAt(i))) return false;
  return true;
}

/** A value: 1..256 printable ASCII characters except `,` and `=`, not ending in a space. */
export function isValidTraceStateValue(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > TRACESTATE_MAX_VALUE_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 44 || c === 61) return false;
  }
  return value.charCodeAt(n - 1) !== 32;
}

/**
 * Parses the combined `tracestate` (a string, or the values of repeated headers in order).
 * Returns the members left to right, `[]` when there are none (absent or empty headers,
 * empty list members are allowed), or `undefined` when the header must be discarded: a member
 * that breaks the grammar or more than 32 members. A repeated key keeps its first (left-most)
 * occurrence, one of the two behaviours the suite accepts. Never throws.
 */
export function parseTraceState(raw: HeaderValue): readonly TraceStateEntry[] | undefined {
  const s = combinedValue(raw);
  if (s === undefined) return [];
  if (typeof s !== 'string') return undefined;
  const entries: TraceStateEntry[] = [];
  const n = s.length;
  let pos = 0;
  while (pos <= n) {
    let end = s.indexOf(',', pos);
    if (end === -1) end = n;
    let a = pos;
    let b = end;
    while (a < b && isOws(s.charCodeAt(a))) a++;
    while (b > a && isOws(s.charCodeAt(b - 1))) b--;
    if (a < b) {
      const eq = s.indexOf('=', a);
      if (eq === -1 || eq >= b) return undefined;
      const key = s.slice(a, eq);
      const value = s.slice(eq + 1, b);
      if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return undefined;
      let duplicate = false;
      for (let i = 0; i < entries.length; i++) {
        if (entries[i].key === key) {
          duplicate = true;
          break;
        }
      }
      if (!duplicate) {
        if (entries.length === TRACESTATE_MAX_MEMBERS) return undefined;
        entries.push({ key, value });
      }
    }
    pos = end + 1;
  }
  return entries;
}

/**
 * Adds or updates a vendor's member the way the spec prescribes: the (new or modified) member
 * moves to the left, an existing member with that key is removed, and when that makes 33
 * members the right-most one is dropped. `undefined` when the key or value breaks the grammar
 * (nothing changes then). Pure: returns a new list.
 */
export function setTraceStateEntry(
  entries: readonly TraceStateEntry[] | undefined,
  key: string,
  value: string,
): readonly TraceStateEntry[] | undefined {
  if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return undefined;
  const out: TraceStateEntry[] = [{ key, value }];
  if (entries) for (const e of entries) if (e.key !== key && out.length < TRACESTATE_MAX_MEMBERS) out.push(e);
  return out;
}

/** Removes a vendor's member (e.g. one that must not leave the network); a new list. */
export function deleteTraceStateEntry(entries: readonly TraceStateEntry[] | undefined, key: string): readonly TraceStateEntry[] {
  const out: TraceStateEntry[] = [];
  if (entries) for (const e of entries) if (e.key !== key) out.push(e);
  return out;
}

/** Length of the serialized list (members plus separating commas, no OWS). */
export function traceStateLength(entries: readonly TraceStateEntry[]): number {
  let len = entries.length > 0 ? entries.length - 1 : 0;
  for (const e of entries) len += e.key.length + 1 + e.value.length;
  return len;
}

/**
 * Truncates to at most `maxLength` serialized characters by removing whole entries, as the
 * spec prescribes: entries longer than 128 characters first (right-most first), then from the
 * right. `maxLength` below 512 is raised to 512 (vendors SHOULD propagate at least that much).
 */
export function truncateTraceState(entries: readonly TraceStateEntry[], maxLength: number): readonly TraceStateEntry[] {
  const limit = Math.max(TRACESTATE_MIN_PROPAGATED_LENGTH, maxLength);
  let len = traceStateLength(entries);
  if (len <= limit) return entries;
  const kept = entries.slice();
  for (let i = kept.length - 1; i >= 0 && len > limit; i--) {
    const entryLength = kept[i].key.length + 1 + kept[i].value.length;
    if (entryLength > TRACESTATE_LONG_ENTRY) {
      kept.splice(i, 1);
      len -= entryLength + (kept.length > 0 ? 1 : 0);
    }
  }
  while (len > limit && kept.length > 0) {
    const e = kept.pop()!;
    len -= e.key.length + 1 + e.value.length + (kept.length > 0 ? 1 : 0);
  }
  return kept;
}

/** Serializes members left to right; `undefined` when there is nothing to send. */
export function formatTraceState(entries: readonly TraceStateEntry[] | undefined): string | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  let out = entries[0].key + '=' + entries[0].value;
  for (let i = 1; i < entries.length; i++) out += ',' + entries[i].key + '=' + entries[i].value;
  return out;
}
