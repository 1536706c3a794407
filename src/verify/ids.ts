/**
 * Id normalisation shared by every source. Jaeger stores 64-bit trace ids (B3/Jaeger clients) as
 * 16 hex characters; OTLP always carries 128 bits. Left-padding to 32 lets a trace minted as
 * 64-bit be looked up and compared with one seen as 128-bit. Ids that are not hex at all (some
 * hand-written fixtures use `trace-123`) are kept as they are, so such files still load.
 */

const HEX = /^[0-9a-f]+$/;

/** 32 lowercase hex characters when the input is hex of at most 32 characters; otherwise as given. */
export function normalizeTraceId(id: string): string {
  const lower = id.toLowerCase();
  return HEX.test(lower) && lower.length <= 32 ? lower.padStart(32, '0') : id;
}

/** 16 lowercase hex characters when the input is hex of at most 16 characters; otherwise as given. */
export function normalizeSpanId(id: string): string {
  const lower = id.toLowerCase();
  return HEX.test(lower) && lower.length <= 16 ? lower.padStart(16, '0') : id;
}

/** True for an id that carries no value (absent, empty, or all zeros). */
export function isEmptyId(id: string | undefined): boolean {
  return id === undefined || id === '' || /^0+$/.test(id);
}
