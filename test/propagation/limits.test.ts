/** Oversized inputs are cut to the W3C bounds (and parsing stops there: see the comments in the parsers). */
import { extract, parseBaggage, parseJaegerBaggage } from '../../src/propagation/index';

test('100 uberctx-* headers: 64 are read', () => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < 100; i++) headers[`uberctx-k${i}`] = 'v';
  expect(parseJaegerBaggage(headers)).toHaveLength(64);
});

test('W3C baggage and uberctx-* together stay within 64 members, W3C first', () => {
  const headers: Record<string, string> = { baggage: Array.from({ length: 40 }, (_, i) => `w${i}=1`).join(',') };
  for (let i = 0; i < 40; i++) headers[`uberctx-j${i}`] = 'v';
  const baggage = extract(headers).baggage;
  expect(baggage).toHaveLength(64);
  expect(baggage.slice(0, 40).every((e) => e.key.startsWith('w'))).toBe(true);
});

test('a 120 KB baggage header gives the first 64 members', () => {
  const baggage = parseBaggage(Array.from({ length: 15_000 }, (_, i) => `k${i}=1`).join(','));
  expect(baggage.map((e) => e.key)).toEqual(Array.from({ length: 64 }, (_, i) => `k${i}`));
});

test('members that do not fit are skipped, later ones that fit are kept (never a partial member)', () => {
  const big = 'b=' + 'x'.repeat(8000);
  const out = parseBaggage(`a=1,${big},c=3`);
  expect(out.map((e) => e.key)).toEqual(['a', 'b', 'c']);
  const over = parseBaggage(`a=1,${'b=' + 'x'.repeat(8190)},c=3`);
  expect(over.map((e) => e.key)).toEqual(['a', 'c']);
});
