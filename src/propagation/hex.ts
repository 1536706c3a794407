/**
 * Hex-id helpers shared by every format: validation by character code (no regex, no
 * allocation). Random ids come from the caller (`IdSource`): propagation does no I/O.
 */

/** 16 zeros: the left padding that turns a 64-bit trace id into 32 hex characters. */
export const ZERO_HEX_16 = '0000000000000000';

/** True when every character of `s` is `0-9` or `a-f` (and `s` is not empty). */
export function isLowerHex(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // 0-9 = 48..57, a-f = 97..102
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** True when every character of `s` is a hex digit of either case (and `s` is not empty). */
export function isAnyCaseHex(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** True when `s` consists only of `0` characters (an invalid id in every format). */
export function isAllZero(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== 48) return false;
  }
  return true;
}

/** Value of one hex digit (either case), or -1. */
export function hexDigitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Left-pads a hex id with zeros to `width` characters (ids longer than `width` are returned as is). */
export function leftPadHex(s: string, width: number): string {
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}
