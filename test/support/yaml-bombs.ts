/**
 * Hostile YAML, as an attacker writes it: each is a few hundred bytes that a naive loader expands
 * into gigabytes or nests until the stack overflows.
 */

/** "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded (342 bytes). */
export const BILLION_LAUGHS =
  [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  ].join('\n') + '\n';

/** Merge keys (`<<`) doubling a mapping at every level: 2^40 merges for a naive loader. */
export const MERGE_KEY_BOMB =
  ['m0: &m0 {k0: 0}', ...Array.from({ length: 40 }, (_, i) => `m${i + 1}: &m${i + 1} {<<: [*m${i}, *m${i}], k${i + 1}: ${i + 1}}`)].join(
    '\n',
  ) + '\n';

/** A flow sequence nested 100,000 levels deep on one line (200 KB). */
export const DEEP_FLOW = `x: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
