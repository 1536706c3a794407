/** Text helpers: OWS trimming and percent-coding that never throws. */
import { asciiTable, combinedValue, firstValue, percentDecodeUtf8, percentEncodeUtf8, trimOws } from '../../src/propagation/text';

const UNRESERVED = asciiTable((c) => /[A-Za-z0-9\-_.!~*'()]/.test(String.fromCharCode(c)));

describe('trimOws', () => {
  test.each([
    [' \ta b\t ', 'a b'],
    ['abc', 'abc'],
    ['\t\t', ''],
    ['\na\n', '\na\n'],
  ])('trimOws(%j) = %j (spaces and tabs only)', (input, expected) => {
    expect(trimOws(input)).toBe(expected);
  });
});

describe('header values', () => {
  test('firstValue takes the first of repeated headers; combinedValue joins them in order', () => {
    expect(firstValue(['a', 'b'])).toBe('a');
    expect(firstValue([])).toBeUndefined();
    expect(combinedValue(['a=1', 'b=2'])).toBe('a=1,b=2');
    expect(combinedValue('x')).toBe('x');
    expect(combinedValue(undefined)).toBeUndefined();
  });
});

describe('percent-decoding', () => {
  test.each([
    ['plain', 'plain'],
    ['a%20b', 'a b'],
    ['%E2%9C%93', '\u2713'],
    ['%e2%9c%93', '\u2713'],
    ['a%zzb', 'a\ufffdzzb'],
    ['%', '\ufffd'],
    ['%4', '\ufffd4'],
    ['%FF', '\ufffd'],
    ['%E2%9C', '\ufffd'],
  ])('percentDecodeUtf8(%j) = %j', (input, expected) => {
    expect(percentDecodeUtf8(input)).toBe(expected);
  });
});

describe('percent-encoding', () => {
  test('matches encodeURIComponent wherever that does not throw', () => {
    for (const s of ['a b', 'x/y?z=1&w', '\u2713 caf\u00e9', '\ud83d\ude00', "-_.!~*'()"]) {
      expect(percentEncodeUtf8(s, UNRESERVED)).toBe(encodeURIComponent(s));
    }
  });

  test('a lone surrogate (where encodeURIComponent throws) becomes U+FFFD', () => {
    expect(() => encodeURIComponent('\ud800')).toThrow();
    expect(percentEncodeUtf8('a\ud800', UNRESERVED)).toBe('a%EF%BF%BD');
  });

  test('decode(encode(s)) = s for well-formed strings', () => {
    const s = 'k=v, "quoted"; \\ 100% \u2713 \ud83d\ude00';
    expect(percentDecodeUtf8(percentEncodeUtf8(s, UNRESERVED))).toBe(s);
  });
});
