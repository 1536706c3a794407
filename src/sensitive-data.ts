/**
 * The sensitive-data classifier: does one key/value pair carry a credential, an e-mail address or
 * a card number? A leaf module (pure, imports nothing) shared by `verify` (scans span attributes)
 * and `check` (scans relay span attributes and Istio literal tags in configs); it returns a masked
 * excerpt, never the secret itself.
 */

export type SensitiveKind = 'credential' | 'email' | 'card-number';

/** One kind of sensitive data found in a value, with a masked excerpt. */
export interface SensitiveMatch {
  readonly what: SensitiveKind;
  readonly masked: string;
}

const SECRET_KEY =
  /(^|[._-])(authorization|proxy-authorization|cookie|set-cookie|password|passwd|secret|api[-_]?key|access[-_]?token|refresh[-_]?token|private[-_]?key|x-api-key)$/i;
const SECRET_VALUE =
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|\b(AKIA|ASIA)[A-Z0-9]{16}\b|:\/\/[^\s/:@]+:[^\s/@]+@/;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;
const SECRET_MARKERS = /Bearer|Basic|eyJ|AKIA|ASIA|:\/\//;
/** At least 13 digits in total (a card number written with or without separators). */
const THIRTEEN_DIGITS = /(?:\d[ -]?){13}/;

/** The Luhn checksum: real card numbers pass it, most other long digit runs (ids, timestamps) do not. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

/**
 * Issuer prefixes and lengths of the major card schemes. Luhn alone passes one random digit run in
 * ten (epoch-millisecond timestamps, numeric ids); requiring a real issuer range as well keeps
 * `noSensitiveData` from failing on them.
 */
export function looksLikeCardNumber(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  const scheme =
    (digits[0] === '4' && (n === 13 || n === 16 || n === 19)) || // Visa
    (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) || // Mastercard
    ((p2 === 34 || p2 === 37) && n === 15) || // American Express
    ((p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499)) && n >= 16 && n <= 19) || // Discover
    (p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19) || // JCB
    ((p2 === 36 || p2 === 38 || p2 === 30) && n >= 14 && n <= 19); // Diners
  return scheme && luhnValid(digits);
}

function mask(text: string): string {
  return text.length <= 6 ? '***' : `${text.slice(0, 3)}…${text.slice(-2)} (${text.length} chars)`;
}

/**
 * What sensitive data one key/value pair carries, each with a masked excerpt; empty when none.
 */
export function classifySensitive(key: string, text: string): SensitiveMatch[] {
  if (SECRET_KEY.test(key) && text !== '' && !/^(\[?redacted\]?|\*+|REDACTED)$/i.test(text))
    return [{ what: 'credential', masked: mask(text) }];
  // Cheap guards first: most values (methods, status codes, routes) hold none of the markers.
  const secret = SECRET_MARKERS.test(text) ? SECRET_VALUE.exec(text) : null;
  if (secret) return [{ what: 'credential', masked: mask(secret[0]) }];
  const out: SensitiveMatch[] = [];
  const email = text.includes('@') ? EMAIL.exec(text) : null;
  if (email) out.push({ what: 'email', masked: mask(email[0]) });
  if (!THIRTEEN_DIGITS.test(text)) return out;
  for (const m of text.matchAll(CARD_CANDIDATE)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (looksLikeCardNumber(digits)) {
      out.push({ what: 'card-number', masked: `${digits.slice(0, 2)}…${digits.slice(-4)}` });
      break;
    }
  }
  return out;
}
