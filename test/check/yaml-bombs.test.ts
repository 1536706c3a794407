/**
 * Hostile YAML in a manifest folder, through the real CLI (`node bin/meshtrace.mjs check DIR`, a child
 * process with a capped heap): the file is a `load/yaml` error with its line, the rest of the folder
 * is still checked, and the run ends with exit 1 within a bounded wait.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { runCliProcess } from '../support/run-cli-process';
import { BILLION_LAUGHS, DEEP_FLOW, MERGE_KEY_BOMB } from '../support/yaml-bombs';

const CLEAN = join(REPO_ROOT, 'test', 'fixtures', 'check', 'clean');
const CAPPED_HEAP = { NODE_OPTIONS: '--max-old-space-size=384' };
const WAIT_MS = 60_000;

describe('check with hostile YAML (real CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshtrace-check-bombs-'));
    cpSync(CLEAN, dir, { recursive: true });
    // Manifests allow 1,000,000 nodes through aliases: the laughs cross it on line 7, the merges on line 18.
    writeFileSync(join(dir, '90-laughs.yaml'), BILLION_LAUGHS);
    writeFileSync(join(dir, '91-merges.yaml'), MERGE_KEY_BOMB);
    writeFileSync(join(dir, '92-deep.yaml'), `# a flow nested too deep\n${DEEP_FLOW}`);
    writeFileSync(
      join(dir, '93-proto.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n  namespace: shop\n  __proto__: {labels: {a: b}}\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test(
    'each bomb is one load/yaml error naming file, line, what was wrong and what is allowed; exit 1',
    async () => {
      const run = await runCliProcess(['check', dir], WAIT_MS, CAPPED_HEAP);
      expect(run.code).toBe(1);
      const errors = run.stdout.split('\n').filter((l) => l.includes(' error ['));
      expect(errors).toEqual([
        expect.stringMatching(
          /^90-laughs\.yaml: line 7, column \d+: error \[load\/yaml\] expands aliases and merge keys to more than 1000000 nodes \(an alias bomb, as in "billion laughs"\); allowed: at most 1000000 nodes added by aliases \(\*name\) and merge keys \(<<: \*name\) per document \(fix the YAML/,
        ),
        expect.stringMatching(
          /^91-merges\.yaml: line 18, column \d+: error \[load\/yaml\] expands aliases and merge keys to more than 1000000 nodes/,
        ),
        expect.stringMatching(
          /^92-deep\.yaml: line 2, column \d+: error \[load\/yaml\] nests mappings and lists more than 128 levels deep; allowed: at most 128 levels/,
        ),
        expect.stringMatching(
          /^93-proto\.yaml: line 6, column 3: error \[load\/yaml\] has the key "__proto__", which JavaScript takes as the object's prototype, not as data; allowed: any other key/,
        ),
      ]);
      // The good files of the folder were still read and checked.
      expect(run.stdout).toMatch(/4 error\(s\), 0 warning\(s\), 0 info in 9 file\(s\), 9 object\(s\)$/m);
    },
    WAIT_MS + 10_000,
  );

  test(
    '--github: the annotation carries file= and line=',
    async () => {
      const run = await runCliProcess(['check', dir, '--github'], WAIT_MS, CAPPED_HEAP);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`::error file=${join(dir, '90-laughs.yaml')},line=7,title=meshtrace load/yaml::line 7, column `);
      expect(run.stdout).toContain(`::error file=${join(dir, '93-proto.yaml')},line=6,title=meshtrace load/yaml::`);
    },
    WAIT_MS + 10_000,
  );

  test(
    '--github: a finding on an object points at the line its document starts on',
    async () => {
      // 20-shop.yaml: the Service is the second document, after the `---` on line 38.
      const run = await runCliProcess(
        ['check', join(REPO_ROOT, 'test', 'fixtures', 'check', 'selector-matches-nothing'), '--github'],
        WAIT_MS,
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^::error file=[^,]*\/20-shop\.yaml,line=39,title=meshtrace xref\/selector::Service shop\/web: spec\.selector: /m,
      );
    },
    WAIT_MS + 10_000,
  );
});
