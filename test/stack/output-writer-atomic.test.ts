/**
 * The writer is all or nothing: a failure at ANY step of a write leaves exactly the old tree or
 * exactly the new one (compared by sha256 of every file, strays included), and the message says which.
 * Every filesystem call of a write is failed in turn, once (a transient error: the rollback runs) and
 * from that step on (the rollback fails too: the next run's recovery must finish the job).
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputWriteError, recoverOutput, writeOutput, type WriteReport } from '../../src/stack/output-writer';
import { nodeWriterFs } from '../../src/stack/writer-fs';
import { failAt, instrumentedFs } from '../support/faulty-fs';
import { snapshotTree, type TreeSnapshot } from '../support/tree-snapshot';
import { newTree, oldTree } from './fixtures/writer-trees';

const USER_FILES: Record<string, string> = { 'mine.yaml': 'kind: ConfigMap # mine\n', 'install/notes.txt': 'my notes\n' };

describe('writeOutput under injected failures', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-atomic-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A folder holding `dist` = the old tree (written by synth) plus the user's own files. */
  async function oldDist(name: string): Promise<string> {
    const base = join(root, name);
    mkdirSync(base);
    await writeOutput(join(base, 'dist'), oldTree());
    for (const [p, content] of Object.entries(USER_FILES)) writeFileSync(join(base, 'dist', p), content);
    return base;
  }

  let OLD: TreeSnapshot;
  let NEW: TreeSnapshot;
  let steps: { name: string; args: readonly unknown[] }[];
  beforeAll(async () => {
    const base = await oldDist('reference');
    OLD = snapshotTree(base);
    steps = [];
    await writeOutput(join(base, 'dist'), newTree(), { fs: instrumentedFs(nodeWriterFs, (_n, name, args) => steps.push({ name, args })) });
    NEW = snapshotTree(base);
  });

  test('the reference trees differ in every way a write can change a folder', () => {
    expect(Object.keys(OLD)).toContain('dist/stale/deep/gone.yaml');
    expect(Object.keys(NEW)).not.toContain('dist/stale/deep/gone.yaml');
    expect(Object.keys(NEW)).toContain('dist/added/sub/fresh.yaml');
    expect(NEW['dist/0000-chart.k8s.yaml']).toBe(OLD['dist/0000-chart.k8s.yaml']);
    expect(NEW['dist/0001-chart.k8s.yaml']).not.toBe(OLD['dist/0001-chart.k8s.yaml']);
    expect(NEW['dist/mine.yaml']).toBe(OLD['dist/mine.yaml']);
    expect(Object.keys(NEW).filter((p) => !p.startsWith('dist/'))).toEqual([]); // no lock, no stage beside it
    // Renames are most of the swap, and each stays within one folder.
    expect(steps.filter((s) => s.name === 'rename').length).toBeGreaterThan(8);
  });

  test('a transient failure at every step k: the old tree exactly (rolled back) or the new one, and the message says which', async () => {
    const outcomes = new Map<string, number>();
    for (let k = 1; k <= steps.length; k++) {
      const base = await oldDist(`once-${k}`);
      let report: WriteReport | undefined;
      let error: unknown;
      try {
        report = await writeOutput(join(base, 'dist'), newTree(), { fs: instrumentedFs(nodeWriterFs, failAt(k)) });
      } catch (err) {
        error = err;
      }
      const step = `step ${k} (${steps[k - 1]!.name})`;
      if (error === undefined) {
        // A failure while cleaning up after the swap: the new tree is in place, the leftovers are reported …
        if (report!.warnings.length > 0) {
          expect([step, report!.warnings.join()]).toEqual([step, expect.stringMatching(/the next run removes/)]);
          await recoverOutput(join(base, 'dist')); // … and the next run removes them
        }
        expect([step, snapshotTree(base)]).toEqual([step, NEW]);
        outcomes.set('new', (outcomes.get('new') ?? 0) + 1);
      } else {
        expect(error).toBeInstanceOf(OutputWriteError);
        const e = error as OutputWriteError;
        expect([step, e.message]).toEqual([step, expect.stringMatching(/injected failure/)]);
        expect([step, e.message]).toEqual([step, expect.stringMatching(e.state === 'rolled back' ? /rolled back: .*dist is as it was/ : /nothing (there )?was changed/)]);
        if (/the next run removes them/.test(e.message)) await recoverOutput(join(base, 'dist'));
        expect([step, snapshotTree(base)]).toEqual([step, OLD]);
        outcomes.set(e.state, (outcomes.get(e.state) ?? 0) + 1);
      }
      rmSync(base, { recursive: true, force: true });
    }
    // Failures hit every phase: before the commit point, during the swap, and in the clean-up.
    expect(Object.fromEntries(outcomes)).toEqual({ unchanged: expect.any(Number), 'rolled back': expect.any(Number), new: expect.any(Number) });
  }, 120_000);

  test('failing from step k on (the rollback fails too): the journal says what the next run does, and after it the tree is old or new', async () => {
    const cases = new Map<string, number>();
    for (let k = 1; k <= steps.length; k++) {
      const base = await oldDist(`from-${k}`);
      const journal = join(base, '.dist.meshtrace-journal');
      let error: OutputWriteError | undefined;
      await writeOutput(join(base, 'dist'), newTree(), { fs: instrumentedFs(nodeWriterFs, failAt(k, true)) }).catch((err) => (error = err));
      const step = `step ${k} (${steps[k - 1]!.name})`;
      const state = existsSync(journal) ? (JSON.parse(readFileSync(journal, 'utf8') || '{}').state as string | undefined) ?? 'unreadable' : 'none';
      if (error?.state === 'pending recovery') expect([step, error.message]).toEqual([step, expect.stringMatching(/until the next `meshtrace synth` \(or `meshtrace check`\) (finishes the rollback|completes the write) from the journal/)]);
      // WHEN the next run comes (no failures now)
      const recovery = await recoverOutput(join(base, 'dist'));
      // THEN: committed → completed (new tree); staging or rolling back → old tree; no journal → whatever the run reported
      const after = snapshotTree(base);
      const expected = state === 'committed' ? NEW : state === 'none' ? (error ? OLD : NEW) : OLD;
      expect([step, state, after]).toEqual([step, state, expected]);
      if (state === 'committed') expect([step, recovery?.action]).toEqual([step, expect.stringMatching(/^(completed|cleaned)$/)]);
      if (state === 'rolling-back') expect([step, recovery?.action]).toEqual([step, 'rolled back']);
      cases.set(state, (cases.get(state) ?? 0) + 1);
      rmSync(base, { recursive: true, force: true });
    }
    expect([...cases.keys()].sort()).toEqual(expect.arrayContaining(['committed', 'staging']));
  }, 120_000);

  test('a swap step fails, then the rollback fails after the journal says rolling-back: the next run finishes the rollback (old tree)', async () => {
    const commit = steps.map((s, i) => [s, i] as const).filter(([s]) => s.name === 'rename' && String(s.args[0]).endsWith('.meshtrace-journal.tmp'))[1]![1] + 1;
    let rolledBackByNextRun = 0;
    for (let k = commit + 1; k <= steps.length; k++) {
      const base = await oldDist(`rollback-${k}`);
      // Step k fails; the journal rewrite (2 calls) succeeds; everything after it fails.
      const fs = instrumentedFs(nodeWriterFs, (n, name) => {
        if (n === k || n > k + 2) throw Object.assign(new Error(`EIO: injected failure at step ${n} (${name})`), { code: 'EIO' });
      });
      const result = await writeOutput(join(base, 'dist'), newTree(), { fs }).then((r) => r, (err: unknown) => err);
      const journal = join(base, '.dist.meshtrace-journal');
      const state = existsSync(journal) ? (JSON.parse(readFileSync(journal, 'utf8')) as { state: string }).state : 'none';
      const recovery = await recoverOutput(join(base, 'dist'));
      if (state === 'rolling-back') {
        expect([k, (result as OutputWriteError).message]).toEqual([k, expect.stringMatching(/finishes the rollback from the journal/)]);
        expect([k, recovery?.action]).toEqual([k, 'rolled back']);
        expect([k, snapshotTree(base)]).toEqual([k, OLD]);
        rolledBackByNextRun++;
      } else {
        expect([k, snapshotTree(base)]).toEqual([k, result instanceof Error ? OLD : NEW]);
      }
      rmSync(base, { recursive: true, force: true });
    }
    expect(rolledBackByNextRun).toBeGreaterThan(5);
  }, 120_000);

  /** Moves dist/install to `target` (on another filesystem) and leaves a symlink to it, as a user might. */
  function symlinkInstall(base: string, target: string): void {
    const install = join(base, 'dist', 'install');
    mkdirSync(target);
    for (const f of readdirSync(install)) writeFileSync(join(target, f), readFileSync(join(install, f)));
    rmSync(install, { recursive: true });
    symlinkSync(target, install);
  }

  test('dist/install a symlink to another filesystem (tmpfs): no rename crosses it (no EXDEV), the link stays, the files behind it change', async () => {
    const shm = mkdtempSync(join('/dev/shm', 'meshtrace-exdev-'));
    try {
      // GIVEN /dev/shm is another filesystem: a rename from the test folder to it is EXDEV
      expect(statSync(shm).dev).not.toBe(statSync(root).dev);
      writeFileSync(join(root, 'probe'), 'x');
      expect(() => renameSync(join(root, 'probe'), join(shm, 'probe'))).toThrow(/EXDEV/);
      const base = await oldDist('exdev');
      symlinkInstall(base, join(shm, 'install'));
      expect(snapshotTree(base)).toEqual(OLD);
      // WHEN
      const report = await writeOutput(join(base, 'dist'), newTree());
      // THEN
      expect(report.written).toContain('install/values-0.yaml');
      expect(lstatSync(join(base, 'dist', 'install')).isSymbolicLink()).toBe(true);
      expect(snapshotTree(base)).toEqual(NEW);
      expect(readdirSync(join(shm, 'install')).filter((n) => n.startsWith('.meshtrace'))).toEqual([]);
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });

  test('and a failure at every step with dist/install on tmpfs: old or new, never a mix', async () => {
    const shm = mkdtempSync(join('/dev/shm', 'meshtrace-exdev-k-'));
    try {
      const reference = await oldDist('exdev-count');
      symlinkInstall(reference, join(shm, 'count'));
      let total = 0;
      await writeOutput(join(reference, 'dist'), newTree(), { fs: instrumentedFs(nodeWriterFs, () => total++) });
      expect(total).toBeGreaterThan(40);
      for (let k = 1; k <= total; k++) {
        const base = await oldDist(`exdev-${k}`);
        symlinkInstall(base, join(shm, `install-${k}`));
        const result = await writeOutput(join(base, 'dist'), newTree(), { fs: instrumentedFs(nodeWriterFs, failAt(k)) }).then((r) => r, (err: unknown) => err);
        if (result instanceof Error) expect([k, result]).toEqual([k, expect.any(OutputWriteError)]);
        await recoverOutput(join(base, 'dist'));
        expect([k, snapshotTree(base)]).toEqual([k, result instanceof OutputWriteError ? OLD : NEW]);
        expect([k, readdirSync(join(shm, `install-${k}`)).filter((n) => n.startsWith('.meshtrace'))]).toEqual([k, []]);
        rmSync(base, { recursive: true, force: true });
      }
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('what the next run cleans up', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-recover-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("the old writer's .dist.tmp-* folders beside the output are removed", async () => {
    mkdirSync(join(root, '.dist.tmp-AbC123'));
    writeFileSync(join(root, '.dist.tmp-AbC123', 'half.yaml'), 'x');
    mkdirSync(join(root, '.other.tmp-AbC123')); // another output's: not ours to touch
    await writeOutput(join(root, 'dist'), oldTree());
    expect(readdirSync(root).sort()).toEqual(['.other.tmp-AbC123', 'dist']);
  });

  test('a journal held by a live process is a clear refusal; nothing changes', async () => {
    // GIVEN a write in progress by pid 1 (always alive)
    await writeOutput(join(root, 'dist'), oldTree());
    const before = snapshotTree(root);
    writeFileSync(join(root, '.dist.meshtrace-journal'), JSON.stringify({ version: 1, pid: 1, startedAt: '2026-01-01T00:00:00.000Z', outdir: join(root, 'dist'), state: 'staging', stages: [], ops: [], prune: [] }));
    // WHEN / THEN
    await expect(writeOutput(join(root, 'dist'), newTree())).rejects.toThrow(/another meshtrace synth \(pid 1, started 2026-01-01T00:00:00\.000Z\) is writing .*dist; wait for it to end \(if no such process runs, remove .*\.dist\.meshtrace-journal\)/);
    rmSync(join(root, '.dist.meshtrace-journal'));
    expect(snapshotTree(root)).toEqual(before);
  });

  test('a half-written (empty) journal of a dead writer is removed and the write goes ahead', async () => {
    writeFileSync(join(root, '.dist.meshtrace-journal'), '');
    const report = await writeOutput(join(root, 'dist'), oldTree());
    expect(report.recovered).toMatchObject({ action: 'cleaned' });
    expect(readdirSync(root)).toEqual(['dist']);
  });
});
