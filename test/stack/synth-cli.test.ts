/** The synth command in-process (the same `main()` the bin runs), for the output modes. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/run-cli';

const cli = (...args: string[]) => runCliInProcess(args);

describe('meshtrace synth (in-process)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-synthcli-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('--json prints one JSON document with what was written', async () => {
    const outdir = join(root, 'json');
    const r = await cli('synth', '--profile', 'ci', '--outdir', outdir, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, profile: 'ci', outdir });
    expect(doc.written).toContain('0000-namespaces.k8s.yaml');
    expect(doc.timings).toEqual({
      loadMs: expect.any(Number),
      buildMs: expect.any(Number),
      checkMs: expect.any(Number),
      writeMs: expect.any(Number),
    });
  });

  test('--stdout prints every file and writes nothing', async () => {
    const outdir = join(root, 'never');
    const r = await cli('synth', '--stdout', '--outdir', outdir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# file: 0000-namespaces\.k8s\.yaml\n/);
    expect(r.stdout).toContain('# file: install/istio-operator.yaml');
    expect(r.stdout).toContain('kind: Telemetry');
    expect(existsSync(outdir)).toBe(false);
  });

  test('--json on an unreadable config: exit 2 and the problems as data', async () => {
    const r = await cli('synth', '--config', join(root, '..', 'does-not-exist', 'x.yaml'), '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, problems: [expect.objectContaining({ path: '--config' })] });
  });

  test('an unknown --profile is a bad flag (exit 2) naming the choices', async () => {
    const r = await cli('synth', '--profile', 'staging');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'staging' is invalid\. Allowed choices are lab, ci, production/);
  });

  test('--config and --profile together: exit 2, nothing written', async () => {
    const outdir = join(root, 'both');
    const r = await cli('synth', '--config', 'samples/configs/lab.yaml', '--profile', 'ci', '--outdir', outdir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--profile: "ci" cannot be combined with --config/);
    expect(existsSync(outdir)).toBe(false);
  });

  test('a re-run says "nothing changed"; --json says changed: false', async () => {
    const outdir = join(root, 'rerun');
    expect((await cli('synth', '--outdir', outdir)).stdout).toMatch(/: 11 written, 0 unchanged, 0 removed \(\d+ objects, 11 files\)/);
    const again = await cli('synth', '--outdir', outdir);
    expect(again.stdout).toMatch(/: nothing changed \(0 written, 11 unchanged, 0 removed; \d+ objects, 11 files\)/);
    expect(JSON.parse((await cli('synth', '--outdir', outdir, '--json')).stdout)).toMatchObject({
      changed: false,
      written: [],
      recovered: null,
    });
  });

  test('--outdir / and a folder synth does not own: exit 2, nothing written; --force-outdir takes the folder over', async () => {
    const root1 = await cli('synth', '--outdir', '/');
    expect([root1.code, root1.stderr]).toEqual([2, expect.stringMatching(/--outdir \/ is the root folder; allowed: a folder of its own/)]);
    const theirs = join(root, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'thesis.tex'), 'mine\n');
    const refused = await cli('synth', '--outdir', theirs);
    expect([refused.code, refused.stderr]).toEqual([
      2,
      expect.stringMatching(/theirs is not empty \(thesis\.tex\) and has no \.meshtrace-owned: .*--force-outdir/),
    ]);
    expect(readdirSync(theirs)).toEqual(['thesis.tex']);
    const forced = await cli('synth', '--outdir', theirs, '--force-outdir');
    expect(forced.code).toBe(0);
    expect(readFileSync(join(theirs, 'thesis.tex'), 'utf8')).toBe('mine\n');
    expect(readdirSync(theirs)).toContain('0000-namespaces.k8s.yaml');
  });

  test('synth --help documents --force-outdir and what --outdir refuses', async () => {
    const help = (await cli('synth', '--help')).stdout.replace(/\s+/g, ' '); // commander wraps at the terminal width
    expect(help).toMatch(/--force-outdir take over a non-empty --outdir that synth did not write/);
    expect(help).toMatch(/refused: \/ and your home folder, and a non-empty folder without \.meshtrace-owned/);
  });

  test('an interrupted write left by a dead synth is finished first, and said so', async () => {
    // GIVEN a synthesized folder and the journal + stage of a write that died before its commit point
    const outdir = join(root, 'interrupted');
    await cli('synth', '--outdir', outdir);
    const stage = join(outdir, '.meshtrace-stage-dead');
    mkdirSync(join(stage, 'new'), { recursive: true });
    writeFileSync(join(stage, 'new', '0001-jaeger.k8s.yaml'), 'half\n');
    // (our own pid, but no write of this process holds it: stale, like a dead process's)
    writeFileSync(
      join(root, '.interrupted.meshtrace-journal'),
      JSON.stringify({
        version: 1,
        pid: process.pid,
        startedAt: '2026-12-06T21:00:00.000Z',
        outdir,
        state: 'staging',
        stages: [stage],
        ops: [],
        prune: [],
      }),
    );
    // WHEN
    const r = await cli('synth', '--outdir', outdir);
    // THEN
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /meshtrace synth: removed the staged files of an interrupted write from 2026-12-06T21:00:00\.000Z \(pid \d+\); it had not changed .*interrupted/,
    );
    expect(r.stdout).toMatch(/nothing changed/);
    expect(existsSync(stage)).toBe(false);
    expect(existsSync(join(root, '.interrupted.meshtrace-journal'))).toBe(false);
  });
});
