/** tracestate mutation and truncation helpers (parsing is covered by the suite vectors and fixtures). */
import {
  deleteTraceStateEntry,
  formatTraceState,
  parseTraceState,
  setTraceStateEntry,
  truncateTraceState,
} from '../../src/propagation/index';

const ts = (s: string) => parseTraceState(s)!;

describe('setTraceStateEntry', () => {
  test('a new member goes to the left', () => {
    expect(formatTraceState(setTraceStateEntry(ts('rojo=1,congo=2'), 'meshtrace', 'a1'))).toBe('meshtrace=a1,rojo=1,congo=2');
  });

  test('an updated member moves to the left with its new value', () => {
    expect(formatTraceState(setTraceStateEntry(ts('rojo=1,congo=2'), 'congo', '3'))).toBe('congo=3,rojo=1');
  });

  test('a 33rd member pushes out the right-most one', () => {
    const full = ts(Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(','));
    const out = setTraceStateEntry(full, 'new', '1')!;
    expect(out).toHaveLength(32);
    expect(out[0]).toEqual({ key: 'new', value: '1' });
    expect(out.map((e) => e.key)).not.toContain('k31');
  });

  test('an invalid key or value changes nothing', () => {
    expect(setTraceStateEntry(ts('a=1'), 'Bad', '1')).toBeUndefined();
    expect(setTraceStateEntry(ts('a=1'), 'ok', 'x,y')).toBeUndefined();
  });

  test('on an empty list', () => {
    expect(setTraceStateEntry(undefined, 'a', '1')).toEqual([{ key: 'a', value: '1' }]);
  });
});

describe('deleteTraceStateEntry and truncateTraceState', () => {
  test('delete removes only that key', () => {
    expect(formatTraceState(deleteTraceStateEntry(ts('a=1,b=2,c=3'), 'b'))).toBe('a=1,c=3');
    expect(deleteTraceStateEntry(undefined, 'b')).toEqual([]);
  });

  test('a list within the limit is returned as is (same object)', () => {
    const list = ts('a=1,b=2');
    expect(truncateTraceState(list, 512)).toBe(list);
  });
});
