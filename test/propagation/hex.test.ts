/** Id helpers: validation by character code and pooled random ids. */
import { isAllZero, isAnyCaseHex, isLowerHex, leftPadHex, randomSpanId, randomTraceId } from '../../src/propagation/hex';

describe('hex validation', () => {
  test.each([
    ['0123456789abcdef', true],
    ['ABCDEF', false],
    ['abcdeg', false],
    ['', false],
    ['12 4', false],
  ])('isLowerHex(%j) is %s', (s, expected) => {
    expect(isLowerHex(s)).toBe(expected);
  });

  test('isAnyCaseHex accepts both cases and nothing else', () => {
    expect(isAnyCaseHex('aBcDeF09')).toBe(true);
    expect(isAnyCaseHex('aBcDeG')).toBe(false);
    expect(isAnyCaseHex('')).toBe(false);
  });

  test('isAllZero and leftPadHex', () => {
    expect(isAllZero('0000')).toBe(true);
    expect(isAllZero('0010')).toBe(false);
    expect(leftPadHex('abc', 16)).toBe('0000000000000abc');
    expect(leftPadHex('0123456789abcdef0', 16)).toBe('0123456789abcdef0');
  });
});

describe('random ids', () => {
  test('20 000 span ids and trace ids: lowercase hex of the right width, never zero, no repeats', () => {
    // GIVEN ids drawn across several refills of the 8 KiB pool
    const spans = new Set<string>();
    const traces = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      spans.add(randomSpanId());
      traces.add(randomTraceId());
    }
    // THEN they are all distinct and well-formed
    expect(spans.size).toBe(20_000);
    expect(traces.size).toBe(20_000);
    expect([...spans].every((s) => /^[0-9a-f]{16}$/.test(s) && !isAllZero(s))).toBe(true);
    expect([...traces].every((s) => /^[0-9a-f]{32}$/.test(s) && !isAllZero(s))).toBe(true);
  });

  test('every hex digit appears in every position of trace ids (the bytes are random)', () => {
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) [...randomTraceId()].forEach((c, j) => seen[j].add(c));
    expect(seen.every((s) => s.size === 16)).toBe(true);
  });
});
