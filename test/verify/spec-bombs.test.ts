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
