/**
 * The regular expressions of a spec (`/re/flags` patterns and `~`/`!~` assertions), matched in
 * time linear in the value: RE2 semantics (re2js), not JavaScript's backtracking engine. A spec's
 * pattern runs against every span's values, and those come from whatever sent the spans: with a
 * backtracking engine one pattern such as `/(a+)+$/` and one long attribute value hang the verifier
 * (30 characters already take seconds). RE2 has no lookaround and no backreferences; such a pattern
 * is refused when the spec loads, with the construct named.
 */
import { RE2JS } from 're2js';

/** A compiled spec pattern: `test` as RegExp's, and its text as written. */
export interface LinearRegex {
  /** True when the pattern matches somewhere in `value` (anchors as written). */
  test(value: string): boolean;
  /** The pattern between the slashes (as RegExp's `source`). */
  readonly source: string;
  /** `/source/flags`, as written. */
  toString(): string;
}

/** JavaScript flags a spec may write, and what each means here. */
const FLAG_BITS: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  // no meaning for a yes/no match: g (every match), d (indices), u (RE2 matches code points anyway)
  g: 0,
  d: 0,
  u: 0,
};

/** Why RE2 refuses what JavaScript would take, for the constructs people do write. */
function unsupportedHint(source: string): string {
  if (/\(\?<?[=!]/.test(source)) return '; lookahead and lookbehind (?= ?! ?<= ?<!) are not supported';
  if (/\\[1-9]|\\k</.test(source)) return '; backreferences (\\1, \\k<name>) are not supported';
  return '';
}

/**
 * JavaScript's `\uXXXX` (and, with the u flag, `\u{X…}`) as RE2's `\x{X…}`: the one escape people
 * write that RE2 spells differently. Everything else is passed as written.
 */
const U_ESCAPE = /u([0-9a-fA-F]{4})/y;
const U_ESCAPE_UNICODE = /u(?:([0-9a-fA-F]{4})|\{([0-9a-fA-F]{1,6})\})/y;

function re2Escapes(source: string, unicode: boolean): string {
  const at = unicode ? U_ESCAPE_UNICODE : U_ESCAPE;
  let out = '';
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== '\\') {
      out += source[i];
      continue;
    }
    at.lastIndex = i + 1;
    const escape = at.exec(source);
    if (escape) {
      out += `\\x{${escape[1] ?? escape[2]}}`;
      i += escape[0].length;
    } else {
      out += source.slice(i, i + 2);
      i++;
    }
  }
  return out;
}

/**
 * Compiles `source` with JavaScript-style `flags` (d g i m s u y; `y` anchors at the start).
 * Throws an Error whose message says what is wrong and what is allowed.
 */
export function compileLinearRegex(source: string, flags: string): LinearRegex {
  let bits = 0;
  for (const f of flags) {
    if (f === 'y') continue;
    const bit = FLAG_BITS[f];
    if (bit === undefined) throw new Error(`unknown flag "${f}"; allowed: d g i m s u y`);
    bits |= bit;
  }
  // sticky: a match must start at the start (\A is RE2's start of text, also under the m flag)
  const translated = re2Escapes(source, flags.includes('u'));
  const body = flags.includes('y') ? `\\A(?:${translated})` : translated;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(body, bits);
  } catch (err) {
    throw new Error(
      `${(err as Error).message}${unsupportedHint(source)}; allowed: RE2 syntax (matched in linear time, so no span value can hang the verifier)`,
    );
  }
  const text = `/${source}/${flags}`;
  return {
    source,
    test: (value) => compiled.matcher(value).find(),
    toString: () => text,
  };
}
