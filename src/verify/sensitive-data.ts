/**
 * `noSensitiveData`: spans must not carry credentials, e-mail addresses or card numbers (a span
 * store is readable by everyone who can open the tracing UI). Pure; returns findings with the
 * attribute key and a masked excerpt, never the secret itself.
 */
import { classifySensitive, type SensitiveKind } from '../sensitive-data';
import type { AttributeValue, Span } from './model';

export { luhnValid } from '../sensitive-data';

export interface SensitiveFinding {
  readonly spanId: string;
  readonly service: string;
  readonly key: string;
  readonly what: SensitiveKind;
  readonly masked: string;
}

function textOf(v: AttributeValue): string {
  if (Array.isArray(v)) return v.map(textOf).join(' ');
  return typeof v === 'object' && v !== null
    ? Object.entries(v)
        .map(([k, x]) => `${k} ${textOf(x)}`)
        .join(' ')
    : String(v);
}

type Classified = ReturnType<typeof classifySensitive>;

export function findSensitiveData(spans: readonly Span[]): SensitiveFinding[] {
  const out: SensitiveFinding[] = [];
  // The same key and value recur on thousands of spans (methods, routes, status codes): classify each pair once.
  const memo = new Map<string, Classified>();
  const scanValue = (span: Span, key: string, v: AttributeValue, into: SensitiveFinding[]): void => {
    const text = typeof v === 'string' ? v : textOf(v);
    const memoKey = `${key}\u0000${text}`;
    let found = memo.get(memoKey);
    if (!found) memo.set(memoKey, (found = classifySensitive(key, text)));
    for (const f of found) into.push({ spanId: span.spanId, service: span.service, key, ...f });
  };
  for (const s of spans) {
    for (const [k, v] of Object.entries(s.attributes)) scanValue(s, k, v, out);
    for (const e of s.events) for (const [k, v] of Object.entries(e.attributes)) scanValue(s, `${e.name}.${k}`, v, out);
    if (s.status.message) scanValue(s, 'status.message', s.status.message, out);
  }
  // Resource attributes (process tags) are shared by a service's spans: scanned once per distinct resource.
  const seen = new Set<string>();
  const seenObjects = new Set<object>();
  for (const s of spans) {
    // Sources share one resource object per service batch: skip by identity before serialising.
    if (seenObjects.has(s.resource)) continue;
    seenObjects.add(s.resource);
    const id = JSON.stringify(s.resource);
    if (seen.has(id)) continue;
    seen.add(id);
    for (const [k, v] of Object.entries(s.resource)) scanValue(s, `resource.${k}`, v, out);
  }
  return out;
}
