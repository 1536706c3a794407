/** `childContext` takes its ids from the caller (propagation does no I/O). */
import { childContext, type IdSource } from '../../src/propagation';

/** Hands out the given ids in order; counts the draws. */
function sequence(spanIds: string[], traceIds: string[]): IdSource & { draws: number } {
  const source = {
    draws: 0,
    spanId: () => (source.draws++, spanIds.shift() ?? 'ffffffffffffffff'),
    traceId: () => (source.draws++, traceIds.shift() ?? 'f'.repeat(32)),
  };
  return source;
}

describe('childContext ids', () => {
  test('a new root takes its trace id and span id from the source', () => {
    const ids = sequence(['00f067aa0ba902b7'], ['4bf92f3577b34da6a3ce929d0e0e4736']);
    const root = childContext(ids, undefined);
    expect(root).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceIdBits: 128 });
  });

  test('an all-zero draw (invalid in every format) is drawn again', () => {
    const ids = sequence(['0000000000000000', '0000000000000000', '1111111111111111'], ['0'.repeat(32), '2'.repeat(32)]);
    const root = childContext(ids, undefined);
    expect(root.spanId).toBe('1111111111111111');
    expect(root.traceId).toBe('2'.repeat(32));
    expect(ids.draws).toBe(5);
  });

  test('a child keeps the parent trace id and draws only a span id', () => {
    const parent = childContext(sequence(['aaaaaaaaaaaaaaaa'], ['b'.repeat(32)]), undefined);
    const ids = sequence(['cccccccccccccccc'], []);
    const child = childContext(ids, parent);
    expect(child).toMatchObject({ traceId: 'b'.repeat(32), spanId: 'cccccccccccccccc', parentSpanId: 'aaaaaaaaaaaaaaaa' });
    expect(ids.draws).toBe(1);
  });
});
