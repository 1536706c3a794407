/**
 * Headers a hop forwards unchanged so Envoy / Istio keep log and trace sampling consistent
 * (`x-request-id`, `x-client-trace-id`, `x-ot-span-context`, `x-envoy-force-trace`).
 * @see https://istio.io/latest/about/faq/distributed-tracing/
 */
import { PASSTHROUGH_HEADERS } from './trace-context';
import { firstValue, type HeaderValue } from './text';

export { PASSTHROUGH_HEADERS };

/** Longest passthrough value forwarded; longer values are dropped (an x-request-id is a 36-char UUID). */
export const PASSTHROUGH_MAX_LENGTH = 1024;

function isVisibleAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * The passthrough headers present (lowercase names → first value, unchanged). Values with
 * control or non-ASCII characters, or longer than `PASSTHROUGH_MAX_LENGTH`, are left out so
 * that writing them back can never fail. Never throws.
 */
export function extractPassthrough(headers: Readonly<Record<string, HeaderValue>>): Readonly<Record<string, string>> {
  let out: Record<string, string> | undefined;
  for (let i = 0; i < PASSTHROUGH_HEADERS.length; i++) {
    const name = PASSTHROUGH_HEADERS[i];
    const v = firstValue(headers[name]);
    if (typeof v !== 'string' || v.length === 0 || v.length > PASSTHROUGH_MAX_LENGTH || !isVisibleAscii(v)) continue;
    (out ??= {})[name] = v;
  }
  return out ?? EMPTY;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
