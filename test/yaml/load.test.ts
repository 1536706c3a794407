import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseYamlDocument, parseYamlDocuments, readYamlFile, YAML_LIMITS, YamlInputError, type YamlLimits } from '../../src/yaml/load';
import { toYaml } from '../../src/yaml/dump';
import { BILLION_LAUGHS, DEEP_FLOW, MERGE_KEY_BOMB } from '../support/yaml-bombs';

const SMALL: YamlLimits = { maxBytes: 4096, maxDocuments: 3, maxDepth: 4, maxAliasNodes: 20 };

/** The refusal `parse` throws, as its parts. */
function refusal(parse: () => unknown): { message: string; line?: number; problem: string; allowed: string } {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof YamlInputError)) throw err;
    return { message: err.message, line: err.position?.line, problem: err.problem, allowed: err.allowed };
  }
  throw new Error('accepted');
}

describe('what the loader reads', () => {
  test('plain data, several documents, each with the position its content starts at', () => {
    const docs = parseYamlDocuments('# head\na: 1\nb: [x, "y", 0755, 0o17, true, ~]\n---\n\n- c\n', 'f.yaml', SMALL);
    expect(docs.map((d) => d.value)).toEqual([{ a: 1, b: ['x', 'y', 755, 15, true, null] }, ['c']]);
    expect(docs.map((d) => d.position)).toEqual([
      { line: 2, column: 1 },
      { line: 6, column: 1 },
    ]);
  });

  test('the same values as the yaml package itself on a real upstream file', () => {
    const text = 'spec:\n  ports: &ports\n    - {name: http, port: 80}\n  again: *ports\nlist: [a: 1, b]\n"quoted key": |\n  block\n';
    expect(parseYamlDocuments(text, 'f', YAML_LIMITS.manifests).map((d) => d.value)).toEqual(parseAllDocuments(text).map((d) => d.toJS()));
  });

  test('merge keys: merged in order, explicit keys win wherever they stand', () => {
    const doc = parseYamlDocument('a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nm:\n  w: 0\n  <<: [*a, *b]\n  x: 9\n', 'f', SMALL);
    expect((doc.value as Record<string, unknown>).m).toEqual({ w: 0, x: 9, y: 1, z: 2 });
  });

  test('an empty or comment-only text is one empty document', () => {
    expect(parseYamlDocument('# nothing here\n', 'f', SMALL).value).toBeNull();
    expect(parseYamlDocuments('', 'f', SMALL).map((d) => d.value)).toEqual([null]);
  });

  test('lineOf: the key of a path, the nearest entry the file writes, nothing for a path it does not', () => {
    const doc = parseYamlDocument('top:\n  list:\n    - a\n    - {b: 1}\n  other: 2\n', 'f', SMALL);
    expect(doc.lineOf(['top', 'other'])).toBe(5);
    expect(doc.lineOf(['top', 'list', 1, 'b'])).toBe(4);
    expect(doc.lineOf(['top', 'list', 7])).toBe(2);
    expect(doc.lineOf(['elsewhere'])).toBeUndefined();
    expect(doc.lineOf([])).toBe(1);
  });
});

describe('what the loader refuses, with file, line, what was wrong and what is allowed', () => {
  test.each([
    [
      'a billion laughs',
      BILLION_LAUGHS,
      YAML_LIMITS.config,
      5,
      /^expands aliases and merge keys to more than 10000 nodes/,
      /^at most 10000 nodes added by aliases/,
    ],
    [
      'a merge-key bomb',
      MERGE_KEY_BOMB,
      YAML_LIMITS.config,
      11,
      /^expands aliases and merge keys to more than 10000 nodes/,
      /merge keys \(<<: \*name\)/,
    ],
    ['a deep flow', DEEP_FLOW, YAML_LIMITS.config, 1, /^nests mappings and lists more than 64 levels deep$/, /^at most 64 levels$/],
    ['deep block nesting', `${'- '.repeat(5)}x\n`, SMALL, 1, /^nests mappings and lists more than 4 levels deep$/, /^at most 4 levels$/],
    ['too many documents', 'a\n---\nb\n---\nc\n---\nd\n', SMALL, 6, /^holds more than 3 YAML documents$/, /^at most 3 documents per file$/],
    [
      'an alias cycle',
      'a: &a [1, *a]\n',
      SMALL,
      1,
      /^has the alias \*a inside the node it names \(a cycle\)$/,
      /complete before the alias/,
    ],
    ['an unknown anchor', 'a: *nowhere\n', SMALL, 1, /^has the alias \*nowhere but no anchor &nowhere before it$/, /defined earlier/],
    ['a duplicate key', 'a: 1\nb: 2\na: 3\n', SMALL, 3, /^has the key "a" twice in one mapping$/, /^each key once per mapping$/],
    ['a __proto__ key', 'a:\n  __proto__: {x: 1}\n', SMALL, 2, /^has the key "__proto__"/, /^any other key$/],
    ['a __proto__ key through an alias', 'k: &k __proto__\nm:\n  *k : 1\n', SMALL, 3, /^has the key "__proto__"/, /^any other key$/],
    [
      'a merge of a list',
      'a: &a [1]\nm:\n  <<: *a\n',
      SMALL,
      3,
      /^has a merge key \(<<\) whose value is not a mapping$/,
      /a mapping, an alias of one/,
    ],
    ['broken syntax', 'a: [1, 2\n', SMALL, 2, /^is not valid YAML: /, /^YAML 1\.2 syntax$/],
  ])('%s', (_what, text, limits, line, problem, allowed) => {
    const r = refusal(() => parseYamlDocuments(text, 'in.yaml', limits));
    expect(r.line).toBe(line);
    expect(r.problem).toMatch(problem);
    expect(r.allowed).toMatch(allowed);
    expect(r.message.startsWith(`in.yaml:${line}:`)).toBe(true);
  });

  test('a text over maxBytes is refused before parsing, without a line', () => {
    const r = refusal(() => parseYamlDocuments(`a: ${'x'.repeat(5000)}\n`, 'big.yaml', SMALL));
    expect(r).toEqual({
      message: 'big.yaml: is 5004 bytes; allowed: at most 4 KiB of YAML',
      line: undefined,
      problem: 'is 5004 bytes',
      allowed: 'at most 4 KiB of YAML',
    });
  });

  test("aliases within the limit share their anchor's value instead of copying it", () => {
    const doc = parseYamlDocument('a: &a {x: [1, 2]}\nb: *a\n', 'f', SMALL);
    const value = doc.value as { a: unknown; b: unknown };
    expect(value.b).toBe(value.a);
  });

  // Both shapes were quadratic in the yaml package (12 s for 20,000 keys, 3.7 s for 10,000 aliases):
  // the loader reads them in one pass. Completing within the test timeout is the assertion.
  test('20,000 keys and 50,000 aliases are read in one pass', () => {
    const keys = parseYamlDocument(Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join('\n'), 'keys', YAML_LIMITS.manifests);
    expect(Object.keys(keys.value as object)).toHaveLength(20_000);
    const aliases = parseYamlDocument(`a: &a 1\nb: [${Array(50_000).fill('*a').join(', ')}]\n`, 'aliases', YAML_LIMITS.manifests);
    expect((aliases.value as { b: number[] }).b).toHaveLength(50_000);
  });
});

describe('readYamlFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshtrace-yaml-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads a file within the limit', () => {
    writeFileSync(join(dir, 'ok.yaml'), 'a: 1\n');
    expect(readYamlFile(join(dir, 'ok.yaml'), SMALL)).toBe('a: 1\n');
  });

  test('stops reading past maxBytes: a file too large, or a device that never ends', () => {
    writeFileSync(join(dir, 'big.yaml'), 'x'.repeat(5000));
    expect(() => readYamlFile(join(dir, 'big.yaml'), SMALL, 'big.yaml')).toThrow(
      'big.yaml: is larger than 4 KiB; allowed: at most 4 KiB of YAML',
    );
    expect(() => readYamlFile('/dev/zero', YAML_LIMITS.config)).toThrow('/dev/zero: is larger than 256 KiB');
  });

  test('fs errors pass through for the caller to word', () => {
    expect(() => readYamlFile(join(dir, 'missing.yaml'), SMALL)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('toYaml', () => {
  test('keeps strings a YAML 1.1 reader would take for dates, booleans or octals quoted', () => {
    expect(toYaml({ layout: '2006-01-02', on: 'yes', y: 'n', mode: '0755', count: 5, s: 'plain' })).toBe(
      "layout: '2006-01-02'\n'on': 'yes'\n'y': 'n'\nmode: '0755'\ncount: 5\ns: plain\n",
    );
  });

  test('writes a repeated object twice, never as an anchor and alias; no line folding', () => {
    const shared = { a: 1 };
    const long = 'word '.repeat(40).trim();
    expect(toYaml({ first: shared, second: shared, long })).toBe(`first:\n  a: 1\nsecond:\n  a: 1\nlong: ${long}\n`);
  });

  test('what it writes, the loader reads back the same', () => {
    const value = {
      receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } },
      list: ['a', 'b: c', '#x', ''],
      t: true,
      z: null,
    };
    expect(parseYamlDocument(toYaml(value), 'round-trip', YAML_LIMITS.embedded).value).toEqual(value);
  });
});
