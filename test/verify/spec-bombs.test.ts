/**
 * Hostile YAML as `verify --spec`, through the real CLI (a child process with a capped heap): refused
 * with the file, the line and what is allowed, exit 2 like every spec verify cannot use ("could not
 * check": the spec is the question, not the thing checked), within a bounded wait.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { runCliProcess } from '../support/run-cli-process';
import { BILLION_LAUGHS, DEEP_FLOW, MERGE_KEY_BOMB } from '../support/yaml-bombs';

const TRACE = join(REPO_ROOT, 'test', 'fixtures', 'verify', 'bookinfo-v3.json');
const CAPPED_HEAP = { NODE_OPTIONS: '--max-old-space-size=384' };
const WAIT_MS = 60_000;

describe('verify --spec with hostile YAML (real CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshtrace-spec-bombs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    // Specs allow 10,000 nodes through aliases: the laughs cross it on their 5th line (7 here), the merges on line 11.
    [
      'laughs',
      `name: t\nspans: {a: {service: x}}\n${BILLION_LAUGHS}`,
      7,
      /expands aliases and merge keys to more than 10000 nodes \(an alias bomb, as in "billion laughs"\); allowed: at most 10000 nodes/,
    ],
    [
      'merges',
      MERGE_KEY_BOMB,
      11,
      /expands aliases and merge keys to more than 10000 nodes .*; allowed: at most 10000 nodes added by aliases \(\*name\) and merge keys/,
    ],
    ['deep', DEEP_FLOW, 1, /nests mappings and lists more than 64 levels deep; allowed: at most 64 levels$/m],
    [
      'proto',
      'name: t\nspans:\n  __proto__: {service: x}\n',
      3,
      /has the key "__proto__", which JavaScript takes as the object's prototype, not as data; allowed: any other key$/m,
    ],
  ])(
    '%s: exit 2 naming the file, the line and what is allowed',
    async (name, yaml, line, message) => {
      const spec = join(dir, `${name}.yaml`);
      writeFileSync(spec, yaml);
      const run = await runCliProcess(['verify', '--spec', spec, '--trace-file', TRACE], WAIT_MS, CAPPED_HEAP);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${spec}:${line}:`);
      expect(run.stderr).toMatch(message);
    },
    WAIT_MS + 10_000,
  );

  test(
    'a backtracking-bomb pattern against 100 KB span values: a verdict, not a hang (patterns match in linear time)',
    async () => {
      // GIVEN a trace whose span name and attribute almost match nested-quantifier patterns
      const span = (name: string, method: string) => ({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '0000000000000101',
        name,
        kind: 2,
        startTimeUnixNano: '1763700000000000000',
        endTimeUnixNano: '1763700000120000000',
        attributes: [{ key: 'http.method', value: { stringValue: method } }],
      });
      const hostile = join(dir, 'hostile-trace.json');
      const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }] };
      writeFileSync(
        hostile,
        JSON.stringify({
          resourceSpans: [
            { resource, scopeSpans: [{ scope: { name: 't' }, spans: [span(`${'word '.repeat(20_000)}!`, `${'a'.repeat(100_000)}b`)] }] },
          ],
        }),
      );
      const spec = join(dir, 'backtracking.yaml');
      writeFileSync(
        spec,
        'name: t\nspans:\n  a:\n    service: x\n    name: /^(\\w+\\s?)*!$/\n    assert:\n      - http.method ~ /^(a+)+$/\n',
      );
      // WHEN verify runs the spec on it
      const run = await runCliProcess(['verify', '--spec', spec, '--trace-file', hostile], WAIT_MS);
      // THEN the span is found by its name and the assertion fails: exit 1, the assertion named
      expect([run.code, run.stderr]).toEqual([1, '']);
      expect(run.stdout).toMatch(/http\.method is "a{10,}.*", expected to match \/\^\(a\+\)\+\$\//);
    },
    WAIT_MS + 10_000,
  );

  test(
    'a pattern the linear-time engine cannot run (lookahead) is refused at load: exit 2, the line and what is allowed',
    async () => {
      const spec = join(dir, 'lookahead.yaml');
      writeFileSync(spec, 'name: t\nspans:\n  a:\n    service: /^(?!istio)/\n');
      const run = await runCliProcess(['verify', '--spec', spec, '--trace-file', TRACE], WAIT_MS);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${spec}:4: spans.a.service: invalid regular expression /^(?!istio)/`);
      expect(run.stderr).toMatch(/lookahead and lookbehind .* are not supported; allowed: RE2 syntax/);
    },
    WAIT_MS + 10_000,
  );

  test(
    'a spec error names the line of the field',
    async () => {
      const spec = join(dir, 'typo.yaml');
      writeFileSync(spec, 'name: t\nspans:\n  a:\n    service: x\n    kind: sever\n');
      const run = await runCliProcess(['verify', '--spec', spec, '--trace-file', TRACE], WAIT_MS);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `${spec} is not a valid spec:\n  line 5: spans.a.kind: "sever" is not allowed; allowed: "server", "client", "producer", "consumer", "internal", "unspecified"`,
      );
    },
    WAIT_MS + 10_000,
  );
});
