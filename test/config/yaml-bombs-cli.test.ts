/**
 * Hostile YAML given to the real CLI (`node bin/meshtrace.mjs synth --config F`, a child process with
 * its heap capped far below what the bombs used to take): each is refused with exit 1, the file, the
 * line and what is allowed, and nothing is written. The wait is bounded: a loader that expands the
 * bomb runs out of the capped heap or past the wait, and the test fails.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliProcess } from '../support/run-cli-process';
import { BILLION_LAUGHS, DEEP_FLOW, MERGE_KEY_BOMB } from '../support/yaml-bombs';

/** A loader that expands the alias bomb takes 2-3 GB; this one needs a few MB. */
const CAPPED_HEAP = { NODE_OPTIONS: '--max-old-space-size=384' };
const WAIT_MS = 60_000;

describe('synth --config with hostile YAML (real CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshtrace-yaml-bombs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    [
      'a "billion laughs" alias bomb',
      BILLION_LAUGHS,
      5,
      /expands aliases and merge keys to more than 10000 nodes \(an alias bomb, as in "billion laughs"\); allowed: at most 10000 nodes added by aliases/,
    ],
    [
      'a merge-key (<<) bomb',
      MERGE_KEY_BOMB,
      11,
      /expands aliases and merge keys to more than 10000 nodes .*; allowed: at most 10000 nodes added by aliases \(\*name\) and merge keys \(<<: \*name\)/,
    ],
    ['a flow nested 100,000 deep', DEEP_FLOW, 1, /nests mappings and lists more than 64 levels deep; allowed: at most 64 levels$/m],
    [
      'a __proto__ key',
      'jaeger:\n  __proto__:\n    topology: allInOne\n',
      2,
      /has the key "__proto__", which JavaScript takes as the object's prototype, not as data; allowed: any other key$/m,
    ],
  ])(
    '%s: exit 1 naming the file, the line and what is allowed; nothing written',
    async (what, yaml, line, message) => {
      const file = join(dir, `${what.replace(/\W+/g, '-')}.yaml`);
      const outdir = join(dir, `out-${what.replace(/\W+/g, '-')}`);
      writeFileSync(file, yaml);
      const run = await runCliProcess(['synth', '--config', file, '--outdir', outdir], WAIT_MS, CAPPED_HEAP);
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]!.startsWith(`${file}: line ${line}, column `)).toBe(true);
      expect(lines[0]).toMatch(message);
      expect(lines[1]).toBe('meshtrace synth: config not valid (1 problem); nothing was written');
      expect(existsSync(outdir)).toBe(false);
    },
    WAIT_MS + 10_000,
  );

  test(
    'a config larger than 256 KiB is refused before it is parsed',
    async () => {
      const file = join(dir, 'huge.yaml');
      writeFileSync(file, `# ${'x'.repeat(300 * 1024)}\n`);
      const run = await runCliProcess(['synth', '--config', file, '--stdout'], WAIT_MS, CAPPED_HEAP);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file}: --config: ${JSON.stringify(file)} is larger than 256 KiB; allowed: at most 256 KiB of YAML`);
    },
    WAIT_MS + 10_000,
  );
});
