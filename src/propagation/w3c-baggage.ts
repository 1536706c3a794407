/**
 * W3C Baggage: `key=value;property,...`, values percent-encoded UTF-8.
 * @see https://www.w3.org/TR/baggage/#header-content
 */
import type { BaggageEntry } from './trace-context';
import { asciiTable, combinedValue, isOws, isToken, percentDecodeUtf8, percentEncodeUtf8, trimOws, type HeaderValue } from './text';

export const BAGGAGE_HEADER = 'baggage';

/** Members a platform MUST propagate (all `baggage` headers combined). */
export const BAGGAGE_MAX_MEMBERS = 64;
/** Bytes a platform MUST propagate (all `baggage` headers combined, commas included). */
export const BAGGAGE_MAX_BYTES = 8192;

/**
 * `baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E`: printable ASCII except
 * space, `"`, `,`, `;` and `\`.
 */
export const BAGGAGE_OCTETS = asciiTable(
  (c) => c === 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e),
);

// What we leave unencoded on output: baggage-octets minus `%` (a literal `%` in a decoded value
// must be re-encoded, or the next hop would decode it a second time).
const VALUE_SAFE = BAGGAGE_OCTETS.slice();
VALUE_SAFE[0x25] = 0;

function isBaggageOctets(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || BAGGAGE_OCTETS[c] !== 1) return false;
  }
  return true;
}

/** A property: `key` or `key=value` (token key, baggage-octet value), OWS around `=` allowed. */
function normalizeProperty(raw: string): string | undefined {
  const eq = raw.indexOf('=');
  if (eq === -1) return isToken(raw) ? raw : undefined;
  const key = trimOws(raw.slice(0, eq));
  const value = trimOws(raw.slice(eq + 1));
  if (!isToken(key) || !isBaggageOctets(value)) return undefined;
  return key + '=' + value;
}

/** Parses one list member; `undefined` when it is malformed. */
export function parseBaggageMember(raw: string): BaggageEntry | undefined {
  const member = trimOws(raw);
  const semi = member.indexOf(';');
  const kv = semi === -1 ? member : member.slice(0, semi);
  const eq = kv.indexOf('=');
  if (eq === -1) return undefined;
  const key = trimOws(kv.slice(0, eq));
  const rawValue = trimOws(kv.slice(eq + 1));
  if (!isToken(key) || !isBaggageOctets(rawValue)) return undefined;
  const value = percentDecodeUtf8(rawValue);
  if (semi === -1) return { key, value };
  const properties: string[] = [];
  for (const part of member.slice(semi + 1).split(';')) {
    const p = trimOws(part);
    if (p.length === 0) continue;
    const normalized = normalizeProperty(p);
    if (normalized === undefined) return undefined;
    properties.push(normalized);
  }
  return properties.length > 0 ? { key, value, properties } : { key, value };
}

/** The member as it goes on the wire: value percent-encoded, properties as received. */
export function serializeBaggageMember(entry: BaggageEntry): string {
  let out = entry.key + '=' + percentEncodeUtf8(entry.value, VALUE_SAFE);
  if (entry.properties) for (const p of entry.properties) out += ';' + p;
  return out;
}

/** Bytes `serializeBaggageMember(entry)` would take, computed without building the string. */
export function baggageMemberSize(entry: BaggageEntry): number {
  let size = entry.key.length + 1;
  const v = entry.value;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x80) size += VALUE_SAFE[c] === 1 ? 1 : 3;
    else if (c < 0x800) size += 6;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length && (v.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size += 12; // a surrogate pair: 4 UTF-8 bytes, each %XX
      i++;
    } else size += 9; // 3 UTF-8 bytes (lone surrogates become U+FFFD, also 3)
  }
  if (entry.properties) for (const p of entry.properties) size += 1 + Buffer.byteLength(p);
  return size;
}

/**
 * Keeps whole members, left to right, while the result stays within `maxMembers` and
 * `maxBytes` serialized bytes (commas included). A member that does not fit is dropped whole —
 * never cut — and later, smaller members may still be kept.
 */
export function limitBaggage(
  entries: readonly BaggageEntry[],
  maxMembers = BAGGAGE_MAX_MEMBERS,
  maxBytes = BAGGAGE_MAX_BYTES,
): readonly BaggageEntry[] {
  let bytes = 0;
  let kept: BaggageEntry[] | undefined;
  for (let i = 0; i < entries.length; i++) {
    const count = kept ? kept.length : i;
    const size = baggageMemberSize(entries[i]) + (count > 0 ? 1 : 0);
    if (count < maxMembers && bytes + size <= maxBytes) {
      bytes += size;
      if (kept) kept.push(entries[i]);
    } else if (!kept) {
      kept = entries.slice(0, i);
    }
  }
  return kept ?? entries;
}

/**
 * Parses the combined `baggage` headers. Malformed members are dropped one by one (a bad member
 * says nothing about its neighbours); empty values are kept; bad percent-encoding becomes
 * U+FFFD; members are kept left to right while they fit in 64 members / 8192 bytes (whole
 * members only, as `limitBaggage`). Parsing stops once 64 are kept, so an oversized header costs
 * no more than a full one. Never throws.
 */
export function parseBaggage(raw: HeaderValue): readonly BaggageEntry[] {
  const s = combinedValue(raw);
  if (typeof s !== 'string' || s.length === 0) return [];
  const entries: BaggageEntry[] = [];
  let bytes = 0;
  let pos = 0;
  const n = s.length;
  while (pos <= n && entries.length < BAGGAGE_MAX_MEMBERS) {
    let end = s.indexOf(',', pos);
    if (end === -1) end = n;
    let a = pos;
    while (a < end && isOws(s.charCodeAt(a))) a++;
    if (a < end) {
      const entry = parseBaggageMember(s.slice(a, end));
      if (entry !== undefined) {
        const size = baggageMemberSize(entry) + (entries.length > 0 ? 1 : 0);
        if (bytes + size <= BAGGAGE_MAX_BYTES) {
          entries.push(entry);
          bytes += size;
        }
      }
    }
    pos = end + 1;
  }
  return entries;
}

/** Serializes members (within the W3C limits); `undefined` when there is nothing to send. */
export function formatBaggage(entries: readonly BaggageEntry[] | undefined): string | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  const limited = limitBaggage(entries);
  if (limited.length === 0) return undefined;
  let out = serializeBaggageMember(limited[0]);
  for (let i = 1; i < limited.length; i++) out += ',' + serializeBaggageMember(limited[i]);
  return out;
}
