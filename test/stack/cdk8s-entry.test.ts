/**
 * `npx cdk8s synth` (cdk8s.yaml → `npx tsx src/main.ts`) must work as well as `npm run synth`,
 * and produce the same files byte for byte — but it wipes the output folder first, user files included.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../src/paths';
import { listFiles, synthesize } from '../../src/stack/index';

const run = promisify(execFile);

describe('cdk8s entry (src/main.ts)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-cdk8s-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('`cdk8s synth --output X` writes the same bytes as synthesize() for the lab profile', async () => {
    // GIVEN the library's output
    const viaLibrary = join(root, 'library');
    await synthesize({ profile: 'lab', outdir: viaLibrary });
    // WHEN the plain cdk8s CLI runs the app, over a folder holding a file of the user's
    const viaCdk8s = join(root, 'cdk8s');
    mkdirSync(viaCdk8s);
    writeFileSync(join(viaCdk8s, 'mine.yaml'), 'kind: ConfigMap # mine\n');
    const { stdout } = await run(
      join(REPO_ROOT, 'node_modules', '.bin', 'cdk8s'),
      ['synth', '--check-upgrade=false', '--output', viaCdk8s],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, MESHTRACE_PROFILE: 'lab', MESHTRACE_CONFIG: '' },
      },
    );
    // THEN
    expect(stdout).toMatch(/0000-namespaces\.k8s\.yaml/);
    // cdk8s deletes the output folder before running the app (what README and docs/stack.md warn about).
    expect(existsSync(join(viaCdk8s, 'mine.yaml'))).toBe(false);
    const files = await listFiles(viaLibrary);
    expect(await listFiles(viaCdk8s)).toEqual(files);
    for (const f of files) expect([f, readFileSync(join(viaCdk8s, f), 'utf8')]).toEqual([f, readFileSync(join(viaLibrary, f), 'utf8')]);
  }, 180_000);
});
