/** Id helpers: validation by character code. */
import { isAllZero, isAnyCaseHex, isLowerHex, leftPadHex } from '../../src/propagation/hex';

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
