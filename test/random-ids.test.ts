/** The production id source: pooled random ids from the system's random source. */
import { isAllZero } from '../src/propagation/hex';
import { randomSpanId, randomTraceId } from '../src/random-ids';

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
