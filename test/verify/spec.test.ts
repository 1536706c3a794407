import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { loadSpec, parseSpec, SpecError } from '../../src/verify/spec';

const minimal = (extra = ''): string => `name: t\nspans:\n  a: { service: edge }\n  b: { service: /^relay-/, kind: server }\n${extra}`;

describe('spec language', () => {
  test('compiles patterns, counts, edges, assertions, durations and rule defaults', () => {
    const spec = parseSpec(
      minimal(
        `  c:\n    service: x\n    count: 2\n    assert: ['http.status_code = 200', 'http.route ~ ^/api', 'db.statement exists', 'retries < 3', 'peer !exists']\n    maxDuration: 250ms\nedges: ['a > b', 'a >> c']\nrules: { maxDuration: 2s, noErrors: true }\n`,
      ),
    );
    expect(spec.matchers.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(spec.matchers[0]!.service).toEqual({ exact: 'edge' });
    expect('regex' in spec.matchers[1]!.service! && spec.matchers[1]!.service!.regex.test('relay-a')).toBe(true);
    expect(spec.matchers[2]!.count).toEqual({ min: 2, max: 2 });
    expect(spec.matchers[0]!.count).toEqual({ min: 1 });
    expect(spec.matchers[2]!.asserts.map((a) => [a.key, a.op, a.value])).toEqual([
      ['http.status_code', '=', 200],
      ['http.route', '~', undefined],
      ['db.statement', 'exists', undefined],
      ['retries', '<', 3],
      ['peer', '!exists', undefined],
    ]);
    expect(spec.matchers[2]!.maxDurationUs).toBe(250_000);
    expect(spec.edges).toEqual([
      { text: 'a > b', parent: 'a', child: 'b', direct: true },
      { text: 'a >> c', parent: 'a', child: 'c', direct: false },
    ]);
    expect(spec.rules).toMatchObject({ singleTrace: true, noOrphans: true, noErrors: true, maxDurationUs: 2_000_000 });
    expect(spec.poll).toEqual({ intervalUs: 1_000_000, timeoutUs: 30_000_000, stablePolls: 3 });
  });

  test('a matcher named under absent becomes only a negative rule', () => {
    const spec = parseSpec(minimal('absent: [b, { service: evil }]\n'));
    expect(spec.matchers.map((m) => m.id)).toEqual(['a']);
    expect(spec.absent.map((m) => [m.id, m.count])).toEqual([
      ['b', { max: 0 }],
      ['absent[1]', { max: 0 }],
    ]);
  });

  test.each([
    [
      'a typo in a field',
      minimal().replace('kind: server', 'knd: server'),
      /spans\.b\.knd: "server" is not a known field \(did you mean "kind"\?\)/,
    ],
    [
      'a wrong kind',
      minimal().replace('kind: server', 'kind: sever'),
      /spans\.b\.kind: "sever" is not allowed; allowed: "server", "client"/,
    ],
    ['an edge to an unknown matcher', minimal('edges: ["a > zz"]\n'), /edges\[0\]: "zz" is not a span matcher; known: a, b/],
    ['an unreadable edge', minimal('edges: ["a -> b"]\n'), /edges\[0\]: cannot read edge "a -> b"/],
    ['a bad regex', minimal().replace('/^relay-/', '/(/'), /spans\.b\.service: invalid regular expression \/\(\//],
    ['a bad duration', minimal('rules: { maxDuration: fast }\n'), /rules\.maxDuration: invalid duration "fast"/],
    [
      'an unreadable assertion',
      minimal('  c: { assert: ["status is ok"] }\n'),
      /spans\.c\.assert\[0\]: cannot read assertion "status is ok"/,
    ],
    ['a comparison with text', minimal('  c: { assert: ["code < high"] }\n'), /< needs a number on the right, got "high"/],
    ['min above max', minimal('  c: { count: { min: 3, max: 1 } }\n'), /spans\.c\.count: min 3 is greater than max 1/],
    ['no spans', 'name: t\nspans: {}\n', /spans: no span matchers/],
    ['a list instead of a mapping', '- a\n- b\n', /got a list/],
    ['broken YAML', 'name: [t\n', /not valid YAML/],
  ])('%s is rejected with the path, the value and what is allowed', (_what, text, message) => {
    expect(() => parseSpec(text, 'my.yaml')).toThrow(SpecError);
    expect(() => parseSpec(text, 'my.yaml')).toThrow(message);
    expect(() => parseSpec(text, 'my.yaml')).toThrow(/my\.yaml/);
  });

  test('loadSpec names a missing file', async () => {
    await expect(loadSpec('/nonexistent/spec.yaml')).rejects.toThrow('cannot read spec /nonexistent/spec.yaml: ENOENT');
  });

  test('every shipped spec in samples/expectations loads', async () => {
    const dir = join(REPO_ROOT, 'samples', 'expectations');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of files) {
      const spec = await loadSpec(join(dir, f));
      expect(spec.matchers.length).toBeGreaterThan(0);
    }
  });

  test('loadSpec reads a file written to disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spec-'));
    writeFileSync(join(dir, 's.yaml'), minimal());
    expect((await loadSpec(join(dir, 's.yaml'))).name).toBe('t');
  });
});

describe('spec errors are as good as config errors', () => {
  test('a count in words names the value and every allowed form', () => {
    expect(() => parseSpec('name: t\nspans:\n  s1: {service: a}\n  s2: {service: b, count: at least 1}\n', 'x.yaml')).toThrow(
      'x.yaml is not a valid spec:\n  line 4: spans.s2.count: "at least 1" is not a count; allowed: a whole number ≥ 0 (exactly that many), or {min: N} / {max: N} / {min: N, max: M}',
    );
  });

  test('an unknown key, top level or in a matcher, gets "did you mean" and the allowed fields', () => {
    let message = '';
    try {
      parseSpec('name: t\nspans:\n  s1: {service: a, kindd: server}\nedgess: ["s1 > s1"]\n', 'x.yaml');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(
      'line 4: edgess: ["s1 > s1"] is not a known field (did you mean "edges"?); allowed fields: name, description, match, trigger, poll, spans, edges, absent, rules',
    );
    expect(message).toContain(
      'line 3: spans.s1.kindd: "server" is not a known field (did you mean "kind"?); allowed fields: service, name, kind,',
    );
  });

  test('a bad duration says which forms are allowed', () => {
    expect(() => parseSpec('name: t\nspans:\n  s1: {service: a, maxDuration: [1]}\n', 'x.yaml')).toThrow(
      /spans\.s1\.maxDuration: \[1\] is not a duration; allowed: a number of milliseconds, or text like 250ms, 2s/,
    );
  });
});
