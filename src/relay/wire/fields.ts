/** Field-line grammar shared by request and response heads (RFC 9110 §5, RFC 9112 §5). */

/** field-name ":" OWS field-value OWS, with a token name (no whitespace before the colon). */
export const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;

/** Anything but HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5): NUL, CR, LF and the other controls. */
export const BAD_VALUE_CHAR = /[\x00-\x08\x0a-\x1f\x7f]/;

/** The lowercase tokens of a comma-separated `Connection` value. */
export function connectionTokenSet(value: string): Set<string> {
  const tokens = new Set<string>();
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t) tokens.add(t);
  }
  return tokens;
}

/** A value for an error message: JSON-quoted, cut to `max` characters. */
export function quoted(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
